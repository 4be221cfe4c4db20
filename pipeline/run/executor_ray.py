"""Each file's read in a Ray task: the same per-file work as the local workers, on a cluster.

The driver reads each document's bytes (a bundle member's copied out of its bundle; a saved
workbook page's `x.files/` folder with it) and hands them to the task, so the nodes need no
shared disk. The task writes them to a scratch folder of its own and reads them exactly as a
local worker does (extract → records → validate → per-file rules), returning the file's typed
rows. Plans, sinks and the commit stay the driver's (`pipeline.run.ingest`).

A task reads a small batch of files one after another and yields each file's rows as soon as
they are made (a Ray generator task). Ray's cost per task (scheduling, a round trip to the
driver: 7 ms at the median and 15-20 ms on average, measured on two busy CPUs) is so paid once
per batch, and the driver still knows which file a task is reading. Batches shrink to single
files as the run nears its end.

Limits are per file, as locally: a task is cancelled (its worker killed) when the file it is
reading has taken longer than the per-file time; memory is Ray's: each task reserves
`max_rss_mib` of its node's memory for scheduling, and Ray's memory monitor kills a task when
its node runs out. A task that is killed, crashes or loses its node is retried never: the file
it was reading ends `failed` with a code saying which, the files after it in its batch are read
by another task, and the run goes on. A worker that dies can take with it the rows of the file
it had just finished (their report to the driver still in flight), so a crash is not blamed on a
file read in a batch until that file, read again in a task of its own, crashes too.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from extractors import DEFAULT_PDF_READER, share_cores
from pipeline import __version__
from pipeline.definitions import load_catalog
from pipeline.run.read import ingest_file
from pipeline.run.results import FileResult, failed_file, format_of, unread_source
from pipeline.run.sources import MEMBER_ERRORS, Source, member_info, member_problem, os_reason
from pipeline.run.workers import Failure, Frontier, Limits

POLL_SECONDS = 0.05
QUEUED = 2  # tasks handed to Ray per slot: the running one and the next
MAX_BATCH = 8  # files one task reads, at most: Ray's cost per task shared by up to this many
BATCH_BYTES = 16 * 2**20  # nor more bytes than this, unless a single file is larger
SLOTS_SECONDS = 5.0  # how often the cluster's nodes are counted again
_SAVED_PAGE_SUFFIXES = (".htm", ".html")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shipped:
    """A document's bytes as they travel to a task: the file under its own name (a bundle
    member under `member<ext>`, as a local read names it), and any files read with it."""

    name: str
    data: bytes
    companions: tuple[tuple[str, bytes], ...] = ()  # (path relative to the file's folder, bytes)


def _companions(path: Path) -> tuple[tuple[str, bytes], ...]:
    """The files a saved workbook page reads beside it: its `x.files/` (or `x_files/`) folder."""
    if path.suffix.lower() not in _SAVED_PAGE_SUFFIXES:
        return ()
    found = []
    for folder in (path.parent / f"{path.stem}.files", path.parent / f"{path.stem}_files"):
        if folder.is_dir():
            for part in sorted(p for p in folder.rglob("*") if p.is_file()):
                found.append((part.relative_to(path.parent).as_posix(), part.read_bytes()))
    return tuple(found)


def source_to_shipped(source: Source) -> Shipped:
    """The bytes a task needs to read `source` (raises OSError, zipfile.BadZipFile, EOFError;
    ValueError for a source that discovery already found unreadable)."""
    if source.problem is not None:
        raise ValueError(source.problem)
    if source.member is None:
        return Shipped(source.path.name, source.path.read_bytes(), _companions(source.path))
    with zipfile.ZipFile(source.path) as bundle:
        data = bundle.read(member_info(bundle, source))
    return Shipped(f"member{Path(source.member).suffix.lower()}", data)


def shipped_to_file(shipped: Shipped, folder: Path) -> Path:
    """The shipped document written out under `folder`, its companions beside it."""
    for rel, data in shipped.companions:
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    path = folder / shipped.name
    path.write_bytes(shipped.data)
    return path


def read_shipped(
    source: Source, shipped: Shipped, now: datetime, pdf_reader: str = DEFAULT_PDF_READER
) -> FileResult:
    """In the task: one document's bytes read into its rows, as a local worker reads it."""
    share_cores(1)  # a task holds one CPU of its node
    with tempfile.TemporaryDirectory(prefix="selfeval-task-") as tmp:
        path = shipped_to_file(shipped, Path(tmp))
        catalog = load_catalog()
        return ingest_file(
            path, source.rel, catalog, now, source.sha, pdf_reader, source.form_kinds
        )


def _unshippable(source: Source, exc: Exception, now: datetime) -> FileResult:
    """The documents row of a source whose bytes cannot be sent (read as `read_source` would)."""
    fmt = format_of(source.member or source.path.name)
    if source.problem is not None:  # a damaged bundle, a zip bomb: refused before any task
        return unread_source(source, now)
    if isinstance(exc, OSError) and source.member is None:
        message = f"无法读取 {source.rel}：{os_reason(exc)}"
        return failed_file(source.rel, source.sha, fmt, now, "unreadable", message)
    code, message = member_problem(source.rel, exc)
    return failed_file(source.rel, source.sha, fmt, now, code, message)


@dataclass
class _Batch:
    """Files one task reads one after another, yielding each file's rows as it is read."""

    files: list[tuple[int, Source]]  # (index, source), in the order the task reads them
    stream: Any  # the task's ray.ObjectRefGenerator
    done: int = 0  # files whose rows have come back
    started: float | None = None  # when the file now being read began; None while waiting

    @property
    def current(self) -> tuple[int, Source]:
        return self.files[self.done]

    @property
    def unread(self) -> list[tuple[int, Source]]:
        """The files after the current one: never begun."""
        return self.files[self.done + 1 :]


def failure_of(exc: Exception) -> Failure:
    """What a Ray error means for the file whose task raised it."""
    import ray.exceptions as rex

    if isinstance(exc, rex.OutOfMemoryError):
        return Failure("memory", "Ray 停止了读取：读取此文件的计算节点内存不足")
    if isinstance(exc, rex.NodeDiedError | rex.ObjectLostError):
        return Failure("node_lost", "读取此文件的计算节点失去联系，请重新读取")
    if isinstance(exc, rex.WorkerCrashedError | rex.LocalRayletDiedError):
        return Failure("crashed", "读取程序在此文件上崩溃（Ray 工作进程终止）")
    if isinstance(exc, rex.TaskCancelledError):
        return Failure("crashed", "读取此文件的 Ray 任务被取消")
    cause = getattr(exc, "cause", None)
    if isinstance(exc, MemoryError) or isinstance(cause, MemoryError):
        return Failure("memory", "读取此文件时内存不足")
    log.debug("Ray task failed: %r", exc)
    return Failure("crashed", "读取此文件的 Ray 任务出错")


def task_slots(limits: Limits) -> int:
    """How many tasks the cluster's live nodes can run at once: on each node its CPUs, or
    fewer where its memory holds fewer tasks of `max_rss_mib` (Ray schedules by both). At
    least 1, so that a task too large for every node still ends (by its time limit)."""
    import ray

    need = limits.max_rss_mib * 2**20
    slots = 0
    for node in ray.nodes():
        if node.get("Alive"):
            resources = node.get("Resources", {})
            slots += min(int(resources.get("CPU", 0)), int(resources.get("memory", 0) // need))
    return max(1, slots)


def read_batch(
    batch: Sequence[tuple[Source, Shipped]], now: datetime, pdf_reader: str = DEFAULT_PDF_READER
) -> Iterator[FileResult]:
    """In the task: each document of the batch read in turn, its rows yielded as it is read
    (a Ray generator task: the driver has each file's rows as soon as they are made)."""
    for source, shipped in batch:
        yield read_shipped(source, shipped, now, pdf_reader)


def _remote_read(limits: Limits) -> Any:
    import ray

    return ray.remote(read_batch).options(
        num_cpus=1, memory=limits.max_rss_mib * 2**20, max_retries=0, retry_exceptions=False
    )


def batch_size(pending: int, at_once: int) -> int:
    """How many files the next task reads: up to MAX_BATCH while many wait, fewer as the run
    nears its end, one at the last, so that no task is left reading a long batch alone."""
    return max(1, min(MAX_BATCH, pending // (QUEUED * at_once * 2)))


def _pick_batch(
    pending: list[tuple[int, Source]],
    first_unfinished: int,
    window: int,
    size: int,
    cost: Callable[[Source], float] | None,
    alone: frozenset[int] | set[int] = frozenset(),
) -> list[tuple[int, Source]]:
    """Up to `size` files (and BATCH_BYTES) taken out of `pending` (kept in index order) for
    one task: inside the window, the costliest first; a file of `alone` only as a task's one."""
    picked: list[tuple[int, Source]] = []
    weight = 0
    while pending and len(picked) < size and (not picked or weight < BATCH_BYTES):
        inside = bisect.bisect_left(pending, first_unfinished + window, key=lambda p: p[0])
        choices = [i for i in range(inside) if not picked or pending[i][0] not in alone]
        if not choices:
            break
        pick = max(choices, key=lambda i: (cost(pending[i][1]) if cost else 0.0, -i))
        picked.append(pending.pop(pick))
        weight += picked[-1][1].size
        if picked[-1][0] in alone:
            break
    return picked


def _blamed(outcome: FileResult | Failure, task: _Batch) -> bool:
    """Whether a task's failure is surely its current file's: a timeout is; a worker's death
    (a crash, memory, a lost node) only in a task reading that file alone (in a batch, the
    worker may have died on the next file before the rows of this one reached the driver)."""
    if not isinstance(outcome, Failure) or outcome.code not in ("crashed", "memory", "node_lost"):
        return True
    return len(task.files) == 1


def run_ray_jobs(
    jobs: Sequence[Source],
    limits: Limits,
    now: datetime,
    pdf_reader: str = DEFAULT_PDF_READER,
    workers: int | None = None,
    window: int | None = None,
    cost: Callable[[Source], float] | None = None,
    batch: int | None = None,
) -> Iterator[tuple[int, Source, FileResult | Failure]]:
    """Read every source in Ray tasks, as many at once as the cluster can run (its task slots,
    looked at again every few seconds as nodes come and go; fewer with `workers`), and as
    many again waiting behind them, so that a slot never idles while the driver hands it the
    next task. A task reads a batch of files (`batch`, or `batch_size`'s), yielding each
    file's rows as it is read: a file's time counts from when its batch's slot is free for it
    or the file before it was read, so waiting never counts against the per-file limit. A
    task that fails or is overdue fails the file it was reading; the files after it in its
    batch go back to be read by another task. Yields (index, source, result or Failure) as
    files finish, like `workers.run_jobs`: no file starts more than `window` places after the
    first unfinished, the costliest first."""
    import ray

    remote = _remote_read(limits)
    pending = list(enumerate(jobs))
    alone: set[int] = set()  # files a task crashed on in a batch: read again by themselves
    running: list[_Batch] = []
    frontier = Frontier()
    slots, counted = task_slots(limits), time.monotonic()
    while pending or running:
        if time.monotonic() - counted > SLOTS_SECONDS:
            slots, counted = task_slots(limits), time.monotonic()
        at_once = min(slots, workers or slots)
        while pending and len(running) < QUEUED * at_once:
            size = batch or batch_size(len(pending), at_once)
            window_size = window or QUEUED * at_once * size * 2
            picked = _pick_batch(pending, frontier.first, window_size, size, cost, alone)
            if not picked:
                break
            files, shipped = [], []
            for index, source in picked:
                try:
                    shipped.append((source, source_to_shipped(source)))
                except MEMBER_ERRORS as exc:
                    frontier.finish(index)
                    yield index, source, _unshippable(source, exc, now)
                    continue
                files.append((index, source))
            if files:
                stream = remote.remote(shipped, now, pdf_reader)
                running.append(_Batch(files, stream))
        _start_clocks(running, at_once)
        if not running:
            continue
        ready, _ = ray.wait([b.stream for b in running], num_returns=1, timeout=POLL_SECONDS)
        for stream in ready:
            task = next(b for b in running if b.stream is stream)
            index, source = task.current  # a running task has a file still to come back
            outcome = _next_result(task)
            if isinstance(outcome, Failure) or task.done == len(task.files):
                running.remove(task)
                _put_back(pending, task.unread)
            if not _blamed(outcome, task):
                alone.add(index)
                _put_back(pending, [(index, source)])
                continue
            frontier.finish(index)
            yield index, source, outcome
        for task in _overdue(running, limits):
            ray.cancel(task.stream, force=True)
            running.remove(task)
            _put_back(pending, task.unread)
            index, source = task.current
            frontier.finish(index)
            message = f"读取超过了每个文件允许的 {limits.timeout:g} 秒"
            yield index, source, Failure("timeout", message)


class NodeVersionError(RuntimeError):
    """A node runs another version of selfeval than the driver: its rows would not be this
    version's (and re-runs keep rows by version), so the run stops before anything is committed."""


def checked_version(result: FileResult) -> FileResult:
    """The task's result, if the node that read it runs the driver's version of selfeval."""
    if result.document.pipeline_version != __version__:
        raise NodeVersionError(
            f"a Ray node runs selfeval {result.document.pipeline_version}, this driver "
            f"{__version__}: install the same version on every node (nothing was written)"
        )
    return result


def _next_result(task: _Batch) -> FileResult | Failure:
    """The rows of the file `task` was reading (its stream has the next one ready), or the
    Failure of that file when the task failed on it."""
    import ray

    try:
        ref = next(task.stream)
    except StopIteration:  # not met: read_batch yields once per file
        return Failure("crashed", "读取此文件的 Ray 任务在读取前就结束了")
    try:
        result = ray.get(ref)
    except Exception as exc:  # a Ray error: the file fails, not the run
        return failure_of(exc)
    task.done += 1
    task.started = time.monotonic()  # the next file of the batch begins
    return checked_version(result)


def _put_back(pending: list[tuple[int, Source]], files: list[tuple[int, Source]]) -> None:
    """Files a failed task never began, back among the pending ones (kept in index order)."""
    for file in files:
        bisect.insort(pending, file, key=lambda p: p[0])


def _start_clocks(running: list[_Batch], at_once: int) -> None:
    """Start the clocks of the waiting tasks, oldest first, for the slots that are free."""
    clocked = sum(1 for t in running if t.started is not None)
    for task in running:  # in submission order
        if clocked >= at_once:
            return
        if task.started is None:
            task.started = time.monotonic()
            clocked += 1


def _overdue(running: list[_Batch], limits: Limits) -> list[_Batch]:
    now = time.monotonic()
    return [t for t in running if t.started is not None and now - t.started > limits.timeout]


@contextlib.contextmanager
def ray_session(address: str | None, cpus: int | None = None) -> Iterator[None]:
    """Connected to Ray for the block: to the cluster at `address`, or a local instance started
    for it (with `cpus` CPUs, no dashboard) and shut down after. A driver already connected
    (`ray.init` called before) is used as it is and left connected."""
    import ray

    if ray.is_initialized():
        yield
        return
    # No runtime_env: a job that has one cannot use the workers Ray has already started, and
    # waits for its own (a second or more); a worker imports the readers with its first file.
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # a local instance reports nothing
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()
