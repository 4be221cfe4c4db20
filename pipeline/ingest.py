"""Orchestration: a folder of submissions in, the contract's four tables out.

Each file is read on its own: a file that cannot be read gets a `failed` row in `documents`
with a stable error code and a message naming what is wrong, and the run goes on.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from extractors import (
    DEFAULT_PDF_READER,
    READERS,
    ExtractionError,
    extract,
    fit_memory,
    preload,
    share_cores,
)
from extractors.own_output import is_own_output

from . import __version__
from .correction_audit import Previous
from .correction_run import applier_for
from .corrections import NO_CORRECTIONS, Corrections
from .debug_log import DEBUG_LOG, debug_log
from .definitions import Catalog, load_catalog
from .mapping import form_to_slots
from .misreads import doubt_misreads
from .model import Finding
from .plan import plan_run
from .recognize import document_to_forms, relabel_forms
from .records import SourceInfo, forms_to_records
from .results import (
    FileResult,
    document_row,
    failed_file,
    finding_row,
    format_of,
    skipped_file,
    unread_source,
)
from .rule_catalogue import severity_of
from .rules import document_findings
from .run_tables import RunSummary, views_or_say, write_run
from .sources import (
    MEMBER_ERRORS,
    Source,
    file_sha256,
    materialize,
    member_problem,
    os_reason,
)
from .store import (
    OutputError,
    finish_commits,
    is_mergeable,
    out_lock,
    write_failure,
)
from .validate import fast_validator, split_valid
from .views import refresh_views
from .workers import Failure, Limits, default_workers, run_jobs

log = logging.getLogger(__name__)


def ingest_file(
    path: Path,
    rel: str,
    catalog: Catalog,
    now: datetime,
    sha: str | None = None,
    pdf_reader: str = DEFAULT_PDF_READER,
    form_kinds: tuple[tuple[str, int, str], ...] = (),
) -> FileResult:
    """Read one file into its documents row, values, rejects and findings. Never raises for
    a file's content: what cannot be read becomes a `failed` row. `form_kinds` are an
    analyst's corrections of a form's kind (kind read, form_seq read, kind it is)."""
    fmt = format_of(path.name)
    try:
        sha = sha or file_sha256(path)
    except OSError as exc:
        return failed_file(rel, None, fmt, now, "unreadable", f"无法读取 {rel}：{os_reason(exc)}")
    if path.suffix.lower() not in READERS:
        kind = path.suffix or "没有扩展名"
        return skipped_file(
            rel, sha, fmt, now, "unsupported_kind", f"不是本工具读取的文件类型（{kind}）"
        )
    if is_own_output(path):
        why = f"{rel} 是本工具导出的工作簿或报告，不是报送材料，未读取"
        return skipped_file(rel, sha, fmt, now, "own_output", why)
    try:
        document = doubt_misreads(extract(path, pdf_reader), catalog)
        forms, relabelled = relabel_forms(document_to_forms(document, catalog), form_kinds)
        mapped = []
        findings: list[Finding] = []
        for form in forms:
            slots, form_findings = form_to_slots(form, catalog)
            mapped.append((form, slots))
            findings.extend(form_findings)
        source = SourceInfo(rel, sha, document.source_format, now, __version__)
        records = forms_to_records(mapped, source, catalog.vocabulary)
        findings.extend(
            Finding(rule=n.rule, severity=severity_of(n.rule), message=n.message, page=n.page)
            for n in document.notes
        )
        # a fault in validation or in a rule is the pipeline's, not the file's: internal_error
        valid, rejects = split_valid(records)
        findings.extend(document_findings(rel, [dict(r.__dict__) for r in valid], catalog))
    except ExtractionError as exc:
        return failed_file(rel, sha, fmt, now, exc.code, exc.message)
    except Exception:  # a bug or an input no extractor foresaw: this file fails, not the run
        log.debug("internal error on %s", rel, exc_info=True)
        return failed_file(
            rel,
            sha,
            fmt,
            now,
            "internal_error",
            f"无法处理 {rel}：本工具自身出错（请报告此问题；详细信息在 {DEBUG_LOG} 中）",
        )
    counts = {f"n_{kind}": sum(1 for f in forms if f.form == kind) for kind in catalog.form_order}
    status = "ok" if forms else "no_forms"
    projects = {(r.form, r.form_seq): r.project for r in records}
    return FileResult(
        document=document_row(
            rel,
            sha,
            document.source_format,
            status,
            now,
            n_values=len(valid),
            pages=document.pages,
            **counts,
            **_reader_note(rel, document.reader_note),
        ),
        values=tuple(valid),
        rejects=tuple(rejects),
        findings=tuple(finding_row(f, rel, projects.get((f.form, f.form_seq))) for f in findings),
        relabelled=relabelled,
    )


def _reader_note(rel: str, note: str | None) -> dict[str, str]:
    """A file read, but not the usual way (a PDF pdfplumber read in PDFium's place)."""
    if note is None:
        return {}
    return {"error_code": "read_by_reference", "error": f"{rel}：{note}"}


def read_source(
    source: Source, catalog: Catalog, now: datetime, pdf_reader: str = DEFAULT_PDF_READER
) -> FileResult:
    """One source read into its rows: a bundle member is first copied out of its bundle."""
    fmt = format_of(source.member or source.path.name)
    if source.problem is not None:
        return unread_source(source, now)
    if source.member is None:
        return ingest_file(
            source.path, source.rel, catalog, now, source.sha, pdf_reader, source.form_kinds
        )
    with tempfile.TemporaryDirectory(prefix="selfeval-member-") as tmp:
        try:
            path = materialize(source, Path(tmp))
        except MEMBER_ERRORS as exc:
            code, message = member_problem(source.rel, exc)
            return failed_file(source.rel, source.sha, fmt, now, code, message)
        return ingest_file(
            path, source.rel, catalog, now, source.sha, pdf_reader, source.form_kinds
        )


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
    from .executor_ray import ray_session, run_ray_jobs

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
