"""Each file's read as a Ray task: the same per-file work as the local workers, on a cluster.

The driver reads each document's bytes (a bundle member's copied out of its bundle; a saved
workbook page's `x.files/` folder with it) and hands them to the task, so the nodes need no
shared disk. The task writes them to a scratch folder of its own and reads them exactly as a
local worker does (extract → records → validate → per-file rules), returning the file's typed
rows. Plans, sinks and the commit stay the driver's (`pipeline.ingest`).

Limits: a task is cancelled (its worker killed) when it has run longer than the per-file time;
memory is Ray's: each task reserves `max_rss_mib` of its node's memory for scheduling, and
Ray's memory monitor kills a task when its node runs out. A task that is killed, crashes or
loses its node is retried never: its file ends `failed` with a code saying which, and the run
goes on.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from extractors import DEFAULT_PDF_READER

from . import __version__
from .results import FileResult, failed_file, format_of
from .sources import Source
from .workers import Failure, Limits

POLL_SECONDS = 0.05
QUEUED = 2  # tasks handed to Ray per slot: the running one and the next
SLOTS_SECONDS = 5.0  # how often the cluster's nodes are counted again
_SAVED_PAGE_SUFFIXES = (".htm", ".html")


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
        data = bundle.read(source.member)
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
    from extractors import share_cores

    from .definitions import load_catalog
    from .ingest import ingest_file

    share_cores(1)  # a task holds one CPU of its node
    with tempfile.TemporaryDirectory(prefix="selfeval-task-") as tmp:
        path = shipped_to_file(shipped, Path(tmp))
        return ingest_file(path, source.rel, load_catalog(), now, source.sha, pdf_reader)


def _unshippable(source: Source, exc: Exception, now: datetime) -> FileResult:
    """The documents row of a source whose bytes cannot be sent (read as `read_source` would)."""
    fmt = format_of(source.member or source.path.name)
    if source.problem is not None:  # a damaged bundle, a zip bomb: refused before any task
        code, message = source.problem
        return failed_file(source.rel, source.sha, fmt, now, code, message)
    if isinstance(exc, OSError) and source.member is None:
        message = f"cannot read {source.rel}: {exc.strerror or exc}"
        return failed_file(source.rel, source.sha, fmt, now, "unreadable", message)
    message = f"cannot unpack {source.rel}: {exc}"
    return failed_file(source.rel, source.sha, fmt, now, "corrupt", message)


@dataclass
class _Task:
    index: int
    source: Source
    ref: Any  # the task's ray.ObjectRef
    started: float | None  # None while it waits behind the running ones (its clock not begun)


def failure_of(exc: Exception) -> Failure:
    """What a Ray error means for the file whose task raised it."""
    import ray.exceptions as rex

    if isinstance(exc, rex.OutOfMemoryError):
        return Failure("memory", "Ray stopped the task: its node ran out of memory reading it")
    if isinstance(exc, rex.NodeDiedError | rex.ObjectLostError):
        return Failure("node_lost", "the cluster node reading this file was lost; read it again")
    if isinstance(exc, rex.WorkerCrashedError | rex.LocalRayletDiedError):
        return Failure("crashed", "the reader crashed on this file (its Ray worker died)")
    if isinstance(exc, rex.TaskCancelledError):
        return Failure("crashed", "the reader's Ray task was cancelled")
    cause = getattr(exc, "cause", None)
    if isinstance(exc, MemoryError) or isinstance(cause, MemoryError):
        return Failure("memory", "ran out of memory while reading the file")
    return Failure("crashed", f"the reader's Ray task failed ({type(exc).__name__})")


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


def _remote_read(limits: Limits) -> Any:
    import ray

    return ray.remote(read_shipped).options(
        num_cpus=1, memory=limits.max_rss_mib * 2**20, max_retries=0, retry_exceptions=False
    )


def run_ray_jobs(
    jobs: Sequence[Source],
    limits: Limits,
    now: datetime,
    pdf_reader: str = DEFAULT_PDF_READER,
    workers: int | None = None,
    window: int | None = None,
    cost: Callable[[Source], float] | None = None,
) -> Iterator[tuple[int, Source, FileResult | Failure]]:
    """Read every source as a Ray task, as many at once as the cluster can run (its task slots,
    looked at again every few seconds as nodes come and go; fewer with `workers`), and as
    many again waiting behind them, so that a slot never idles while the driver hands it the
    next file. A task's time counts from when a slot is free for it (a waiting one's clock
    starts as a running one ends), so waiting never counts against the per-file limit. Yields
    (index, source, result or Failure) as tasks finish, like `workers.run_jobs`: no task
    starts more than `window` places after the first unfinished, the costliest first."""
    import ray

    remote = _remote_read(limits)
    pending = list(enumerate(jobs))
    running: dict[Any, _Task] = {}
    unfinished = set(range(len(jobs)))
    slots, counted = task_slots(limits), time.monotonic()
    while pending or running:
        if time.monotonic() - counted > SLOTS_SECONDS:
            slots, counted = task_slots(limits), time.monotonic()
        at_once = min(slots, workers or slots)
        while pending and len(running) < QUEUED * at_once:
            window_size = window or at_once * 4
            inside = bisect.bisect_left(pending, min(unfinished) + window_size, key=lambda p: p[0])
            if inside == 0:
                break
            pick = max(range(inside), key=lambda i: (cost(pending[i][1]) if cost else 0.0, -i))
            index, source = pending.pop(pick)
            try:
                shipped = source_to_shipped(source)
            except (OSError, zipfile.BadZipFile, EOFError, ValueError) as exc:
                unfinished.discard(index)
                yield index, source, _unshippable(source, exc, now)
                continue
            ref = remote.remote(source, shipped, now, pdf_reader)
            running[ref] = _Task(index, source, ref, None)
        _start_clocks(running, at_once)
        if not running:
            continue
        ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL_SECONDS)
        for ref in ready:
            task = running.pop(ref)
            unfinished.discard(task.index)
            yield task.index, task.source, _result(ref)
        for task in _overdue(running, limits):
            ray.cancel(task.ref, force=True)
            del running[task.ref]
            unfinished.discard(task.index)
            message = f"took longer than the {limits.timeout:g} s allowed per file"
            yield task.index, task.source, Failure("timeout", message)


def warm_worker() -> None:
    """Ray's setup hook for each worker process: the readers' libraries, the form catalogue
    and the schema check loaded as a worker starts (Ray starts them with the instance), not
    in its first file's time, as the local workers have them from the parent they fork from."""
    from extractors import preload

    from .definitions import load_catalog
    from .validate import fast_validator

    preload()
    load_catalog()
    fast_validator("values")


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


def _result(ref: Any) -> FileResult | Failure:
    import ray

    try:
        result = ray.get(ref)
    except Exception as exc:  # a Ray error: the file fails, not the run
        return failure_of(exc)
    return checked_version(result)


def _start_clocks(running: dict[Any, _Task], at_once: int) -> None:
    """Start the clocks of the waiting tasks, oldest first, for the slots that are free."""
    clocked = sum(1 for t in running.values() if t.started is not None)
    for task in running.values():  # in submission order
        if clocked >= at_once:
            return
        if task.started is None:
            task.started = time.monotonic()
            clocked += 1


def _overdue(running: dict[Any, _Task], limits: Limits) -> list[_Task]:
    now = time.monotonic()
    return [
        t for t in running.values() if t.started is not None and now - t.started > limits.timeout
    ]


@contextlib.contextmanager
def ray_session(address: str | None, cpus: int | None = None) -> Iterator[None]:
    """Connected to Ray for the block: to the cluster at `address`, or a local instance started
    for it (with `cpus` CPUs, no dashboard) and shut down after. A driver already connected
    (`ray.init` called before) is used as it is and left connected."""
    import ray

    if ray.is_initialized():
        yield
        return
    runtime_env = {"worker_process_setup_hook": "pipeline.executor_ray.warm_worker"}
    if address:
        ray.init(address=address, log_to_driver=False, runtime_env=runtime_env)
    else:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # a local instance reports nothing
        ray.init(
            num_cpus=cpus, include_dashboard=False, log_to_driver=False, runtime_env=runtime_env
        )
    try:
        yield
    finally:
        ray.shutdown()
