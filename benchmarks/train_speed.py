"""Time to the notebook's 97.97% test accuracy, measured side by side in one process.

(a) the notebook's algorithm, transcribed (float64, its DNNClassifier code,
    without its per-epoch prediction on the training set);
(b) scikit-learn's MLPClassifier, the same 784-128-10 network trained by SGD
    with the notebook's batch size and learning rate, one ``partial_fit`` per epoch;
(c) mlp_core's ``fast`` preset through ``mlp_core.Trainer``;
(d) the hardware floor: only the float32 matrix products of one epoch of the
    fast preset's network, batch by batch (forward x @ W_h and h @ W_o,
    backward h.T @ delta_1, delta_1 @ W_o.T and x.T @ delta_2).

Test accuracy is measured after every epoch; evaluation time is never
counted. Timings on a shared machine are noisy: (c) is repeated
(``--repeats``), and after every epoch of (c) one epoch of (d) runs, so that
each pair sees the same machine; the ratio (c)/(d) is the median over pairs.

    python benchmarks/train_speed.py                      # a few minutes
    python benchmarks/train_speed.py --max-epochs-notebook 5 --max-epochs-sklearn 5 --repeats 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reproduce_original import fit_notebook

from mlp_core import Dataset, TrainConfig, Trainer, load_mnist

TARGET = 0.9797  # the notebook's test accuracy after 50 epochs


@dataclass
class Run:
    """Per-epoch training seconds and test accuracy of one training run."""

    name: str
    seconds: list[float] = field(default_factory=list)  # training time of each epoch
    accuracy: list[float] = field(default_factory=list)  # test accuracy after each epoch

    def add(self, seconds: float, accuracy: float) -> bool:
        self.seconds.append(seconds)
        self.accuracy.append(accuracy)
        return accuracy >= TARGET

    @property
    def per_epoch(self) -> float:
        return statistics.median(self.seconds)

    @property
    def epochs_to_target(self) -> int | None:
        return next((i + 1 for i, a in enumerate(self.accuracy) if a >= TARGET), None)

    @property
    def seconds_to_target(self) -> float | None:
        e = self.epochs_to_target
        return None if e is None else sum(self.seconds[:e])


def notebook_algorithm(data: Dataset, max_epochs: int) -> Run:
    """(a) The notebook's DNNClassifier: float32 pixels / 255, float64 weights, batch 256, lr 0.5."""
    x_train = data.x_train.astype("float32") / 255
    x_test = data.x_test.astype("float32") / 255
    run = Run("notebook algorithm")
    last = [0.0]

    def each_epoch(estimator, epoch, loss, train_seconds):
        accuracy = float((estimator.predict(x_test) == data.y_test).mean())
        stop = run.add(train_seconds - last[0], accuracy)
        last[0] = train_seconds
        return stop

    fit_notebook(x_train, data.y_train, max_epochs, each_epoch)
    return run


def sklearn_mlp(data: Dataset, max_epochs: int) -> Run:
    """(b) MLPClassifier(128, relu, sgd) with the notebook's batch 256 and lr 0.5, no momentum, no L2."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x_train = data.x_train.astype("float32") / 255  # float32 in, so scikit-learn trains in float32
    x_test = data.x_test.astype("float32") / 255
    clf = MLPClassifier(
        hidden_layer_sizes=(128,),
        activation="relu",
        solver="sgd",
        batch_size=256,
        learning_rate_init=0.5,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        random_state=0,
    )
    classes = np.arange(10)
    run = Run("scikit-learn MLPClassifier")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(max_epochs):
            t0 = time.perf_counter()
            clf.partial_fit(x_train, data.y_train, classes=classes)
            seconds = time.perf_counter() - t0
            if run.add(seconds, float(clf.score(x_test, data.y_test))):
                break
    return run


def ours(data: Dataset, config: TrainConfig, max_epochs: int, floor: list[float]) -> Run:
    """(c) mlp_core's Trainer; its train_seconds leave out the per-epoch evaluation.
    After each epoch, one epoch of (d) is appended to ``floor``."""
    config = config.replace(epochs=min(config.epochs, max_epochs))
    trainer = Trainer(config, data)
    run = Run("mlp_core fast preset")
    last = 0.0
    for rec in trainer.epochs():
        run.add(rec.train_seconds - last, rec.test_accuracy)
        last = rec.train_seconds
        floor += matmul_floor(config, len(data.y_train), epochs=1)
    return run


def matmul_floor(config: TrainConfig, n_train: int, epochs: int) -> list[float]:
    """(d) Seconds per epoch of the fast network's float32 matrix products alone."""
    B, H = config.batch_size, config.hidden
    rng = np.random.default_rng(0)
    f32 = np.float32
    x = rng.random((B, 784), dtype=f32)
    W_h, W_o = rng.random((784, H), dtype=f32), rng.random((H, 10), dtype=f32)
    h, theta, delta_2 = (np.empty((B, k), f32) for k in (H, 10, H))
    delta_1 = rng.standard_normal((B, 10), dtype=f32) * f32(0.01)  # real numbers, no garbage or denormals
    dW_h, dW_o = np.empty_like(W_h), np.empty_like(W_o)
    sizes = [B] * (n_train // B) + ([n_train % B] if n_train % B else [])
    out = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        for n in sizes:
            xb, hb, d1, d2 = x[:n], h[:n], delta_1[:n], delta_2[:n]
            np.matmul(xb, W_h, out=hb)  # (n, 784) @ (784, H)
            np.matmul(hb, W_o, out=theta[:n])  # (n, H) @ (H, 10)
            np.matmul(hb.T, d1, out=dW_o)  # (H, n) @ (n, 10)
            np.matmul(d1, W_o.T, out=d2)  # (n, 10) @ (10, H)
            np.matmul(xb.T, d2, out=dW_h)  # (784, n) @ (n, H)
        out.append(time.perf_counter() - t0)
    return out


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-epochs-notebook", type=int, default=50, help="cap for (a); it stops at the target")
    parser.add_argument("--max-epochs-sklearn", type=int, default=30, help="cap for (b); it stops at the target")
    parser.add_argument("--max-epochs-fast", type=int, default=50, help="cap for (c); the preset sets its own")
    parser.add_argument("--repeats", type=int, default=3, help="runs of (c) and (d); medians are reported")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fast preset")
    parser.add_argument("--skip-notebook", action="store_true")
    parser.add_argument("--skip-sklearn", action="store_true")
    args = parser.parse_args(argv)

    blas = [
        f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture', '?')}), {i['num_threads']} threads"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    print(f"NumPy {np.__version__}; BLAS: {'; '.join(blas) or 'unknown'}")
    data = load_mnist()
    config = TrainConfig.fast(seed=args.seed)
    print(f"fast preset: {config.to_json()}")
    print(f"target: test accuracy >= {TARGET}", flush=True)

    # mlp_core and the floor first: scikit-learn brings SciPy's own OpenBLAS, whose idle threads
    # can linger and slow whatever runs after it on a small machine
    fast_runs: list[Run] = []
    floor: list[float] = []
    matmul_floor(config, len(data.y_train), epochs=1)  # warm-up: BLAS threads, caches
    for _ in range(max(args.repeats, 1)):
        fast_runs.append(ours(data, config, args.max_epochs_fast, floor))
    fast_seconds_all = [s for r in fast_runs for s in r.seconds]
    pair_ratios = [f / d for f, d in zip(fast_seconds_all, floor, strict=True)]
    floor_epoch = statistics.median(floor)
    fast_epoch = statistics.median(fast_seconds_all)
    to_target = [r.seconds_to_target for r in fast_runs]
    fast_seconds = statistics.median(to_target) if None not in to_target else None
    fast_epochs = fast_runs[0].epochs_to_target
    print(f"  (c), (d) done: {len(fast_runs)} runs", flush=True)

    runs: list[Run] = []
    if not args.skip_notebook:
        runs.append(notebook_algorithm(data, args.max_epochs_notebook))
        print(f"  (a) done: {len(runs[-1].seconds)} epochs", flush=True)
    if not args.skip_sklearn:
        runs.append(sklearn_mlp(data, args.max_epochs_sklearn))
        print(f"  (b) done: {len(runs[-1].seconds)} epochs", flush=True)

    print()
    print(f"{'':30} {'s/epoch':>8} {'epochs to':>10} {'s to':>8} {'best test':>10} {'s/epoch':>9} {'s to target':>12}")
    print(f"{'':30} {'':>8} {TARGET:>10} {TARGET:>8} {'accuracy':>10} {'/ fast':>9} {'/ fast':>12}")
    for run in runs:
        label = "a" if run.name == "notebook algorithm" else "b"
        secs = run.seconds_to_target
        vs = f"x{secs / fast_seconds:.1f}" if secs is not None and fast_seconds else "-"
        print(
            f"({label}) {run.name:<26} {run.per_epoch:8.3f} {fmt(run.epochs_to_target, 'd'):>10} "
            f"{fmt(secs, '.2f'):>8} {max(run.accuracy):10.4f} {f'x{run.per_epoch / fast_epoch:.1f}':>9} {vs:>12}"
        )
    best = max(max(r.accuracy) for r in fast_runs)
    print(
        f"(c) {'mlp_core fast preset':<26} {fast_epoch:8.3f} {fmt(fast_epochs, 'd'):>10} "
        f"{fmt(fast_seconds, '.2f'):>8} {best:10.4f} {'x1':>9} {'x1':>12}"
    )
    print(
        f"(d) {'float32 matmul floor':<26} {floor_epoch:8.3f} {'':>10} {'':>8} {'':>10} "
        f"{f'x{floor_epoch / fast_epoch:.2f}':>9}"
    )
    print()
    print(
        f"fast, per run: time to target {', '.join(fmt(s, '.2f') for s in to_target)} s; "
        f"s/epoch {', '.join(f'{r.per_epoch:.3f}' for r in fast_runs)}"
    )
    print(f"fast / floor, epoch by epoch: {' '.join(f'{r:.2f}' for r in pair_ratios)}")
    print(f"fast test accuracy by epoch (run 1): {' '.join(f'{a:.4f}' for a in fast_runs[0].accuracy)}")

    checks = []
    goals = {"notebook algorithm": 0.10, "scikit-learn MLPClassifier": 0.5}
    for run in runs:
        limit = goals[run.name]
        secs = run.seconds_to_target
        note = ""
        if secs is None:  # never got there: its whole run is a lower bound on its time to the target
            secs = sum(run.seconds)
            note = f" (it did not reach {TARGET} in {len(run.seconds)} epochs: compared with their {secs:.1f} s)"
        if fast_seconds is None:
            print(f"fast / {run.name}: fast did not reach {TARGET}  MISSED")
            checks.append(False)
            continue
        ratio = fast_seconds / secs
        checks.append(ratio <= limit)
        verdict = "ok" if ratio <= limit else "MISSED"
        print(f"fast / {run.name} (time to {TARGET}): {ratio:.3f}  (goal <= {limit})  {verdict}{note}")
    # No goal: the NumPy step's overhead over its bare products (about 1.4x on a 2-core machine) was
    # accepted for readability, without compiled code or ctypes (issue 11); the figure is reported.
    ratio = statistics.median(pair_ratios)
    print(f"fast / matmul floor (seconds per epoch, median of {len(pair_ratios)} side-by-side epochs): {ratio:.2f}")
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
