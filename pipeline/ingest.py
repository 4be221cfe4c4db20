"""Orchestration: a folder of submissions in, the contract's four tables out.

Each file is read on its own: a file that cannot be read gets a `failed` row in `documents`
with a stable error code and a message naming what is wrong, and the run goes on.
"""

from __future__ import annotations

import tempfile
import uuid
import zipfile
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
    preload,
    preload_ocr,
    share_cores,
)
from extractors.own_output import is_own_output

from . import __version__
from .apply_corrections import Applier
from .correction_audit import FINGERPRINT_KEY, Previous
from .correction_run import applier_for, corrected, corrected_kept, withdrawn
from .corrections import NO_CORRECTIONS, Corrections
from .definitions import Catalog, load_catalog
from .mapping import form_to_slots
from .model import CorrectionRow, Finding, Record
from .plan import Plan, plan_run
from .recognize import document_to_forms, relabel_forms
from .records import SourceInfo, forms_to_records
from .results import (
    FileResult,
    document_from_dict,
    document_row,
    failed_file,
    failed_result,
    finding_row,
    format_of,
)
from .rule_catalogue import severity_of
from .rules import document_findings, duplicate_submissions
from .sources import Source, file_sha256, materialize
from .store import (
    FILE_TABLES,
    KeptRows,
    TableSink,
    commit_tables,
    finish_commits,
    is_mergeable,
    read_documents,
    read_rows,
    table_path,
    table_rows,
)
from .validate import fast_validator, split_valid
from .views import refresh_views, write_views
from .workers import Failure, Limits, default_workers, run_jobs


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
    dropped: int = 0  # files gone from IN whose rows --prune removed
    run_id: str | None = None
    corrections: list[CorrectionRow] = field(default_factory=list)  # every line's outcome
    corrections_blank: int = 0  # lines with no 更正值, passed over
    corrections_withdrawn: int = 0  # the last run's applied corrections this run has not

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
        self.corrections = [CorrectionRow(**r) for r in read_rows(out_dir, "corrections")]

    def correction_counts(self) -> dict[str, int]:
        """How many lines of the corrections file ended in each status."""
        counts = {"applied": 0, "stale": 0, "not_found": 0, "invalid": 0}
        for row in self.corrections:
            counts[row.status] += 1
        return counts


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
    if is_own_output(path):
        return FileResult(
            document_row(
                rel,
                sha,
                fmt,
                "skipped",
                now,
                error_code="own_output",
                error=f"{rel} 是本工具导出的工作簿或报告，不是报送材料，未读取",
            )
        )
    try:
        document = extract(path, pdf_reader)
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
    except Exception as exc:  # a bug or an input no extractor foresaw: this file fails, not the run
        return failed_file(
            rel,
            sha,
            fmt,
            now,
            "internal_error",
            f"could not process {rel}: {type(exc).__name__}: {exc}",
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
    return {"error_code": "read_by_reference", "error": f"{rel}: {note}"}


def read_source(
    source: Source, catalog: Catalog, now: datetime, pdf_reader: str = DEFAULT_PDF_READER
) -> FileResult:
    """One source read into its rows: a bundle member is first copied out of its bundle."""
    fmt = format_of(source.member or source.path.name)
    if source.problem is not None:
        code, message = source.problem
        return failed_file(source.rel, source.sha, fmt, now, code, message)
    if source.member is None:
        return ingest_file(
            source.path, source.rel, catalog, now, source.sha, pdf_reader, source.form_kinds
        )
    with tempfile.TemporaryDirectory(prefix="selfeval-member-") as tmp:
        try:
            path = materialize(source, Path(tmp))
        except (OSError, zipfile.BadZipFile, EOFError) as exc:
            return failed_file(
                source.rel, source.sha, fmt, now, "corrupt", f"cannot unpack {source.rel}: {exc}"
            )
        return ingest_file(
            path, source.rel, catalog, now, source.sha, pdf_reader, source.form_kinds
        )


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
    alone reads no submission."""
    finish_commits(out_dir)
    own = Path(corrections.path) if corrections.path else None
    previous = Previous.load(out_dir) if is_mergeable(out_dir) else Previous()
    applier = applier_for(corrections, previous, out_dir)
    kinds, last_kinds = applier.kind_requests(), previous.kind_requests()
    plan = plan_run(in_dir, out_dir, force, prune, own, kinds, last_kinds)
    summary = RunSummary(kept=len(plan.keep), dropped=len(plan.dropped))
    summary.corrections_blank = corrections.blank
    if not plan.read and not plan.dropped and corrections.fingerprint == previous.fingerprint:
        summary.add_previous(out_dir)
        refresh_views(out_dir)  # a run killed after its commit, while writing the views
        return summary
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}: one of {', '.join(EXECUTORS)}")
    jobs = [plan.read[rel] for rel in plan.order if rel in plan.read]
    now = datetime.now(UTC)
    limits = limits or Limits()
    if executor == "local":
        results = _local_results(jobs, limits, workers, now, pdf_reader)
        return _write_run(
            plan, out_dir, results, now, summary, on_file, applier, preload_scans=True
        )
    from .executor_ray import ray_session, run_ray_jobs

    with ray_session(ray_address, workers or default_workers()):
        results = run_ray_jobs(jobs, limits, now, pdf_reader, workers, cost=lambda s: s.size)
        return _write_run(
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
        return read_source(source, catalog, now, pdf_reader)

    return run_jobs(jobs, work, limits, workers, cost=lambda s: s.size)


def _write_run(
    plan: Plan,
    out_dir: Path,
    results: Iterator[tuple[int, Source, FileResult | Failure]],
    now: datetime,
    summary: RunSummary,
    on_file: Callable[[FileResult, int, int], None] | None,
    applier: Applier,
    preload_scans: bool,
) -> RunSummary:
    """The files' results, as they come, written in source_path order into new tables beside
    the kept rows of unchanged files, each file's corrections applied; the run-level findings
    after them, and the corrections table; all committed."""
    run_id = uuid.uuid4().hex
    order = plan.order
    waiting: dict[str, FileResult] = {}
    fingerprint = {FINGERPRINT_KEY: applier.corrections.fingerprint}
    sinks = {name: TableSink(name, out_dir, run_id) for name in FILE_TABLES}
    sinks["corrections"] = TableSink("corrections", out_dir, run_id, metadata=fingerprint)
    kept = {name: KeptRows(table_path(out_dir, name)) for name in FILE_TABLES}
    touched = applier.files()
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
            result = corrected(rel, waiting.pop(rel), applier)
            for name in FILE_TABLES:
                sinks[name].add_rows(result.rows(name))
            summary.add(result)
            submissions.append((rel, _submission_keys(_record_keys(result.values))))
        else:
            carried = {name: kept[name].take(rel) for name in FILE_TABLES}
            # run-level findings are made afresh below
            carried["findings"] = [
                b.filter(pc.not_equal(b["rule"], "duplicate_submission"))
                for b in carried["findings"]
            ]
            if rel in touched:
                carried = corrected_kept(rel, carried, applier)
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
    summary.corrections = applier.rows()
    sinks["corrections"].add_rows(summary.corrections)
    summary.corrections_withdrawn = withdrawn(applier)
    commit_tables(list(sinks.values()), out_dir, run_id)
    write_views(out_dir)  # OUT/selfeval.duckdb: BI views over the tables just committed
    summary.run_id = run_id
    return summary
