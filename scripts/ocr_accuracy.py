"""OCR accuracy: how many values of scanned forms come out exactly right, and whether every
wrong one is flagged.

Scans the fixture scans (fixtures/scans/) and, as submissions the OCR was never tuned on, fresh
scans of the other season documents made the same way with other tilts and noise (built into a
temporary folder by fixtures/build_scans.py's own functions). All are ingested in one run with
the default workers; each expected record is then
  right      the number equal, or the text equal without white space;
  flagged    wrong, but with a low_confidence or consistency finding on its cell, or an error
             on its form;
  UNFLAGGED  wrong with nothing to show for it.
`--other-scans` scores instead a second set: all five season documents scanned with tilts and
noise neither set above has, to check a change of the OCR against scans it was not tuned on.
Not run by CI: `make ocr-accuracy`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
# the checkout's own code first (run from a worktree, the installed editable package would
# otherwise give another checkout's pipeline), then the fixture builders and the test helpers
sys.path[:0] = [str(ROOT), str(ROOT / "fixtures"), str(ROOT / "tests")]

import build_scans  # noqa: E402
from test_scan import KEY, _flagged, _right, rows_by_key  # noqa: E402

from pipeline.run.ingest import ingest  # noqa: E402

# the season documents without a fixture scan: (name, tilts in degrees, noise seed)
UNSEEN = (
    ("jiangcheng-jiaotong-2023", (0.9, -0.5, 0.3), 11),
    ("jiangcheng-jiaoyu-2024", (-0.7, 0.4, 1.0), 12),
    ("jiangcheng-weijian-2024", (0.5, -1.0, -0.2), 13),
)
# `--other-scans`: all five season documents scanned once more, with tilts and noise none of
# the above has (a second set to check a change against, beside the one it was made on)
OTHER = (
    ("jiangcheng-jiaotong-2023", (-0.6, 0.8, -1.1), 31),
    ("jiangcheng-jiaoyu-2024", (1.2, -0.3, 0.7), 32),
    ("jiangcheng-weijian-2024", (-0.9, 0.2, 0.6), 33),
    ("jiangcheng-wenlv-2023", (0.4, -1.2), 34),
    ("yueyang-2024", (0.7, -0.5, -1.0, 0.2), 35),
)


def build_unseen(
    folder: Path, specs: tuple[tuple[str, tuple[float, ...], int], ...] = UNSEEN
) -> None:
    build_scans.SCANS = folder
    for name, angles, seed in specs:
        build_scans.build_scan(
            build_scans.ScanSpec(
                name=f"unseen-{name}",
                source=ROOT / "fixtures" / "season" / f"{name}.pdf",
                expected=ROOT / "fixtures" / "expected" / f"{name}.jsonl",
                pages=None,
                forms=None,
                angles=angles,
                seed=seed,
            )
        )


def score(folder: Path, out: Path) -> int:
    values = pd.read_parquet(out / "values.parquet")
    findings = pd.read_parquet(out / "findings.parquet")
    print(f"{'scan':44} {'right':>11} {'flagged':>8} {'UNFLAGGED':>10}")
    totals = [0, 0, 0, 0]
    for expected_path in sorted(folder.glob("*.jsonl")):
        name = expected_path.stem
        lines = expected_path.read_text(encoding="utf-8").splitlines()
        expected = [json.loads(line) for line in lines if line.strip()]
        rows = values[values.source_path == f"{name}.pdf"]
        got = rows_by_key(rows)
        own = findings[findings.source_path == f"{name}.pdf"]
        right, flagged, unflagged = 0, [], []
        for record in expected:
            if _right(record, got.get(tuple(record[k] for k in KEY))):
                right += 1
            else:
                (flagged if _flagged(record, own) else unflagged).append(record)
        print(f"{name:44} {right:5}/{len(expected):<5} {len(flagged):8} {len(unflagged):10}")
        for record in [*flagged, *unflagged]:
            got_text = (got.get(tuple(record[k] for k in KEY)) or {}).get("value_text")
            mark = "flagged  " if record in flagged else "UNFLAGGED"
            print(
                f"    {mark} {record['item']} {record['measure']}: {record['value_text']!r}"
                f" read {got_text!r}"
            )
        for i, n in enumerate((right, len(expected), len(flagged), len(unflagged))):
            totals[i] += n
    right, total, flagged, unflagged = totals
    print(f"{'all':44} {right:5}/{total:<5} {flagged:8} {unflagged:10}   {right / total:.2%} right")
    low = findings[findings.rule == "low_confidence"]
    print(f"\nlow_confidence findings (values to look at): {len(low)}")
    for row in low.itertuples():
        message = " ".join(str(row.message).split())
        print(f"    {row.source_path} {row.item} {row.measure}: {message[:70]}")
    return unflagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--other-scans",
        action="store_true",
        help="only the second set: the five season documents with other tilts and noise",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="selfeval-ocr-accuracy-") as tmp:
        folder, out = Path(tmp) / "in", Path(tmp) / "out"
        folder.mkdir()
        if args.other_scans:
            build_unseen(folder, OTHER)
        else:
            for path in (ROOT / "fixtures" / "scans").iterdir():
                shutil.copy(path, folder / path.name)
            build_unseen(folder)
        started = time.perf_counter()
        ingest(folder, out, workers=args.workers)
        elapsed = time.perf_counter() - started
        import pdfplumber

        pages = 0
        for path in folder.glob("*.pdf"):
            with pdfplumber.open(path) as pdf:
                pages += len(pdf.pages)
        print(f"{pages} scanned pages ingested in {elapsed:.1f} s: {elapsed / pages:.2f} s/page\n")
        unflagged = score(folder, out)
    sys.exit(1 if unflagged else 0)


if __name__ == "__main__":
    main()
