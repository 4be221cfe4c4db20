"""Orchestration: a folder of submissions in, the contract's four tables out.

Each file is read on its own: a file that cannot be read gets a `failed` row in `documents`
with a stable error code and a message naming what is wrong, and the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from extractors import (
    DEFAULT_PDF_READER,
    fit_memory,
    preload,
    share_cores,
)
from pipeline.checks.validate import fast_validator
from pipeline.corrections.audit import Previous
from pipeline.corrections.lines import NO_CORRECTIONS, Corrections
from pipeline.corrections.run import applier_for
from pipeline.definitions import load_catalog
from pipeline.publish.store import (
    OutputError,
    finish_commits,
    is_mergeable,
    out_lock,
    write_failure,
)
from pipeline.publish.views import refresh_views
from pipeline.run.debug_log import debug_log
from pipeline.run.executor_ray import ray_session, run_ray_jobs
from pipeline.run.plan import plan_run
from pipeline.run.read import read_source
from pipeline.run.results import (
    FileResult,
)
from pipeline.run.sources import (
    Source,
)
from pipeline.run.tables import RunSummary, views_or_say, write_run
from pipeline.run.workers import Failure, Limits, default_workers, run_jobs

log = logging.getLogger(__name__)


def ingest(
    in_dir: Path,
    out_dir: Path,
    on_file: Callable[[FileResult, int, int], None] | None = None,
    limits: Limits | None = None,
    workers: int | None = None,
    force: bool = False,
    prune: bool = False,
    pdf_reader: str = DEFAULT_PDF_READER,
    executor: str = "local",
    ray_address: str | None = None,
    corrections: Corrections = NO_CORRECTIONS,
) -> RunSummary:
    """Ingest every file under `in_dir` into the four tables under `out_dir`.

    A re-run reads only new and changed files and replaces exactly their rows; the rows of
    unchanged files are carried over. Each file is read under `limits` in a worker process of
    its own (`executor` "local") or as a Ray task (`executor` "ray", on the cluster at
    `ray_address` or a local Ray instance). Rows go to disk as files finish, in source_path
    order whatever the number of workers, into tables written aside and swapped in together
    at the end: the tables are the same whichever the executor.

    `corrections` (the analyst's corrections file) are applied to the rows of the files they
    name, read or kept, and the rules run again on those files: a change to the corrections
    alone reads no submission.

    One run at a time per OUT: a second is refused (OutputError) while the first lives. An OUT
    that cannot be written, or a disk that fills, ends the run with an OutputError that says
    so; the tables of the last run stay whole."""
    with out_lock(out_dir), debug_log(out_dir):
        return _ingest_held(
            in_dir,
            out_dir,
            on_file,
            limits,
            workers,
            force,
            prune,
            pdf_reader,
            executor,
            ray_address,
            corrections,
        )


def _ingest_held(
    in_dir: Path,
    out_dir: Path,
    on_file: Callable[[FileResult, int, int], None] | None,
    limits: Limits | None,
    workers: int | None,
    force: bool,
    prune: bool,
    pdf_reader: str,
    executor: str,
    ray_address: str | None,
    corrections: Corrections = NO_CORRECTIONS,
) -> RunSummary:
    """`ingest`, with OUT held by this run."""
    try:
        finish_commits(out_dir)
    except OSError as exc:
        raise OutputError(write_failure(out_dir, exc)) from exc
    own = Path(corrections.path) if corrections.path else None
    previous = Previous.load(out_dir) if is_mergeable(out_dir) else Previous()
    applier = applier_for(corrections, previous, out_dir)
    kinds, last_kinds = applier.kind_requests(), previous.kind_requests()
    plan = plan_run(in_dir, out_dir, force, prune, own, kinds, last_kinds)
    summary = RunSummary(kept=len(plan.keep), dropped=len(plan.dropped))
    summary.corrections_blank = corrections.blank
    if not plan.read and not plan.dropped and corrections.fingerprint == previous.fingerprint:
        summary.add_previous(out_dir)
        views_or_say(refresh_views, out_dir)  # a run killed after its commit, in the views
        return summary
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}: one of {', '.join(EXECUTORS)}")
    jobs = [plan.read[rel] for rel in plan.order if rel in plan.read]
    now = datetime.now(UTC)
    limits = limits or Limits()
    if executor == "local":
        results = _local_results(jobs, limits, workers, now, pdf_reader)
        return write_run(plan, out_dir, results, now, summary, on_file, applier, preload_scans=True)
    with ray_session(ray_address, workers or default_workers()):
        results = run_ray_jobs(jobs, limits, now, pdf_reader, workers, cost=lambda s: s.size)
        return write_run(
            plan, out_dir, results, now, summary, on_file, applier, preload_scans=False
        )


EXECUTORS = ("local", "ray")


def _local_results(
    jobs: list[Source], limits: Limits, workers: int | None, now: datetime, pdf_reader: str
) -> Iterator[tuple[int, Source, FileResult | Failure]]:
    """Each source read in a forked worker process of this machine, as it finishes."""
    catalog = load_catalog()
    preload()  # before the workers fork, so each starts with the libraries and the validator
    fast_validator("values")
    cores = default_workers()
    workers = workers or cores
    threads = max(1, cores // workers)

    def work(source: Source) -> FileResult:
        share_cores(threads)  # in the worker: its share of the cores for OCR
        fit_memory(limits.max_rss_mib)  # and its readers' size limits, to its memory
        return read_source(source, catalog, now, pdf_reader)

    return run_jobs(jobs, work, limits, workers, cost=lambda s: s.size)
