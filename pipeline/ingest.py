"""Orchestration: a folder of submissions in, the contract's four tables out.

Each file is read on its own: a file that cannot be read gets a `failed` row in `documents`
with a stable error code and a message naming what is wrong, and the run goes on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors import READERS, ExtractionError, extract

from . import __version__
from .definitions import Catalog, load_catalog
from .mapping import form_to_slots
from .model import Finding
from .recognize import document_to_forms
from .records import SourceInfo, forms_to_records
from .rules import document_findings, duplicate_submissions
from .store import write_table
from .validate import split_valid
from .workers import Failure, Limits, default_workers, run_jobs


@dataclass
class FileResult:
    """Everything one input file gives: its documents row, values, rejects and findings."""

    document: dict[str, Any]
    values: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)


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

    def add(self, result: FileResult) -> None:
        doc = result.document
        self.files += 1
        status = doc["status"]
        setattr(self, status, getattr(self, status) + 1)
        self.forms += doc["n_base_data"] + doc["n_dept_eval"] + doc["n_project_eval"]
        self.values += len(result.values)
        self.rejects += len(result.rejects)
        self.findings += len(result.findings)
        if status == "failed":
            self.failures.append((doc["source_path"], doc["error"]))


def discover(in_dir: Path) -> Iterator[Path]:
    """Every file under `in_dir`, recursively, in a stable order (hidden files left out)."""
    for path in sorted(in_dir.rglob("*")):
        rel = path.relative_to(in_dir)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            yield path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _document_row(
    rel: str, sha: str | None, fmt: str, status: str, now: datetime, **extra: Any
) -> dict[str, Any]:
    row = {
        "source_path": rel,
        "source_sha256": sha,
        "source_format": fmt,
        "status": status,
        "error_code": None,
        "error": None,
        "n_base_data": 0,
        "n_dept_eval": 0,
        "n_project_eval": 0,
        "n_values": 0,
        "pages": None,
        "extracted_at": now,
        "pipeline_version": __version__,
    }
    row.update(extra)
    return row


def _finding_row(finding: Finding, rel: str, project: str | None) -> dict[str, Any]:
    row = asdict(finding)
    row["source_path"] = rel
    row["project"] = row["project"] or project
    return row


def ingest_file(path: Path, rel: str, catalog: Catalog, now: datetime) -> FileResult:
    """Read one file into its documents row, values, rejects and findings. Never raises for
    a file's content: what cannot be read becomes a `failed` row."""
    fmt = path.suffix.lower().lstrip(".") or "unknown"
    try:
        sha = file_sha256(path)
    except OSError as exc:
        return FileResult(
            _document_row(
                rel,
                None,
                fmt,
                "failed",
                now,
                error_code="unreadable",
                error=f"cannot read {rel}: {exc.strerror or exc}",
            )
        )
    if path.suffix.lower() not in READERS:
        return FileResult(
            _document_row(
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
        document = extract(path)
        forms = document_to_forms(document, catalog)
        mapped = []
        findings: list[Finding] = []
        for form in forms:
            slots, form_findings = form_to_slots(form, catalog)
            mapped.append((form, slots))
            findings.extend(form_findings)
        source = SourceInfo(rel, sha, document.source_format, now, __version__)
        records = forms_to_records(mapped, source, catalog.vocabulary)
    except ExtractionError as exc:
        return FileResult(
            _document_row(rel, sha, fmt, "failed", now, error_code=exc.code, error=exc.message)
        )
    except Exception as exc:  # a bug or an input no extractor foresaw: this file fails, not the run
        return FileResult(
            _document_row(
                rel,
                sha,
                fmt,
                "failed",
                now,
                error_code="internal_error",
                error=f"could not process {rel}: {type(exc).__name__}: {exc}",
            )
        )
    valid, rejects = split_valid(records)
    findings.extend(document_findings(rel, valid))
    counts = {
        f"n_{kind}": sum(1 for f in forms if f.form == kind)
        for kind in ("base_data", "dept_eval", "project_eval")
    }
    status = "ok" if forms else "no_forms"
    projects = {(r.form, r.form_seq): r.project for r in records}
    return FileResult(
        document=_document_row(
            rel,
            sha,
            document.source_format,
            status,
            now,
            n_values=len(valid),
            pages=document.pages,
            **counts,
        ),
        values=valid,
        rejects=rejects,
        findings=[_finding_row(f, rel, projects.get((f.form, f.form_seq))) for f in findings],
    )


def failed_result(rel: str, path: Path, failure: Failure, now: datetime) -> FileResult:
    """The documents row of a file whose worker was stopped or died."""
    fmt = path.suffix.lower().lstrip(".") or "unknown"
    try:
        sha = file_sha256(path)
    except OSError:
        sha = None
    return FileResult(
        _document_row(
            rel, sha, fmt, "failed", now, error_code=failure.code, error=f"{rel}: {failure.message}"
        )
    )


def ingest(
    in_dir: Path,
    out_dir: Path,
    on_file: Callable[[FileResult], None] | None = None,
    limits: Limits | None = None,
    workers: int | None = None,
) -> RunSummary:
    """Ingest every file under `in_dir` and write the four tables under `out_dir`.

    Each file is read in a worker process of its own under `limits`; results are written in
    the order the files were found, whatever order the workers finish in."""
    catalog = load_catalog()  # loaded before the workers fork, so each starts with it
    now = datetime.now(UTC)
    jobs = [(path, path.relative_to(in_dir).as_posix()) for path in discover(in_dir)]

    def work(job: tuple[Path, str]) -> FileResult:
        return ingest_file(job[0], job[1], catalog, now)

    results: dict[int, FileResult] = {}
    for index, (path, rel), outcome in run_jobs(
        jobs, work, limits or Limits(), workers or default_workers()
    ):
        result = failed_result(rel, path, outcome, now) if isinstance(outcome, Failure) else outcome
        results[index] = result
        if on_file is not None:
            on_file(result)
    ordered = [results[i] for i in range(len(jobs))]
    tables: dict[str, list[dict[str, Any]]] = {
        "values": [],
        "documents": [],
        "findings": [],
        "rejects": [],
    }
    summary = RunSummary()
    for result in ordered:
        tables["documents"].append(result.document)
        tables["values"].extend(result.values)
        tables["rejects"].extend(result.rejects)
        tables["findings"].extend(result.findings)
        summary.add(result)
    duplicates = duplicate_submissions([(r.document["source_path"], r.values) for r in ordered])
    tables["findings"].extend(_finding_row(f, f.source_path or "", f.project) for f in duplicates)
    summary.findings += len(duplicates)
    for name, rows in tables.items():
        write_table(rows, name, out_dir)
    return summary
