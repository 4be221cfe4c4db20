"""Orchestration: a folder of submissions in, the contract's four tables out.

Each file is read on its own: a file that cannot be read gets a `failed` row in `documents`
with a stable error code and a message naming what is wrong, and the run goes on.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from extractors import (
    DEFAULT_PDF_READER,
    READERS,
    ExtractionError,
    extract,
    fit_memory,
    preload,
    preload_ocr,
    share_cores,
)

from . import __version__
from .debug_log import DEBUG_LOG, debug_log
from .definitions import Catalog, load_catalog
from .mapping import form_to_slots
from .model import Finding, Record
from .recognize import document_to_forms
from .records import SourceInfo, forms_to_records
from .results import (
    FileResult,
    document_from_dict,
    document_row,
    failed_file,
    failed_result,
    finding_row,
    format_of,
    unread_source,
)
from .rule_catalogue import severity_of
from .rules import document_findings, duplicate_submissions
from .sources import (
    MEMBER_ERRORS,
    Source,
    discover_sources,
    file_sha256,
    materialize,
    member_problem,
)
from .store import (
    TABLES,
    KeptRows,
    OutputError,
    TableSink,
    commit_tables,
    finish_commits,
    is_mergeable,
    out_lock,
    read_documents,
    table_path,
    table_rows,
    unwritable,
    write_failure,
)
from .validate import fast_validator, split_valid
from .views import refresh_views, write_views
from .workers import Failure, Limits, default_workers, run_jobs

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    files: int = 0
    ok: int = 0
    no_forms: int = 0
    skipped: int = 0
    failed: int = 0
    forms: int = 0
    values: int = 0
    rejects: int = 0
    findings: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    kept: int = 0  # files whose rows were carried over unchanged from the last run
    run_id: str | None = None

    def add(self, result: FileResult) -> None:
        doc = result.document
        self.files += 1
        status = doc.status
        setattr(self, status, getattr(self, status) + 1)
        self.forms += sum(getattr(doc, f"n_{form}") for form in load_catalog().form_order)
        self.values += len(result.values)
        self.rejects += len(result.rejects)
        self.findings += len(result.findings)
        if status == "failed":
            self.failures.append((doc.source_path, doc.error or ""))

    def add_kept(self, carried: dict[str, list[pa.RecordBatch]]) -> None:
        """Count a file carried over from the last run, from its kept rows."""
        for doc in (r for b in carried["documents"] for r in b.to_pylist()):
            self.add(FileResult(document=document_from_dict(doc)))
        self.values += sum(b.num_rows for b in carried["values"])
        self.rejects += sum(b.num_rows for b in carried["rejects"])
        self.findings += sum(b.num_rows for b in carried["findings"])

    def add_previous(self, out_dir: Path) -> None:
        """Count an unchanged run from the last run's tables, without reading their rows."""
        for doc in read_documents(out_dir).values():
            self.add(FileResult(document=document_from_dict(doc)))
        self.values = table_rows(out_dir, "values")
        self.rejects = table_rows(out_dir, "rejects")
        self.findings = table_rows(out_dir, "findings")


def ingest_file(
    path: Path,
    rel: str,
    catalog: Catalog,
    now: datetime,
    sha: str | None = None,
    pdf_reader: str = DEFAULT_PDF_READER,
) -> FileResult:
    """Read one file into its documents row, values, rejects and findings. Never raises for
    a file's content: what cannot be read becomes a `failed` row."""
    fmt = format_of(path.name)
    try:
        sha = sha or file_sha256(path)
    except OSError as exc:
        return failed_file(
            rel, None, fmt, now, "unreadable", f"cannot read {rel}: {exc.strerror or exc}"
        )
    if path.suffix.lower() not in READERS:
        return FileResult(
            document_row(
                rel,
                sha,
                fmt,
                "skipped",
                now,
                error_code="unsupported_kind",
                error=f"not a kind of file the pipeline reads ({path.suffix or 'no extension'})",
            )
        )
    try:
        document = extract(path, pdf_reader)
        forms = document_to_forms(document, catalog)
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
            f"could not process {rel}: a fault of the pipeline's own (please report it; "
            f"the details are in {DEBUG_LOG})",
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
    )


def _reader_note(rel: str, note: str | None) -> dict[str, str]:
    """A file read, but not the usual way (a PDF pdfplumber read in PDFium's place)."""
    if note is None:
        return {}
    return {"error_code": "read_by_reference", "error": f"{rel}: {note}"}


@dataclass(frozen=True)
class Plan:
    """What a run does with each path: read it again, or keep the rows an earlier run wrote."""

    read: dict[str, Source]  # source_path → what to read
    keep: list[str]  # unchanged files, and files gone from IN when not pruning
    dropped: list[str]  # files gone from IN whose rows --prune removes

    @property
    def order(self) -> list[str]:
        return sorted([*self.read, *self.keep])


# codes that say nothing about the file (the cluster lost the node reading it): a re-run reads
# such a file again even when its bytes are unchanged
READ_AGAIN = frozenset({"node_lost"})


def plan_run(in_dir: Path, out_dir: Path, force: bool, prune: bool) -> Plan:
    """Compare IN with the last run's documents table: unchanged bytes (sha256, same pipeline
    version) are kept, changed and new files read (and those whose node was lost), files gone
    from IN kept unless pruning."""
    previous = read_documents(out_dir) if is_mergeable(out_dir) else {}
    read: dict[str, Source] = {}
    keep: list[str] = []
    for source in discover_sources(in_dir):
        old = previous.get(source.rel)
        unchanged = (
            old is not None
            and source.sha is not None
            and old["source_sha256"] == source.sha
            and old["pipeline_version"] == __version__
            and old["error_code"] not in READ_AGAIN
        )
        if unchanged and not force:
            keep.append(source.rel)
        else:
            read[source.rel] = source
    gone = sorted(set(previous) - set(read) - set(keep))
    return Plan(read=read, keep=keep + ([] if prune else gone), dropped=gone if prune else [])


def read_source(
    source: Source, catalog: Catalog, now: datetime, pdf_reader: str = DEFAULT_PDF_READER
) -> FileResult:
    """One source read into its rows: a bundle member is first copied out of its bundle."""
    fmt = format_of(source.member or source.path.name)
    if source.problem is not None:
        return unread_source(source, now)
    if source.member is None:
        return ingest_file(source.path, source.rel, catalog, now, source.sha, pdf_reader)
    with tempfile.TemporaryDirectory(prefix="selfeval-member-") as tmp:
        try:
            path = materialize(source, Path(tmp))
        except MEMBER_ERRORS as exc:
            code, message = member_problem(source.rel, exc)
            return failed_file(source.rel, source.sha, fmt, now, code, message)
        return ingest_file(path, source.rel, catalog, now, source.sha, pdf_reader)


SUBMISSION_KEY_FIELDS = ("unit", "fiscal_year", "form", "form_seq", "project")


def _record_keys(records: Sequence[Record]) -> list[dict[str, Any]]:
    """What the duplicate rule needs of a file's records."""
    return [{k: getattr(r, k) for k in SUBMISSION_KEY_FIELDS} for r in records]


def _submission_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the duplicate rule needs of a file: one row per form it holds."""
    keys: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        keys.setdefault((row["form"], row["form_seq"]), {k: row[k] for k in SUBMISSION_KEY_FIELDS})
    return list(keys.values())


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
) -> RunSummary:
    """Ingest every file under `in_dir` into the four tables under `out_dir`.

    A re-run reads only new and changed files and replaces exactly their rows; the rows of
    unchanged files are carried over. Each file is read under `limits` in a worker process of
    its own (`executor` "local") or as a Ray task (`executor` "ray", on the cluster at
    `ray_address` or a local Ray instance). Rows go to disk as files finish, in source_path
    order whatever the number of workers, into tables written aside and swapped in together
    at the end: the tables are the same whichever the executor.

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
) -> RunSummary:
    """`ingest`, with OUT held by this run."""
    try:
        finish_commits(out_dir)
    except OSError as exc:
        raise OutputError(write_failure(out_dir, exc)) from exc
    plan = plan_run(in_dir, out_dir, force, prune)
    summary = RunSummary(kept=len(plan.keep))
    if not plan.read and not plan.dropped:
        summary.add_previous(out_dir)
        _views_or_say(refresh_views, out_dir)  # a run killed after its commit, in the views
        return summary
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}: one of {', '.join(EXECUTORS)}")
    jobs = [plan.read[rel] for rel in plan.order if rel in plan.read]
    now = datetime.now(UTC)
    limits = limits or Limits()
    if executor == "local":
        results = _local_results(jobs, limits, workers, now, pdf_reader)
        return _write_run(plan, out_dir, results, now, summary, on_file, preload_scans=True)
    from .executor_ray import ray_session, run_ray_jobs

    with ray_session(ray_address, workers or default_workers()):
        results = run_ray_jobs(jobs, limits, now, pdf_reader, workers, cost=lambda s: s.size)
        return _write_run(plan, out_dir, results, now, summary, on_file, preload_scans=False)


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


def _write_run(
    plan: Plan,
    out_dir: Path,
    results: Iterator[tuple[int, Source, FileResult | Failure]],
    now: datetime,
    summary: RunSummary,
    on_file: Callable[[FileResult, int, int], None] | None,
    preload_scans: bool,
) -> RunSummary:
    """The files' results, as they come, written in source_path order into new tables beside
    the kept rows of unchanged files; the run-level findings after them; all committed."""
    run_id = uuid.uuid4().hex
    sinks: dict[str, TableSink] = {}
    try:
        for name in TABLES:
            sinks[name] = TableSink(name, out_dir, run_id)
        _write_tables(plan, out_dir, results, now, summary, on_file, preload_scans, sinks)
        commit_tables(list(sinks.values()), out_dir, run_id)
    except OSError as exc:  # a read-only OUT, a full disk: the last run's tables stay whole
        for sink in sinks.values():
            sink.discard()
        close = getattr(results, "close", None)
        if close is not None:
            close()  # the workers stopped
        raise OutputError(write_failure(out_dir, exc)) from exc
    _views_or_say(write_views, out_dir)  # OUT/selfeval.duckdb: BI views over the new tables
    summary.run_id = run_id
    return summary


def _views_or_say(write: Callable[[Path], Any], out_dir: Path) -> None:
    """Write the BI views; if OUT cannot take them, say so (the tables are committed)."""
    import duckdb

    try:
        write(out_dir)
    except (OSError, duckdb.Error) as exc:
        raise OutputError(
            f"the tables were written, but not selfeval.duckdb: {unwritable(out_dir, exc)}"
        ) from exc


def _write_tables(
    plan: Plan,
    out_dir: Path,
    results: Iterator[tuple[int, Source, FileResult | Failure]],
    now: datetime,
    summary: RunSummary,
    on_file: Callable[[FileResult, int, int], None] | None,
    preload_scans: bool,
    sinks: dict[str, TableSink],
) -> None:
    """Every file's rows into the sinks in source_path order, the run-level findings last."""
    order = plan.order
    waiting: dict[str, FileResult] = {}
    kept = {name: KeptRows(table_path(out_dir, name)) for name in TABLES}
    submissions: list[tuple[str, list[dict[str, Any]]]] = []
    finished = 0
    for rel in order:
        if rel in plan.read:
            while rel not in waiting:
                _, done, outcome = next(results)
                if isinstance(outcome, Failure):
                    outcome = failed_result(done, outcome, now)
                elif preload_scans and outcome.document.source_format == "pdf_scan":
                    preload_ocr()  # the workers forked from now on start with it (imported once)
                waiting[done.rel] = outcome
                finished += 1
                if on_file is not None:
                    on_file(outcome, finished, len(plan.read))
            result = waiting.pop(rel)
            for name in TABLES:
                sinks[name].add_rows(result.rows(name))
            summary.add(result)
            submissions.append((rel, _submission_keys(_record_keys(result.values))))
        else:
            carried = {name: kept[name].take(rel) for name in TABLES}
            # run-level findings are made afresh below
            carried["findings"] = [
                b.filter(pc.not_equal(b["rule"], "duplicate_submission"))
                for b in carried["findings"]
            ]
            for name, batches in carried.items():
                for batch in batches:
                    sinks[name].add_table(pa.Table.from_batches([batch]))
            keys = [
                r for b in carried["values"] for r in b.select(SUBMISSION_KEY_FIELDS).to_pylist()
            ]
            submissions.append((rel, _submission_keys(keys)))
            summary.add_kept(carried)
    duplicates = duplicate_submissions(submissions)
    sinks["findings"].add_rows([finding_row(f, f.source_path or "", f.project) for f in duplicates])
    summary.findings += len(duplicates)
