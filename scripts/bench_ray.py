"""Benchmark: the Ray executor beside the local one, on the same files in the same run.

Builds the bench season (scripts/bench.py's `build_season`: copies of the fixture submissions,
half .docx, half .pdf) at each size, then times `python -m pipeline ingest` into an empty folder
with `--executor local` and with `--executor ray` (a local Ray instance, started and shut down
by the command: its start-up is in the figure), each `--repeat` times in turn, and shows the
best of each and their ratio; then checks that the two wrote the same tables. Not run by CI:
`make bench`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench import build_season  # noqa: E402  (the season scripts/bench.py times)

TABLES = ("values", "documents", "findings", "rejects")


def timed_ingest(folder: Path, out: Path, executor: str, workers: int) -> float:
    """Wall-clock seconds of one ingest command into an empty `out`."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "pipeline", "ingest", str(folder), "--out", str(out)]
    command += ["--quiet", "--executor", executor, "--workers", str(workers)]
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def same_tables(left: Path, right: Path) -> bool:
    """Do two outputs hold the same rows (extracted_at, the time of each run, aside)?"""
    for name in TABLES:
        a, b = (pd.read_parquet(p / f"{name}.parquet") for p in (left, right))
        a, b = (t.drop(columns=["extracted_at"], errors="ignore") for t in (a, b))
        if not a.equals(b):
            return False
    return True


def bench(size: int, workers: int, repeat: int, tmp: Path) -> None:
    folder = tmp / f"season-{size}"
    folder.mkdir()
    build_season(folder, size)
    times: dict[str, list[float]] = {"local": [], "ray": []}
    for _ in range(repeat):
        for executor in times:
            times[executor].append(timed_ingest(folder, tmp / executor, executor, workers))
    local, ray = min(times["local"]), min(times["ray"])
    same = same_tables(tmp / "local", tmp / "ray")
    print(
        f"{size:>5} files  {workers} workers  local {local:6.1f} s  ray {ray:6.1f} s  "
        f"ray/local {ray / local:4.2f}×  ({size / ray:5.1f} files/s on Ray)  "
        f"same tables: {'yes' if same else 'NO'}"
    )
    print(
        f"       every run: local {', '.join(f'{t:.1f}' for t in times['local'])} s; "
        f"ray {', '.join(f'{t:.1f}' for t in times['ray'])} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each executor")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="selfeval-bench-ray-") as tmp:
        for size in args.sizes:
            bench(size, args.workers, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
