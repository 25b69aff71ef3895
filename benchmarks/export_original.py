"""Export the Original preset as a notebook, run it in full, and set its table beside the seed's.

The notebook that the Train page's "Download as a notebook" (or ``python -m mlp_core
export-notebook --preset original``) writes is run cell by cell in this process, as a
kernel would run it, on the bundled MNIST. Its printed table is then compared with what
the seed notebook printed (epochs 1-19, epoch 20's accuracy, epoch 50 and the test
accuracy 0.9797); any difference at the printed precision makes the script exit with 1.

    python benchmarks/export_original.py            # all 50 epochs, a few minutes
    python benchmarks/export_original.py --lang ru  # the Russian notebook (the same code)
    python benchmarks/export_original.py --out original.ipynb  # also keep the notebook
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nbformat

from mlp_core import TrainConfig
from mlp_core.data import DEFAULT_PATH
from mlp_core.export import LANGUAGES, notebook_bytes, run_code
from mlp_core.notebook import SEED_TABLE, SEED_TEST_ACCURACY, same_printed
from mlp_core.outfile import write_atomically


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="the language of the notebook's text")
    parser.add_argument("--out", metavar="FILE.ipynb", help="also write the exported notebook here")
    args = parser.parse_args(argv)

    raw = notebook_bytes(TrainConfig.original(), args.lang, mnist_path=str(DEFAULT_PATH))
    if args.out:
        write_atomically(args.out, raw)
    nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    print("Running the Original preset's exported notebook (50 epochs) ...", flush=True)
    start = time.perf_counter()
    _, out = run_code(nb)
    seconds = time.perf_counter() - start

    epochs: dict[int, tuple[float, float]] = {}
    test = None
    for line in out.splitlines():
        if line.startswith("Epoch "):
            head, acc, loss = line.split(";")[0], line.split("Train accuracy: ")[1], line.split("Loss : ")[1]
            epochs[int(head.split()[1].split("/")[0])] = (float(acc.split()[0]), float(loss))
        elif line.startswith("Accuracy on test dataset: "):
            test = float(line.split(": ")[1])

    mismatches = []
    print(f"\n{'exported notebook':<52}  {'seed notebook':<15}")
    for epoch, (acc, loss) in sorted(epochs.items()):
        line = f"Epoch {epoch}/50;  Train accuracy: {acc:.3f}  Loss : {loss:.3f}"
        seed = SEED_TABLE.get(epoch)
        if seed is None:
            print(f"{line:<52}  {'(not printed)':<15}")
            continue
        seed_acc, seed_loss = seed
        ok = same_printed(acc, seed_acc) and (seed_loss is None or same_printed(loss, seed_loss))
        seed_text = f"{seed_acc:.3f} / " + ("  -  " if seed_loss is None else f"{seed_loss:.3f}")
        print(f"{line:<52}  {seed_text:<15}  {'ok' if ok else 'MISMATCH'}")
        if not ok:
            mismatches.append(f"epoch {epoch}: {acc:.3f} / {loss:.3f} vs the seed's {seed_text}")
    if len(epochs) != 50:
        mismatches.append(f"the notebook printed {len(epochs)} epochs, not 50")
    print(f"\nAccuracy on test dataset: exported notebook {test}   seed notebook {SEED_TEST_ACCURACY:.4f}")
    if test is None or not same_printed(test, SEED_TEST_ACCURACY, 4):
        mismatches.append(f"test accuracy {test} vs the seed's {SEED_TEST_ACCURACY:.4f}")
    print(f"The notebook ran in {seconds:.0f} s.\n")
    if mismatches:
        print(f"MISMATCH in {len(mismatches)} place(s):")
        for m in mismatches:
            print("  " + m)
        return 1
    print(f"OK: every value the seed notebook printed is the exported notebook's; test accuracy {test:.4f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
