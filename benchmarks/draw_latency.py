"""Draw page latency: canvas image -> 28x28 -> prediction, per drawing.

Synthetic pen drawings on a 280x280 RGBA canvas (as the browser canvas sends
them; ``mlp_core.sketches``) go through ``canvas_to_mnist`` and then the
network's forward pass with the explanation the page shows (``read_digit``:
probabilities, hidden activations, per-pixel contributions). Reports the median
and 95th percentile per stage and in total; the target is under 10 ms per
drawing. Also reports how many drawings were read right, and the cost of
augmentation: one plain training batch versus one augmented batch.

    python benchmarks/draw_latency.py                 # 500 drawings
    python benchmarks/draw_latency.py --n 2000 --canvas 560   # a high-DPI canvas
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlp_core import load_default_model, load_mnist
from mlp_core.augment import augment_batch
from mlp_core.explain import read_digit
from mlp_core.fast import Workspace, backward, forward
from mlp_core.model import as_float
from mlp_core.preprocess import canvas_to_mnist
from mlp_core.sketches import sketch_set

TARGET_MS = 10.0


def percentiles(ms: list[float]) -> str:
    a = np.asarray(ms)
    return f"median {np.median(a):6.2f} ms   p95 {np.percentile(a, 95):6.2f} ms   max {a.max():6.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500, help="number of drawings")
    ap.add_argument("--canvas", type=int, default=280, help="canvas side in pixels")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    saved = load_default_model()
    model = saved.model
    images, labels = sketch_set(args.n, seed=args.seed, canvas=args.canvas)
    # warm up (first calls pay for imports and allocation)
    for im in images[:10]:
        read_digit(model, canvas_to_mnist(im))

    prep, pred, total, cpu, right = [], [], [], [], 0
    for im, label in zip(images, labels, strict=True):
        c0 = time.process_time()
        t0 = time.perf_counter()
        x = canvas_to_mnist(im)
        t1 = time.perf_counter()
        reading = read_digit(model, x) if x is not None else None
        t2 = time.perf_counter()
        cpu.append(1e3 * (time.process_time() - c0))
        prep.append(1e3 * (t1 - t0))
        pred.append(1e3 * (t2 - t1))
        total.append(1e3 * (t2 - t0))
        right += reading is not None and reading.top == label

    print(f"model: {saved.meta.get('name', 'bundled')}, 784-{model.hidden}-10, {model.dtype}")
    print(f"{args.n} synthetic drawings on a {args.canvas}x{args.canvas} canvas, read right: {right / args.n:.1%}")
    print(f"  preprocessing      {percentiles(prep)}")
    print(f"  prediction+explain {percentiles(pred)}")
    print(f"  total              {percentiles(total)}")
    print(f"  total CPU time     {percentiles(cpu)}   (unaffected by other processes waiting for the CPU)")
    p95 = float(np.percentile(total, 95))
    print(f"  target: under {TARGET_MS:g} ms per drawing -> {'met' if p95 < TARGET_MS else 'NOT met'} (p95 wall clock)")

    # augmentation cost, per training batch of 128 (robust preset) vs the batch's forward+backward
    data = load_mnist()
    rng = np.random.default_rng(0)
    x = as_float(data.x_train[:128], np.float32)
    y = data.y_train[:128].astype(np.int64)
    ws = Workspace(128, model.hidden, model.dtype)
    m = model.copy()
    aug, step = [], []
    for _ in range(50):
        t0 = time.perf_counter()
        augment_batch(x, rng)
        t1 = time.perf_counter()
        _, cache = forward(m, x, ws)
        backward(m, cache, y, ws)
        t2 = time.perf_counter()
        aug.append(1e3 * (t1 - t0))
        step.append(1e3 * (t2 - t1))
    a, s = float(np.median(aug)), float(np.median(step))
    print(f"augment_batch, 128 images: median {a:.2f} ms; forward+backward of the batch: {s:.2f} ms")
    print(f"  an augmented step costs about {(a + s) / s:.1f}x a plain one (optimizer update not counted)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
