"""Photos of digits on paper: how well the bundled model reads them after ``mlp_core.photo``.

The same MNIST test digits are read twice: clean, as MNIST gives them, and as
synthetic phone photos (``mlp_core.photo_synth``: textured paper, uneven light,
shadows, chalk on a board, rotation, a small digit off-centre, coloured paper,
blur, sensor noise and JPEG) cleaned up by ``photo_to_mnist``. One row per
condition: each row makes that difficulty hard and keeps the others mild;
"everything" draws them all at random. A photo refused with a problem code
counts as misread. Then blank pages and pages with two digits side by side,
which should be refused with ``no_ink`` and ``several_digits``; and the time
per photo, at the benchmark's frame size and for 12 MP phone shots.

    python benchmarks/photo_accuracy.py              # 300 digits per condition, 640x480 frames
    python benchmarks/photo_accuracy.py --n 100 --seed 1
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlp_core import load_default_model, load_mnist
from mlp_core.photo import NO_INK, SEVERAL_DIGITS, photo_to_mnist
from mlp_core.photo_synth import CONDITIONS, random_scene, render, two_digit_scenes


def timed(photo: np.ndarray, times: list[float]):
    start = time.perf_counter()
    reading = photo_to_mnist(photo)
    times.append(1000 * (time.perf_counter() - start))
    return reading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="digits per condition (default 300)")
    parser.add_argument("--pages", type=int, default=100, help="blank and two-digit pages each (default 100)")
    parser.add_argument("--large", type=int, default=10, help="12 MP photos timed (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # rows appear as they are measured

    data = load_mnist()
    model = load_default_model()
    rng = np.random.default_rng(args.seed)
    pick = rng.choice(len(data.y_test), args.n, replace=False)
    digits, labels = data.x_test[pick], data.y_test[pick].astype(int)
    clean = model.predict_proba(digits).argmax(axis=1) == labels
    print(f"{args.n} MNIST test digits (seed {args.seed}); read clean: {clean.mean():.1%}")
    print()
    print(f"{'condition':<12} {'clean':>7} {'photo':>7} {'refused':>8}  problems")

    times: list[float] = []
    for condition in CONDITIONS:
        right = np.zeros(args.n, bool)
        problems: Counter[str] = Counter()
        for k, (digit, label) in enumerate(zip(digits, labels, strict=True)):
            photo, _ = render(random_scene(rng, condition), rng, (digit,))
            reading = timed(photo, times)
            if reading.problem:
                problems[reading.problem] += 1
                continue
            right[k] = model.predict_proba(reading.image.reshape(1, -1)).argmax() == label
        refused = sum(problems.values())
        listed = ", ".join(f"{code} {n}" for code, n in problems.most_common()) or "-"
        print(f"{condition:<12} {clean.mean():>7.1%} {right.mean():>7.1%} {refused / args.n:>8.1%}  {listed}")

    print()
    blank: Counter[str] = Counter()
    for _ in range(args.pages):
        blank[str(timed(render(random_scene(rng), rng)[0], times).problem)] += 1
    pairs: Counter[str] = Counter()
    for _ in range(args.pages):
        places = two_digit_scenes(rng)
        two = data.x_test[rng.choice(len(data.y_test), 2, replace=False)]
        pairs[str(timed(render(places[0], rng, tuple(two), tuple(places))[0], times).problem)] += 1
    print(f"blank pages:      {blank[NO_INK]}/{args.pages} refused as {NO_INK}   (all: {dict(blank)})")
    print(f"two-digit pages:  {pairs[SEVERAL_DIGITS]}/{args.pages} refused as {SEVERAL_DIGITS}   (all: {dict(pairs)})")

    print()
    print(f"time per 640x480 photo: median {np.median(times):.1f} ms, p95 {np.percentile(times, 95):.1f} ms")
    large: list[float] = []
    for _ in range(args.large):
        scene = random_scene(rng, "everything", height=3000, width=4000)
        photo, _ = render(scene, rng, (digits[0],))
        timed(photo, large)
    if large:
        print(f"time per 4000x3000 photo: median {np.median(large):.1f} ms, p95 {np.percentile(large, 95):.1f} ms")


if __name__ == "__main__":
    main()
