"""Each file in a worker process of its own, watched: a file that takes too long, grows past the
memory cap or crashes its worker ends as a `failed` result, and the run goes on.

Workers are forked, so they start with everything the parent imported and cost milliseconds.
The parent polls each worker's resident memory (`/proc/<pid>/status`) and its elapsed time.
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Limits:
    """What one file may cost: wall-clock seconds and resident memory in MiB."""

    timeout: float = 300.0
    max_rss_mib: int = 2048


@dataclass(frozen=True)
class Failure:
    """Why a worker ended without a result: `timeout`, `memory` or `crashed`."""

    code: str
    message: str


@dataclass
class _Running(Generic[Job]):
    index: int
    job: Job
    process: multiprocessing.process.BaseProcess
    conn: Connection
    started: float


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process in MiB, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _child(work: Callable[[Any], Any], job: Any, conn: Connection) -> None:
    try:
        conn.send(work(job))
    except MemoryError:
        conn.send(Failure("memory", "ran out of memory while reading the file"))
    finally:
        conn.close()


def run_jobs(
    jobs: Sequence[Job],
    work: Callable[[Job], Result],
    limits: Limits,
    workers: int = 1,
    window: int | None = None,
    cost: Callable[[Job], float] | None = None,
) -> Iterator[tuple[int, Job, Result | Failure]]:
    """Run `work` on every job, each in its own worker process, at most `workers` at once.

    Yields (index, job, result) as jobs finish; the result is a Failure when the worker was
    stopped for time or memory, or died without answering. No job starts more than `window`
    places after the first unfinished one, so a caller putting results back in order holds
    at most `window` of them. Within the window the costliest job (by `cost`) starts first,
    so that a long one does not start last and leave the other workers idle at the end.
    """
    context = multiprocessing.get_context("fork")
    pending = list(enumerate(jobs))
    running: list[_Running] = []
    unfinished: set[int] = set(range(len(jobs)))
    window = window or max(1, workers) * 4
    while pending or running:
        while pending and len(running) < max(1, workers):
            # pending is in index order: the jobs inside the window are a prefix of it
            inside = bisect.bisect_left(pending, min(unfinished) + window, key=lambda p: p[0])
            if inside == 0:
                break
            pick = max(range(inside), key=lambda i: (cost(pending[i][1]) if cost else 0.0, -i))
            index, job = pending.pop(pick)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(work, job, send), daemon=True)
            process.start()
            send.close()
            running.append(_Running(index, job, process, receive, time.monotonic()))
        ready = wait([r.conn for r in running], timeout=POLL_SECONDS)
        still: list[_Running] = []
        for item in running:
            outcome = _outcome(item, item.conn in ready, limits)
            if outcome is None:
                still.append(item)
            else:
                unfinished.discard(item.index)
                yield item.index, item.job, outcome
        running = still


def _outcome(item: _Running, readable: bool, limits: Limits) -> Any | None:
    """The worker's answer, a Failure if it must stop or has died, or None while it works."""
    if readable:
        try:
            result = item.conn.recv()
        except EOFError:  # closed without a word: the worker died
            result = _died(item)
        _reap(item)
        return result
    elapsed = time.monotonic() - item.started
    if elapsed > limits.timeout:
        _reap(item, kill=True)
        return Failure("timeout", f"took longer than the {limits.timeout:g} s allowed per file")
    rss = rss_mib(item.process.pid)
    if rss is not None and rss > limits.max_rss_mib:
        _reap(item, kill=True)
        return Failure(
            "memory", f"needed more than the {limits.max_rss_mib} MiB of memory allowed per file"
        )
    if not item.process.is_alive() and not item.conn.poll():
        _reap(item)
        return _died(item)
    return None


def _died(item: _Running) -> Failure:
    item.process.join(timeout=1)
    code = item.process.exitcode
    how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    return Failure("crashed", f"the reader crashed on this file ({how})")


def _reap(item: _Running, kill: bool = False) -> None:
    if kill and item.process.is_alive():
        item.process.kill()
    item.process.join(timeout=5)
    item.conn.close()


def default_workers() -> int:
    """The machine's cores available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
