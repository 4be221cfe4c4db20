"""Benchmark what a run leaves for people: the season report, the 汇总 workbook and the DuckDB
views, timed as whole commands on the bench season (`make bench`, beside scripts/bench.py).

For each size: the season built as scripts/bench.py builds it, ingested once with 2 workers,
then `python -m pipeline report`, `python -m pipeline export --xlsx` and `python -m pipeline
views` timed on its output, each with the output's size.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import build_season  # the same season as the ingest benchmark


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200])
    args = parser.parse_args()
    python = [sys.executable, "-m", "pipeline"]
    print(
        f"{'files':>5} {'report s':>9} {'report MiB':>10} {'export s':>9} {'xlsx MiB':>9} {'views s':>8}"
    )
    with tempfile.TemporaryDirectory(prefix="selfeval-bench-out-") as tmp:
        for size in args.sizes:
            folder, out = Path(tmp) / f"season-{size}", Path(tmp) / f"out-{size}"
            folder.mkdir()
            build_season(folder, size)
            subprocess.run([*python, "ingest", str(folder), "--out", str(out)], check=True,
                           capture_output=True)  # fmt: skip
            report = timed([*python, "report", str(out), "--in", str(folder)])
            xlsx = out / "summary.xlsx"
            export = timed([*python, "export", str(out), "--xlsx", str(xlsx)])
            views = timed([*python, "views", str(out)])
            mib = (out / "report.html").stat().st_size / 2**20
            print(
                f"{size:>5} {report:>9.2f} {mib:>10.1f} {export:>9.2f} "
                f"{xlsx.stat().st_size / 2**20:>9.1f} {views:>8.2f}"
            )


if __name__ == "__main__":
    main()
