"""What reading one file gives, as typed rows: its documents row, values, rejects and findings.

This is what a worker process or a Ray task hands back to the driver: frozen dataclasses whose
Arrow schemas `pipeline.publish.store` derives from them, so a row is stated once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.definitions import load_catalog
from pipeline.model import DocumentRow, Finding, FindingRow, Record, RejectRow
from pipeline.run.sources import Source
from pipeline.run.workers import Failure


@dataclass(frozen=True)
class FileResult:
    """Everything one input file gives: its documents row, values, rejects and findings."""

    document: DocumentRow
    values: tuple[Record, ...] = ()
    rejects: tuple[RejectRow, ...] = ()
    findings: tuple[FindingRow, ...] = ()
    # forms whose kind an analyst corrected: (kind read, form_seq read, kind, new form_seq)
    relabelled: tuple[tuple[str, int, str, int], ...] = ()

    def rows(self, table: str) -> tuple[Any, ...]:
        """This file's rows of one output table."""
        if table == "documents":
            return (self.document,)
        return getattr(self, table)


_DOCUMENT_FIELDS = frozenset(f.name for f in fields(DocumentRow))


def document_row(
    rel: str, sha: str | None, fmt: str, status: str, now: datetime, **extra: Any
) -> DocumentRow:
    """A documents row: no forms, no values and no error unless `extra` says otherwise."""
    row: dict[str, Any] = {
        "source_path": rel,
        "source_sha256": sha,
        "source_format": fmt,
        "status": status,
        "error_code": None,
        "error": None,
        **{f"n_{form}": 0 for form in load_catalog().form_order},
        "n_values": 0,
        "pages": None,
        "extracted_at": now,
        "pipeline_version": __version__,
    }
    row.update(extra)
    return DocumentRow(**row)


def document_from_dict(row: dict[str, Any]) -> DocumentRow:
    """A documents row read back from a written table."""
    return DocumentRow(**{k: v for k, v in row.items() if k in _DOCUMENT_FIELDS})


def format_of(name: str) -> str:
    """The source_format a file name stands for: its extension, lower case."""
    return Path(name).suffix.lower().lstrip(".") or "unknown"


def failed_file(
    rel: str, sha: str | None, fmt: str, now: datetime, code: str, error: str
) -> FileResult:
    """A file that could not be read: its documents row says why, and nothing else is kept."""
    return FileResult(document_row(rel, sha, fmt, "failed", now, error_code=code, error=error))


def skipped_file(
    rel: str, sha: str | None, fmt: str, now: datetime, code: str, error: str
) -> FileResult:
    """A file not read on purpose (not a kind the pipeline reads, its own output): listed."""
    return FileResult(document_row(rel, sha, fmt, "skipped", now, error_code=code, error=error))


def unread_source(source: Source, now: datetime) -> FileResult:
    """The documents row of a source discovery found it cannot or must not read (a damaged
    member, a link out of IN)."""
    assert source.problem is not None
    code, message = source.problem
    fmt = format_of(source.member or source.path.name)
    status = "skipped" if source.skipped else "failed"
    return FileResult(
        document_row(source.rel, source.sha, fmt, status, now, error_code=code, error=message)
    )


def failed_result(source: Source, failure: Failure, now: datetime) -> FileResult:
    """The documents row of a file whose worker (or Ray task) was stopped or died."""
    fmt = format_of(source.member or source.path.name)
    return failed_file(
        source.rel, source.sha, fmt, now, failure.code, f"{source.rel}：{failure.message}"
    )


def finding_row(finding: Finding, rel: str, project: str | None) -> FindingRow:
    """A finding placed in its file; a finding without a project takes its form's."""
    return FindingRow(
        source_path=rel,
        form=finding.form,
        form_seq=finding.form_seq,
        project=finding.project or project,
        section=finding.section,
        item=finding.item,
        measure=finding.measure,
        page=finding.page,
        rule=finding.rule,
        severity=finding.severity,
        message=finding.message,
        expected=finding.expected,
        actual=finding.actual,
    )
