"""A run as a Jupyter notebook that reproduces it with NumPy alone.

``notebook(config, lang)`` writes the seed notebook a student would write for this run:
MNIST read from an ``mnist.npz`` (downloaded if it is missing; its path is a variable at
the top), the run's initialisation, order of examples, learning-rate schedule, optimizer
and number type, the forward and backward passes under the notebook's names (W_h, W_o, z,
h, theta, y_hat, delta_1, delta_2), and the notebook's printed table. Markdown cells
explain each step in English or Russian; their text is in ``notebook_text/<lang>/*.md``,
the same files in both languages.

What plain code cannot redo (random augmentation, the app's bundled extra digits) the
first cell says, and the notebook trains the closest plain version. Everything else gives
the app's weights to float rounding: ``tests/test_export.py`` runs exported notebooks
and compares.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from textwrap import dedent

from .config import TrainConfig
from .notebook import NOTEBOOK_LINE, SEED_TABLE, SEED_TEST_ACCURACY, TEST_LINE, is_seed_run

LANGUAGES = ("en", "ru")
TEXT = Path(__file__).with_name("notebook_text")
# where the seed notebook's MNIST came from (through Keras), with the same keys and order
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

# Settings the notebook's plain code leaves out, with the markdown part that says so.
NOT_REPRODUCED = {"augment": "caveat-augment", "extra_digits": "caveat-extra-digits"}


def text(lang: str, part: str, **values: object) -> str:
    """The markdown part ``part`` in ``lang``, with its ``{{placeholders}}`` filled in."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    source = (TEXT / lang / f"{part}.md").read_text(encoding="utf-8").strip()

    def fill(match: re.Match) -> str:
        if match.group(1) not in values:
            raise KeyError(f"{lang}/{part}.md needs {{{{{match.group(1)}}}}}")
        return str(values[match.group(1)])

    return PLACEHOLDER.sub(fill, source)


def not_reproduced(config: TrainConfig) -> list[str]:
    """The settings of ``config`` that the notebook cannot redo exactly (config field names)."""
    return [name for name in NOT_REPRODUCED if getattr(config, name)]


# --- code cells -------------------------------------------------------------------


def _number(value: float) -> str:
    return repr(float(value))


def _string(value: str) -> str:
    """A Python string literal in double quotes (JSON's escapes are Python's too)."""
    return json.dumps(value, ensure_ascii=False)


def _settings_code(config: TrainConfig, mnist_path: str) -> str:
    c = config
    scheduled = c.schedule != "constant" or c.warmup_epochs > 0
    size = f"{c.train_size}  # the first {c.train_size} training images" if c.train_size else "None  # all of them"
    lines = [
        "import math",
        "import urllib.request",
        "from pathlib import Path",
        "",
        "import numpy as np",
        "",
        "# MNIST as an .npz with x_train, y_train, x_test, y_test; downloaded here if it is missing",
        f"MNIST_PATH = Path({_string(mnist_path)})",
        f"MNIST_URL = {_string(MNIST_URL)}",
        "",
        f"HIDDEN = {c.hidden}  # hidden units H: W_h is (784, H), W_o is (H, 10)",
        f"LEARNING_RATE = {_number(c.lr)}" + ("  # the peak rate" if scheduled else ""),
        f"BATCH_SIZE = {c.batch_size}",
        f"EPOCHS = {c.epochs}",
        f"TRAIN_SIZE = {size}",
        f"SEED = {c.seed}",
        f"DTYPE = np.{c.dtype}  # the number type of the weights and of every computation",
    ]
    if c.l2:
        lines.append(f"L2 = {_number(c.l2)}  # weight decay")
    if c.warmup_epochs:
        lines.append(f"WARMUP_EPOCHS = {_number(c.warmup_epochs)}")
    if c.schedule == "cosine":
        lines.append(f"FINAL_LR_FRAC = {_number(c.final_lr_frac)}  # the rate at the end, as a fraction of the peak")
    if c.optimizer == "momentum":
        lines.append(f"MOMENTUM = {_number(c.momentum)}")
    if c.optimizer == "adam":
        lines += [f"BETA1 = {_number(c.beta1)}", f"BETA2 = {_number(c.beta2)}", f"EPS = {_number(c.adam_eps)}"]
    lines.append(f"DIVERGENCE_LOSS = {_number(c.divergence_loss)}  # a batch's mean loss above this stops training")
    return "\n".join(lines)


DATA_CODE = dedent(
    """\
    if not MNIST_PATH.exists():
        urllib.request.urlretrieve(MNIST_URL, MNIST_PATH)
    with np.load(MNIST_PATH) as mnist:
        x_train, y_train = mnist["x_train"], mnist["y_train"]
        x_test, y_test = mnist["x_test"], mnist["y_test"]

    x_train = x_train.reshape(len(x_train), 28 * 28)[:TRAIN_SIZE]  # (N, 784) pixels 0-255
    y_train = y_train[:TRAIN_SIZE].astype(np.int64)  # (N,) digits 0-9
    x_test = x_test.reshape(len(x_test), 28 * 28)
    y_test = y_test.astype(np.int64)

    # as the seed notebook: float32 pixels / 255, then the run's number type
    x_train = (x_train.astype(np.float32) / 255).astype(DTYPE)
    x_test = (x_test.astype(np.float32) / 255).astype(DTYPE)

    print("train size: ", x_train.shape, y_train.shape)
    print("test size: ", x_test.shape, y_test.shape)"""
)


def _init_code(config: TrainConfig) -> str:
    if config.init == "seed_uniform":
        code = dedent(
            """\
            def init_layer(input_size, output_size, rs):
                \"\"\"The seed notebook's U(-a, a), a = 2 / (input_size + output_size).\"\"\"
                a = 2.0 / (input_size + output_size)
                return rs.uniform(-a, a, (input_size, output_size))


            rs = np.random.RandomState(SEED)  # draws what the notebook's np.random.seed(SEED) drew
            """
        )
    elif config.init == "xavier":
        code = dedent(
            """\
            def init_layer(input_size, output_size, rng):
                \"\"\"Xavier (Glorot) uniform: U(-a, a), a = sqrt(6 / (input_size + output_size)).\"\"\"
                a = np.sqrt(6.0 / (input_size + output_size))
                return rng.uniform(-a, a, (input_size, output_size))


            rs = np.random.default_rng(SEED)
            """
        )
    else:
        code = dedent(
            """\
            def init_layer(input_size, output_size, rng):
                \"\"\"He normal: N(0, 2 / input_size); ReLU halves the variance, the 2 restores it.\"\"\"
                return rng.normal(0.0, np.sqrt(2.0 / input_size), (input_size, output_size))


            rs = np.random.default_rng(SEED)
            """
        )
    code += dedent(
        """\
        W_h = init_layer(784, HIDDEN, rs).astype(DTYPE)  # (784, H), drawn first
        W_o = init_layer(HIDDEN, 10, rs).astype(DTYPE)  # (H, 10)
        params = {"W_h": W_h, "W_o": W_o}"""
    )
    if config.biases:
        code += dedent(
            """
            b_h = np.zeros(HIDDEN, dtype=DTYPE)  # (H,)
            b_o = np.zeros(10, dtype=DTYPE)  # (10,)
            params.update(b_h=b_h, b_o=b_o)"""
        )
    return code


def _forward_code(config: TrainConfig) -> str:
    b_h = "\n    z = z + b_h  # (N, H) + (H,)" if config.biases else ""
    b_o = "\n    theta = theta + b_o  # (N, 10) + (10,)" if config.biases else ""
    return dedent(
        """\
        def relu(z):
            return np.maximum(z, 0)


        def softmax(theta):
            \"\"\"Row by row; subtracting each row's maximum changes nothing but keeps exp from overflowing.\"\"\"
            e = np.exp(theta - theta.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)


        def forward(x):
            \"\"\"(N, 784) images -> z, h and the (N, 10) probabilities y_hat.\"\"\"
            z = x @ W_h  # (N, 784) @ (784, H) -> (N, H){b_h}
            h = relu(z)  # (N, H)
            theta = h @ W_o  # (N, H) @ (H, 10) -> (N, 10){b_o}
            y_hat = softmax(theta)  # (N, 10)
            return z, h, y_hat


        def accuracy(x, labels):
            y_hat = forward(x)[2]
            return np.mean(y_hat.argmax(axis=1) == labels)"""
    ).format(b_h=b_h, b_o=b_o)


def _backward_code(config: TrainConfig) -> str:
    code = dedent(
        """\
        def backward(x, y, z, h, y_hat, divisor):
            \"\"\"Gradients of the batch's summed loss, divided by `divisor`; y is the (N, 10) one-hot answer.\"\"\"
            delta_1 = y_hat - y  # (N, 10): dE/dtheta
            delta_2 = (delta_1 @ W_o.T) * (z > 0)  # (N, 10) @ (10, H) -> (N, H): dE/dz, ReLU'(z) = [z > 0]
            grads = {
                "W_h": x.T @ delta_2 / divisor,  # (784, N) @ (N, H) -> (784, H)
                "W_o": h.T @ delta_1 / divisor,  # (H, N) @ (N, 10) -> (H, 10)
            }
        """
    )
    if config.biases:
        code += '    grads["b_h"] = delta_2.sum(axis=0) / divisor  # (H,)\n'
        code += '    grads["b_o"] = delta_1.sum(axis=0) / divisor  # (10,)\n'
    if config.l2:
        code += '    grads["W_h"] += L2 * W_h  # the gradient of L2/2 * |W|^2 (biases are not decayed)\n'
        code += '    grads["W_o"] += L2 * W_o\n'
    return code + "    return grads"


def _schedule_code(config: TrainConfig) -> str:
    lines = [
        "def learning_rate(progress):",
        '    """The learning rate `progress` epochs into training (fractional within an epoch)."""',
    ]
    if config.warmup_epochs:
        lines += [
            "    if progress < WARMUP_EPOCHS:  # linear warm-up from 0",
            "        return LEARNING_RATE * (progress + 1e-9) / WARMUP_EPOCHS",
        ]
    if config.schedule == "constant":
        lines.append("    return LEARNING_RATE")
    else:
        warmup = "WARMUP_EPOCHS" if config.warmup_epochs else "0.0"
        lines += [
            "    # cosine decay from LEARNING_RATE to LEARNING_RATE * FINAL_LR_FRAC at the last epoch",
            f"    span = max(EPOCHS - {warmup}, 1e-9)",
            f"    frac = min(max((progress - {warmup}) / span, 0.0), 1.0)",
            "    low = LEARNING_RATE * FINAL_LR_FRAC",
            "    return low + 0.5 * (LEARNING_RATE - low) * (1.0 + math.cos(math.pi * frac))",
        ]
    return "\n".join(lines)


def _optimizer_code(config: TrainConfig) -> str:
    if config.optimizer == "sgd":
        return dedent(
            """\
            def update(grads, lr):
                for name, W in params.items():
                    W -= lr * grads[name]  # W <- W - lr g, in place"""
        )
    if config.optimizer == "momentum":
        step = (
            "        W -= (lr * MOMENTUM) * v[name]  # Nesterov: W <- W - lr (g + mu v), as two steps\n"
            "        W -= lr * grads[name]"
            if config.nesterov
            else "        W -= lr * v[name]  # W <- W - lr v"
        )
        return (
            dedent(
                """\
                v = {name: np.zeros_like(W) for name, W in params.items()}  # velocities


                def update(grads, lr):
                    for name, W in params.items():
                        v[name] *= MOMENTUM
                        v[name] += grads[name]  # v <- mu v + g
                """
            )
            + step
        )
    return dedent(
        """\
        m = {name: np.zeros_like(W) for name, W in params.items()}  # mean of the gradients
        s = {name: np.zeros_like(W) for name, W in params.items()}  # mean of their squares
        t = 0  # steps taken


        def update(grads, lr):
            global t
            t += 1
            c1, c2 = 1.0 - BETA1**t, 1.0 - BETA2**t  # bias corrections
            for name, W in params.items():
                g = grads[name]
                m[name] *= BETA1
                m[name] += (1.0 - BETA1) * g
                s[name] *= BETA2
                s[name] += (1.0 - BETA2) * g**2
                W -= (lr / c1) * m[name] / (np.sqrt(s[name] / c2) + EPS)  # lr m_hat / (sqrt(s_hat) + eps)"""
    )


def _train_code(config: TrainConfig) -> str:
    c = config
    lines = []
    if c.shuffle:
        lines += ["rng = np.random.default_rng([SEED, 1])  # the order of the examples, drawn anew each epoch", "", ""]
    lines += [
        "def fit():",
        "    n = len(x_train)",
        "    batches = math.ceil(n / BATCH_SIZE)",
        "    one_hot = np.eye(10, dtype=DTYPE)",
        "    for epoch in range(EPOCHS):",
    ]
    if c.shuffle:
        lines.append("        order = rng.permutation(n)")
    lines += ["        loss_sum = 0.0"]
    if c.train_metric == "running":
        lines.append("        correct = 0")
    lines.append("        for b, i in enumerate(range(0, n, BATCH_SIZE)):")
    if c.shuffle:
        lines += [
            "            idx = order[i : i + BATCH_SIZE]",
            "            x, labels = x_train[idx], y_train[idx]  # (N, 784), (N,)",
        ]
    else:
        lines += [
            "            x = x_train[i : i + BATCH_SIZE]  # (N, 784)",
            "            labels = y_train[i : i + BATCH_SIZE]  # (N,)",
        ]
    lines += [
        "            lr = learning_rate(epoch + b / batches)",
        "            z, h, y_hat = forward(x)",
        "            picked = y_hat[np.arange(len(labels)), labels]  # (N,) probability of the right digit",
        "            batch_loss = -float(np.log(picked).sum())  # cross-entropy, summed over the batch",
        "            if not batch_loss / len(labels) <= DIVERGENCE_LOSS:  # not a number counts too",
        "                mean = batch_loss / len(labels)",
        '                print(f"Training diverged in epoch {epoch + 1}: the loss became {mean:.3g}.")',
        "                return",
        "            loss_sum += batch_loss",
    ]
    if c.train_metric == "running":
        lines.append("            correct += int(np.sum(picked >= y_hat.max(axis=1)))  # no digit more probable")
    divisor = "BATCH_SIZE" if c.nominal_divisor else "len(labels)"
    lines += [
        f"            grads = backward(x, one_hot[labels], z, h, y_hat, divisor={divisor})",
        "            update(grads, lr)",
    ]
    if c.train_metric == "running":
        lines.append("        train_accuracy = correct / n  # on the batches as they were trained")
    else:
        lines.append("        train_accuracy = accuracy(x_train, y_train)  # the whole training set, after the epoch")
    lines += [
        f"        print({_string(NOTEBOOK_LINE)}.format(epoch + 1, EPOCHS, train_accuracy, loss_sum / n))",
        "",
        "",
        "fit()",
    ]
    return "\n".join(lines)


TEST_CODE = f"print({_string(TEST_LINE)}.format(accuracy(x_test, y_test)))"


# --- the notebook -------------------------------------------------------------------


def _settings_list(config: TrainConfig) -> str:
    return "\n".join(f"- `{k}`: `{v!r}`" for k, v in config.to_dict().items())


def _seed_values(lang: str) -> str:
    rows = [f"| {e} | {acc:.3f} | {'—' if loss is None else f'{loss:.3f}'} |" for e, (acc, loss) in SEED_TABLE.items()]
    return text(lang, "seed-values", table="\n".join(rows), test=f"{SEED_TEST_ACCURACY:.4f}")


def cells(config: TrainConfig, lang: str = "en", *, mnist_path: str = "mnist.npz", title: str = "") -> list[tuple]:
    """The notebook as (kind, source) pairs, kind "markdown" or "code", in order."""
    c = config
    intro = [text(lang, "intro", title=title or text(lang, "title"), settings=_settings_list(c))]
    missing = not_reproduced(c)
    if missing:
        intro.append(text(lang, "not-exact"))
        intro += [text(lang, NOT_REPRODUCED[name]) for name in missing]
    else:
        intro.append(text(lang, "exact", dtype=c.dtype))
    steps = [text(lang, f"optimizer-{c.optimizer}")]
    if c.optimizer == "momentum" and c.nesterov:
        steps.append(text(lang, "optimizer-nesterov"))
    schedule = [text(lang, f"schedule-{c.schedule}")]
    if c.warmup_epochs:
        schedule.append(text(lang, "warmup"))
    train = [
        text(lang, "train"),
        text(lang, "order-shuffle" if c.shuffle else "order-fixed"),
        text(lang, f"metric-{c.train_metric}"),
    ]
    if not c.nominal_divisor:
        train.append(text(lang, "divisor-actual"))
    test = [text(lang, "test")]
    if is_seed_run(c) and c.epochs == 50:
        test.append(_seed_values(lang))
    backward = [text(lang, "backward")]
    if c.biases:
        backward.append(text(lang, "biases"))
    if c.l2:
        backward.append(text(lang, "l2"))
    return [
        ("markdown", "\n\n".join(intro)),
        ("markdown", text(lang, "network")),
        ("markdown", text(lang, "settings")),
        ("code", _settings_code(c, mnist_path)),
        ("markdown", text(lang, "data")),
        ("code", DATA_CODE),
        ("markdown", text(lang, f"init-{c.init}")),
        ("code", _init_code(c)),
        ("markdown", text(lang, "forward")),
        ("code", _forward_code(c)),
        ("markdown", "\n\n".join(backward)),
        ("code", _backward_code(c)),
        ("markdown", "\n\n".join(schedule)),
        ("code", _schedule_code(c)),
        ("markdown", "\n\n".join(steps)),
        ("code", _optimizer_code(c)),
        ("markdown", "\n\n".join(train)),
        ("code", _train_code(c)),
        ("markdown", "\n\n".join(test)),
        ("code", TEST_CODE),
    ]


def notebook(config: TrainConfig, lang: str = "en", *, mnist_path: str = "mnist.npz", title: str = ""):
    """The run of ``config`` as an ``nbformat`` notebook (version 4) in ``lang``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    make = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    nb.cells = [make[kind](source) for kind, source in cells(config, lang, mnist_path=mnist_path, title=title)]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"  # stable ids: the same run exports the same file
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def notebook_bytes(config: TrainConfig, lang: str = "en", *, mnist_path: str = "mnist.npz", title: str = "") -> bytes:
    """The ``.ipynb`` file of :func:`notebook`, validated."""
    import nbformat

    nb = notebook(config, lang, mnist_path=mnist_path, title=title)
    nbformat.validate(nb)
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def run_code(nb) -> tuple[dict, str]:
    """Run a notebook's code cells in order, in a fresh namespace in this process, as a kernel
    would: returns the namespace (W_h, W_o, ...) and everything the cells printed."""
    namespace: dict = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                exec(compile(cell.source, f"<cell {i}>", "exec"), namespace)
    return namespace, out.getvalue()
