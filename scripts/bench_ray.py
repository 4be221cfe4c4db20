"""Benchmark: the Ray executor beside the local one, on the same files in the same run.

Builds the bench season (scripts/bench.py's `build_season`: copies of the fixture submissions,
half .docx, half .pdf) at each size, then times `python -m pipeline ingest` into an empty folder
with `--executor local`, with `--executor ray` (a local Ray instance, started and shut down
by the command: its start-up is in the figure) and with `--executor ray --ray-address` on a
Ray cluster already running (`ray start --head` on this machine with the same CPUs, as a job
meets a real cluster: up before it, its start-up not the job's), each `--repeat` times, each Ray
run right after a local one, and shows the median of the pairs' ratios (and the ratio of the
best of each); then checks that they wrote the same tables, and
times an own instance's start-up and shut-down alone (the fixed cost it adds to every run). Not
run by CI: `make bench`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
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
# no usage reports; the bench's own one-machine cluster without token authentication
RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}


def tree_rss_mib(root: int) -> float:
    """Resident memory of a process and all its descendants (a local Ray instance's raylet,
    object store and workers are the command's), in MiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 2**20


def timed_ingest(
    folder: Path, out: Path, executor: str, workers: int, address: str | None = None
) -> tuple[float, float]:
    """Wall-clock seconds and peak resident MiB (sampled every 50 ms) of one ingest command
    into an empty `out` (on the Ray cluster at `address`, if given)."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "pipeline", "ingest", str(folder), "--out", str(out)]
    command += ["--quiet", "--executor", executor, "--workers", str(workers)]
    if address:
        command += ["--ray-address", address]
    env = {**os.environ, **RAY_ENV}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mib(process.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise SystemExit(f"ingest --executor {executor} ended with {process.returncode}")
    return elapsed, peak


def start_stop_seconds(cpus: int) -> float:
    """Wall-clock seconds of a command that only imports Ray, starts a local instance as
    `--executor ray` does, and shuts it down: the fixed cost an own instance adds to a run."""
    code = (
        f"import ray; ray.init(num_cpus={cpus}, include_dashboard=False, log_to_driver=False); "
        "ray.shutdown()"
    )
    env = {**os.environ, **RAY_ENV}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
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
    # each Ray run right after a local one, under the same conditions (this machine's speed
    # drifts by 10-20 % over minutes): the ratio of a pair is taken, then their median
    pairs: dict[str, list[tuple[float, float]]] = {"ray": [], "cluster": []}
    peaks: dict[str, float] = {"local": 0.0, "ray": 0.0, "cluster": 0.0}

    def pair(mode: str, address: str | None) -> None:
        local, peak = timed_ingest(folder, tmp / "local", "local", workers)
        peaks["local"] = max(peaks["local"], peak)
        seconds, peak = timed_ingest(folder, tmp / mode, "ray", workers, address)
        peaks[mode] = max(peaks[mode], peak)
        pairs[mode].append((local, seconds))

    # a running cluster on this machine would be joined by an own-instance run: those first
    for _ in range(repeat):
        pair("ray", None)
    with running_cluster(workers) as address:
        for _ in range(repeat):
            pair("cluster", address)
    fixed = min(start_stop_seconds(workers) for _ in range(repeat))
    same = same_tables(tmp / "local", tmp / "ray") and same_tables(tmp / "local", tmp / "cluster")
    shown = {"ray": "own instance", "cluster": "running cluster"}
    print(f"{size:>5} files  {workers} workers  same tables: {'yes' if same else 'NO'}")
    for mode, runs in pairs.items():
        median = statistics.median(ray / local for local, ray in runs)
        best = min(ray for _, ray in runs) / min(local for local, _ in runs)
        every = ", ".join(f"({local:.1f}, {ray:.1f})" for local, ray in runs)
        print(
            f"       ray ({shown[mode]}) / local: {median:4.2f}× (median of {len(runs)} pairs; "
            f"best of each {best:4.2f}×)  runs (local s, ray s): {every}"
        )
    print(
        f"       peak RSS local {peaks['local']:.0f} MiB, ray own instance {peaks['ray']:.0f} MiB; "
        f"an own instance's start-up and shut-down alone (no files): {fixed:.1f} s"
    )


@contextlib.contextmanager
def running_cluster(cpus: int):
    """A one-node Ray cluster started with `ray start --head` for the block, and its address."""
    ray_cli = Path(sys.executable).with_name("ray")
    env = {**os.environ, **RAY_ENV}
    port = "6390"  # not Ray's default, so as not to meet another cluster on this machine
    start = [str(ray_cli), "start", "--head", f"--port={port}", f"--num-cpus={cpus}"]
    start += ["--include-dashboard=false", "--disable-usage-stats"]
    subprocess.run(start, check=True, env=env, stdout=subprocess.DEVNULL)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([str(ray_cli), "stop", "--force"], env=env, stdout=subprocess.DEVNULL)


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
