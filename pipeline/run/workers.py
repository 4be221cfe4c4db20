"""Files read in worker processes, watched: a file that takes too long, grows past the memory
cap or crashes its worker ends as a `failed` result, its worker is replaced, and the run goes on.

Workers are forked, so they start with everything the parent imported; each reads one file
after another until it is stopped, dies, has grown past half the memory cap or has read
MAX_JOBS_PER_WORKER files. The parent polls each worker's anonymous resident memory
(`RssAnon` in `/proc/<pid>/status`: what reading a file allocates) past what it was forked with
(the parent's then: a fork shares those pages and counts them in both), and the time its file
has taken. Not the whole resident size: a forked worker does not count the file-backed pages
its parent has read in (memory-mapped Parquet, models, libraries) until it touches them, so
measured against the parent's whole size a file could take that much more than its cap.

A worker does not outlive its parent: it asks the kernel for SIGKILL when the parent dies
(PR_SET_PDEATHSIG), or, where that is not to be had, a thread of its own watches the parent and
ends the worker when it is gone. An ingest killed outright (SIGKILL) leaves no worker behind
holding memory or its standard output.
"""

from __future__ import annotations

import bisect
import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

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


MAX_JOBS_PER_WORKER = 200  # a worker is replaced after this many files (leaks stay bounded)
RETIRE_AT = 0.5  # of the memory cap: a worker grown past it after a file is replaced


@dataclass
class _Worker:
    """A worker process and the job it is on (None while idle)."""

    process: multiprocessing.process.BaseProcess
    conn: Connection
    served: int = 0
    index: int | None = None
    job: Any = None
    started: float = 0.0
    inherited: float = 0.0  # MiB of anonymous memory the worker was forked with (its parent's)


def _status_mib(pid: int, field: str) -> float | None:
    """One `kB` field of a process's /proc status in MiB, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process in MiB, or None when it is gone."""
    return _status_mib(pid, "VmRSS:")


def anon_mib(pid: int) -> float | None:
    """Anonymous resident memory of a process in MiB (what it allocated, not the files it
    mapped), or None when it is gone."""
    return _status_mib(pid, "RssAnon:")


PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_SECONDS = 1.0  # how often a worker without PR_SET_PDEATHSIG looks for its parent


def die_with_parent(parent: int) -> None:
    """End this process when `parent` dies: the kernel's death signal where there is one, else
    a daemon thread that looks for the parent every WATCH_SECONDS. A parent already gone (it
    died before the signal was asked for) ends the process at once."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        asked = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        asked = False
    if not asked:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def _serve(
    work: Callable[[Any], Any], jobs: Sequence[Any], conn: Connection, parent: int | None = None
) -> None:
    """A worker's loop: read a job's index, answer with its result, until told to stop (None)
    or the parent is gone. An exception other than MemoryError ends the worker: its file is
    reported as crashed, as a signal would be."""
    if parent is not None:
        die_with_parent(parent)
    while True:
        try:
            index = conn.recv()
        except EOFError:
            return
        if index is None:
            return
        try:
            result = work(jobs[index])
        except MemoryError:
            result = Failure("memory", "读取此文件时内存不足")
        conn.send(result)


class Frontier:
    """The first job not yet finished, as jobs finish in any order (in time linear in the
    jobs overall: the window's start is asked for at every pick)."""

    def __init__(self) -> None:
        self.first = 0
        self._ahead: set[int] = set()  # finished jobs after the first unfinished one

    def finish(self, index: int) -> None:
        self._ahead.add(index)
        while self.first in self._ahead:
            self._ahead.remove(self.first)
            self.first += 1


def run_jobs(
    jobs: Sequence[Job],
    work: Callable[[Job], Result],
    limits: Limits,
    workers: int = 1,
    window: int | None = None,
    cost: Callable[[Job], float] | None = None,
) -> Iterator[tuple[int, Job, Result | Failure]]:
    """Run `work` on every job in worker processes, at most `workers` at once.

    Yields (index, job, result) as jobs finish; the result is a Failure when the worker was
    stopped for time or memory, or died without answering. A worker reads one file after
    another (forked once, it saves each file a fork and the copying of the parent's pages);
    one that was stopped or died is replaced by a fresh one, and so is one that has grown past
    half the memory cap or read MAX_JOBS_PER_WORKER files. No job starts more than `window`
    places after the first unfinished one, so a caller putting results back in order holds at
    most `window` of them. Within the window the costliest job (by `cost`) starts first, so
    that a long one does not start last and leave the other workers idle at the end.
    """
    context = multiprocessing.get_context("fork")
    pending = list(enumerate(jobs))
    pool: list[_Worker] = []
    frontier = Frontier()
    window = window or max(1, workers) * 4
    try:
        while pending or any(w.index is not None for w in pool):
            for worker in _idle(pool, context, work, jobs, max(1, workers), bool(pending)):
                # pending is in index order: the jobs inside the window are a prefix of it
                inside = bisect.bisect_left(pending, frontier.first + window, key=lambda p: p[0])
                if inside == 0:
                    break
                pick = max(range(inside), key=lambda i: (cost(pending[i][1]) if cost else 0.0, -i))
                index, job = pending.pop(pick)
                worker.conn.send(index)
                worker.index, worker.job, worker.started = index, job, time.monotonic()
            busy = [w for w in pool if w.index is not None]
            ready = wait([w.conn for w in busy], timeout=POLL_SECONDS)
            for worker in busy:
                outcome = _outcome(worker, worker.conn in ready, limits)
                if outcome is None:
                    continue
                index, job = worker.index, worker.job
                worker.index, worker.job = None, None
                if not isinstance(outcome, Failure):
                    worker.served += 1
                    _retire_if_grown(worker, limits)
                frontier.finish(index)
                yield index, job, outcome
    finally:
        for worker in pool:
            _stop(worker)


def _idle(pool, context, work, jobs, size: int, wanted: bool) -> list[_Worker]:
    """The idle workers, the pool first filled up to `size` (when jobs are waiting)."""
    pool[:] = [w for w in pool if w.process.is_alive() or w.index is not None]
    while wanted and len(pool) < size:
        parent, child = context.Pipe(duplex=True)
        process = context.Process(target=_serve, args=(work, jobs, child, os.getpid()), daemon=True)
        inherited = anon_mib(os.getpid()) or 0.0
        process.start()
        child.close()
        pool.append(_Worker(process, parent, inherited=inherited))
    return [w for w in pool if w.index is None and w.process.is_alive()]


def _outcome(worker: _Worker, readable: bool, limits: Limits) -> Any | None:
    """The worker's answer, a Failure if it must stop or has died, or None while it works."""
    if readable:
        try:
            return worker.conn.recv()
        except EOFError:  # closed without a word: the worker died
            return _died(worker)
    elapsed = time.monotonic() - worker.started
    if elapsed > limits.timeout:
        _stop(worker, kill=True)
        return Failure("timeout", f"读取超过了每个文件允许的 {limits.timeout:g} 秒")
    taken = anon_mib(worker.process.pid)
    # what the file costs: the worker's memory past what it was forked with, so that a file's
    # budget does not depend on what else the run holds (the OCR models loaded, say)
    if taken is not None and taken - worker.inherited > limits.max_rss_mib:
        _stop(worker, kill=True)
        return Failure("memory", f"读取所需内存超过了每个文件允许的 {limits.max_rss_mib} MiB")
    if not worker.process.is_alive() and not worker.conn.poll():
        return _died(worker)
    return None


def _retire_if_grown(worker: _Worker, limits: Limits) -> None:
    """Replace a worker that has read its share of files or kept much of a big file's memory."""
    rss = rss_mib(worker.process.pid) or 0.0
    if worker.served >= MAX_JOBS_PER_WORKER or rss > RETIRE_AT * limits.max_rss_mib:
        _stop(worker)


def _died(worker: _Worker) -> Failure:
    worker.process.join(timeout=1)
    code = worker.process.exitcode
    _stop(worker)
    how = f"信号 {-code}" if code is not None and code < 0 else f"退出码 {code}"
    return Failure("crashed", f"读取程序在此文件上崩溃（{how}）")


def _stop(worker: _Worker, kill: bool = False) -> None:
    """End a worker: killed mid-file, or asked to stop when idle."""
    if worker.process.is_alive():
        if kill:
            worker.process.kill()
        else:
            try:
                worker.conn.send(None)
            except (BrokenPipeError, OSError):
                worker.process.kill()
    worker.process.join(timeout=5)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join(timeout=5)
    worker.conn.close()


def default_workers() -> int:
    """The machine's cores available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
