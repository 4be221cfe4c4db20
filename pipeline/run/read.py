"""One file read into its rows: the work a worker process or a Ray task does for each source.

Both executors call it (`ingest` in this process's pool, `executor_ray` on a cluster), so neither
imports the other for it.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime
from pathlib import Path

from extractors import DEFAULT_PDF_READER, READERS, ExtractionError, extract
from extractors.own_output import is_own_output
from pipeline import __version__
from pipeline.checks.catalogue import severity_of
from pipeline.checks.rules import document_findings
from pipeline.checks.validate import split_valid
from pipeline.definitions import Catalog
from pipeline.forms.keys import keyed_by_title
from pipeline.forms.mapping import form_to_slots
from pipeline.forms.misreads import doubt_misreads
from pipeline.forms.recognize import (
    document_to_forms,
    relabel_forms,
    scanned_pages_outside_forms,
)
from pipeline.forms.records import SourceInfo, forms_to_records
from pipeline.forms.sealed_labels import complete_sealed_labels
from pipeline.model import Finding, FormInstance, Slot
from pipeline.run.debug_log import DEBUG_LOG
from pipeline.run.results import (
    FileResult,
    document_row,
    failed_file,
    finding_row,
    format_of,
    skipped_file,
    unread_source,
)
from pipeline.run.sources import (
    MEMBER_ERRORS,
    Source,
    file_sha256,
    materialize,
    member_problem,
    os_reason,
)

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
        document = complete_sealed_labels(doubt_misreads(extract(path, pdf_reader), catalog))
        forms, relabelled = relabel_forms(document_to_forms(document, catalog), form_kinds)
        mapped = []
        findings: list[Finding] = []
        for form in forms:
            slots, form_findings = contained_form_to_slots(form, catalog, rel)
            slots = keyed_by_title(form, slots, catalog.forms[form.form].titles)
            mapped.append((form, slots))
            findings.extend(form_findings)
        source = SourceInfo(rel, sha, document.source_format, now, __version__)
        records = forms_to_records(mapped, source, catalog.vocabulary)
        findings.extend(
            Finding(rule=n.rule, severity=severity_of(n.rule), message=n.message, page=n.page)
            for n in document.notes
        )
        findings.extend(map(_unread_scanned_page, scanned_pages_outside_forms(document, forms)))
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


def contained_form_to_slots(
    form: FormInstance, catalog: Catalog, rel: str
) -> tuple[list[Slot], list[Finding]]:
    """A form's slots; a fault of the mapping on it is contained to the form: said in words
    (an `unread_form` finding naming the form and its first page) and the form given no
    values, so the file's other forms are read."""
    try:
        return form_to_slots(form, catalog)
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception:  # a bug met on this form's layout only
        log.debug("mapping failed on %s, form %s", rel, form.form, exc_info=True)
        pages = sorted({page for grid in form.grids for page in grid.pages})
        where = f"第 {pages[0]} 页起的" if pages else ""
        title = catalog.forms[form.form].titles[0]
        message = (
            f"{where}《{title}》未能读出：本工具自身出错，这张表的数值没有读出；"
            f"文件中的其他表格照常读取（请报告此问题；详细信息在 {DEBUG_LOG} 中）"
        )
        finding = Finding(
            rule="unread_form",
            severity=severity_of("unread_form"),
            message=message,
            form=form.form,
            form_seq=form.form_seq,
            page=pages[0] if pages else None,
        )
        return [], [finding]


def _unread_scanned_page(page: int) -> Finding:
    message = (
        f"第 {page} 页扫描件上的表格未能认出是哪一种自评表（标题可能因拍摄角度、折痕或印章"
        "未能识别），该页的数值未读取"
    )
    return Finding(
        rule="unread_page", severity=severity_of("unread_page"), message=message, page=page
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
