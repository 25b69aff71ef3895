"""Reproduce the seed notebook's training table with the ``original`` preset.

Trains three ways and prints them side by side, epoch by epoch:

1. ``mlp_core`` with ``TrainConfig.original()`` (the app's "Seed notebook" preset);
2. the notebook's own ``DNNClassifier`` code, transcribed below with its maths
   unchanged (one-hot labels in sorted class order and argmax back, as its
   ``LabelBinarizer`` does), run in this process on the same data;
3. the values the seed notebook printed (epochs 1-19, epoch 20's accuracy,
   epoch 50 and the test accuracy).

Any difference at the printed precision (3 decimals, test accuracy 4) is
listed and makes the script exit with status 1.

    python benchmarks/reproduce_original.py            # all 50 epochs, a few minutes
    python benchmarks/reproduce_original.py --epochs 5  # a quick look at the first epochs
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import xlogy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlp_core import Dataset, TrainConfig, Trainer, load_mnist
from mlp_core.notebook import NOTEBOOK_LINE, SEED_TABLE, SEED_TEST_ACCURACY

# What the seed notebook printed (mlp_core.notebook keeps it, for the Train page too).
LINE = NOTEBOOK_LINE


# --- the notebook's code, maths unchanged ----------------------------------


def stable_softmax(x):
    tmp = x - x.max(axis=1, keepdims=True)
    np.exp(tmp, out=x)
    x /= x.sum(axis=1, keepdims=True)
    return x


def relu(x):
    return np.maximum(0, x)


def relu_derivative(x):
    out = x[:]
    out[out <= 0] = 0
    out[out > 0] = 1
    return out


def crossentropy_loss(y_true, y_prob):
    return -xlogy(y_true, y_prob).sum()


class OneHotLabels:
    """What ``sklearn.preprocessing.LabelBinarizer`` does for 10 classes:
    one column per class in sorted order, and argmax back to a class."""

    def fit_transform(self, y):
        self.classes_ = np.unique(y)
        return (y[:, None] == self.classes_[None, :]).astype(np.int64)

    def inverse_transform(self, y_prob):
        return self.classes_[y_prob.argmax(axis=1)]


class DNNClassifier:
    """The notebook's classifier (two layers, no biases), as it wrote it."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation_functions=(None, None),
        loss_function=crossentropy_loss,
        batch_size=1,
        learning_rate=0.001,
        max_iter=200,
        random_state=42,
        on_epoch=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation_functions = activation_functions
        self.loss_function = loss_function
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.random_state = random_state
        # Replaces the notebook's verbose print: called after each epoch with (estimator, epoch, loss,
        # training seconds so far); returning True stops training.
        self.on_epoch = on_epoch
        self._label_binarizer = OneHotLabels()

    def _forward_layer(self, x, w, activation_function=None):
        out = np.dot(x, w)
        if activation_function:
            out = activation_function(out)
        return out

    def _forward_propagate(self, x):
        activations = [x]
        for next_layer, activation in zip(self.weights, self.activation_functions, strict=True):
            out = self._forward_layer(activations[-1], next_layer, activation)
            activations.append(out)
        return activations

    def _back_propagation(self, activations, y):
        weights = self.weights
        gradients = [np.empty_like(layer) for layer in weights]
        deltas1 = activations[2] - y  # 256,10
        gradients[1] = np.dot(activations[1].T, deltas1)  # 128,10
        deltas2 = np.dot(deltas1, weights[1].T) * relu_derivative(activations[1])  # 256,128
        gradients[0] = np.dot(activations[0].T, deltas2)  # 784,128
        return gradients

    def _init_layer(self, input_size, output_size):
        a = 2.0 / (input_size + output_size)
        w = np.random.uniform(-a, a, (input_size, output_size))
        return w

    def fit(self, X, y):
        np.random.seed(self.random_state)
        y = self._label_binarizer.fit_transform(y)
        num_classes = len(self._label_binarizer.classes_)
        n, p = X.shape
        s = self.hidden_layer_sizes[0]
        self.weights = [self._init_layer(p, s), self._init_layer(s, num_classes)]
        train_seconds = 0.0
        for j in range(self.max_iter):
            start = time.perf_counter()
            accumulated_loss = 0.0
            for i in range(0, n, self.batch_size):
                X_batch = X[i : i + self.batch_size]
                y_batch = y[i : i + self.batch_size]
                activations = self._forward_propagate(X_batch)
                y_prob = activations[-1]
                accumulated_loss += self.loss_function(y_batch, y_prob)
                gradients = self._back_propagation(activations, y_batch)
                gradients = [gradient / self.batch_size for gradient in gradients]
                self.weights = [
                    weight - self.learning_rate * grad for weight, grad in zip(self.weights, gradients, strict=True)
                ]
            train_seconds += time.perf_counter() - start
            if self.on_epoch:
                loss = accumulated_loss / X.shape[0]
                if self.on_epoch(self, j + 1, loss, train_seconds):
                    break
        return self

    def predict(self, X):
        activations = self._forward_propagate(X)
        return self._label_binarizer.inverse_transform(activations[-1])


def fit_notebook(x_train: np.ndarray, y_train: np.ndarray, epochs: int, on_epoch) -> DNNClassifier:
    """The notebook's cell 5: its classifier (784-128-10, ReLU, softmax, batch 256, lr 0.5,
    seed 42) fitted for ``epochs``, calling ``on_epoch(estimator, epoch, loss, train_seconds)``."""
    saved = np.random.get_state()  # the notebook seeds the global generator; leave it as found
    try:
        estimator = DNNClassifier(
            hidden_layer_sizes=(128,),
            activation_functions=(relu, stable_softmax),
            batch_size=256,
            learning_rate=0.5,
            max_iter=epochs,
            random_state=42,
            on_epoch=on_epoch,
        )
        return estimator.fit(x_train, y_train.astype(np.int64))
    finally:
        np.random.set_state(saved)


def run_notebook(data: Dataset, epochs: int) -> tuple[list[tuple[float, float]], float, float]:
    """The notebook's cells 4-6: float32 pixels / 255, fit, test accuracy."""
    x_train = data.x_train.astype("float32") / 255
    x_test = data.x_test.astype("float32") / 255
    rows: list[tuple[float, float]] = []
    seconds = [0.0]

    def record(estimator, epoch, loss, train_seconds):
        # the notebook's verbose line: accuracy on the whole training set after the epoch
        accuracy = (estimator.predict(x_train) == data.y_train).mean()
        rows.append((float(accuracy), float(loss)))
        seconds[0] = train_seconds

    estimator = fit_notebook(x_train, data.y_train, epochs, record)
    test_accuracy = float((estimator.predict(x_test) == data.y_test).mean())
    return rows, test_accuracy, seconds[0]


def run_mlp_core(data: Dataset, epochs: int) -> tuple[list[tuple[float, float]], float, float]:
    trainer = Trainer(TrainConfig.original(epochs=epochs), data)
    rows = [(r.train_accuracy, r.train_loss) for r in trainer.epochs()]
    assert trainer.status == "finished", trainer.stop_reason
    return rows, trainer.history[-1].test_accuracy, trainer.train_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=50, help="epochs to train (the notebook ran 50)")
    args = parser.parse_args(argv)
    epochs = args.epochs
    data = load_mnist()

    print(f"Training the original preset and the notebook's code for {epochs} epochs each ...", flush=True)
    ours, ours_test, ours_seconds = run_mlp_core(data, epochs)
    theirs, theirs_test, theirs_seconds = run_notebook(data, epochs)

    def fmt(acc, loss):
        return f"{acc:.3f} / {loss:.3f}" if loss is not None else f"{acc:.3f} /   -  "

    mismatches: list[str] = []
    print()
    print(f"{'mlp_core original preset (train accuracy, loss)':<58}  {'notebook code':<15}  {'seed notebook':<15}")
    for epoch in range(1, epochs + 1):
        (acc, loss), (n_acc, n_loss) = ours[epoch - 1], theirs[epoch - 1]
        line = LINE.format(epoch, epochs, acc, loss)
        seed = SEED_TABLE.get(epoch) if epochs == 50 else None
        ok = fmt(acc, loss) == fmt(n_acc, n_loss)
        if not ok:
            mismatches.append(f"epoch {epoch}: mlp_core {fmt(acc, loss)} vs notebook code {fmt(n_acc, n_loss)}")
        if seed is not None:
            mine = fmt(acc, loss if seed[1] is not None else None)
            if mine != fmt(*seed):
                ok = False
                mismatches.append(f"epoch {epoch}: mlp_core {mine} vs seed notebook {fmt(*seed)}")
        seed_text = fmt(*seed) if seed is not None else ""
        print(f"{line.expandtabs(4):<58}  {fmt(n_acc, n_loss):<15}  {seed_text:<15}  {'ok' if ok else 'MISMATCH'}")

    print()
    print(f"Accuracy on test dataset: mlp_core {ours_test:.4f}   notebook code {theirs_test:.4f}", end="")
    if ours_test != theirs_test:
        mismatches.append(f"test accuracy: mlp_core {ours_test:.4f} vs notebook code {theirs_test:.4f}")
    if epochs == 50:
        print(f"   seed notebook {SEED_TEST_ACCURACY:.4f}")
        if round(ours_test, 4) != SEED_TEST_ACCURACY:
            mismatches.append(f"test accuracy: mlp_core {ours_test:.4f} vs seed notebook {SEED_TEST_ACCURACY:.4f}")
    else:
        print()
    print(f"Training time (evaluation excluded): mlp_core {ours_seconds:.1f} s, notebook code {theirs_seconds:.1f} s")
    print()
    if mismatches:
        print(f"MISMATCH in {len(mismatches)} place(s):")
        for m in mismatches:
            print("  " + m)
        return 1
    against = "the notebook's code and the seed's printed values" if epochs == 50 else "the notebook's code"
    print(f"OK: all {epochs} epochs match {against} to 3 decimals; test accuracy {ours_test:.4f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
