"""Extractors: one module per input kind, each turning a file into a Document of Grids and lines.

Raw format objects (docx XML, pdfplumber dicts, openpyxl cells, lxml elements) never leave their
module.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ExtractionError
from .model import (
    BBox,
    Block,
    Cell,
    Document,
    Grid,
    ReadNote,
    TextLine,
    cells_to_grid,
    fill_covered_slots,
)

READERS = {
    ".docx": "docx",
    ".pdf": "pdf",
    ".doc": "legacy",
    ".wps": "legacy",
    ".xlsx": "xlsx",
    ".xls": "old_workbook",
    ".et": "old_workbook",
    ".html": "html",
    ".htm": "html",
    ".mht": "mht",
    ".mhtml": "mht",
}

__all__ = [
    "READERS",
    "BBox",
    "Block",
    "Cell",
    "Document",
    "ExtractionError",
    "Grid",
    "ReadNote",
    "TextLine",
    "cells_to_grid",
    "extract",
    "fill_covered_slots",
    "preload",
    "preload_ocr",
    "share_cores",
]


def preload() -> None:
    """Import every reader's libraries now, so worker processes forked later start with them
    instead of importing them again for each file."""
    from . import docx, html_access, pdf, xlsx_access

    docx.load_libraries()
    pdf.load_libraries()
    xlsx_access.load_libraries()
    html_access.load_libraries()


def preload_ocr() -> None:
    """Import the OCR libraries now: worth it in the parent process once a run has met a
    scanned file, as every later scanned file's worker then starts with them."""
    from . import scan_recognise

    scan_recognise.load_libraries()


def share_cores(threads: int) -> None:
    """How many threads this process's OCR may use (its share of the machine's cores)."""
    from . import scan_recognise

    scan_recognise.share_cores(threads)


def extract(path: Path) -> Document:
    """Read one file with the extractor for its kind; raise ExtractionError if it cannot be read."""
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise ExtractionError(
            "unsupported_kind", f"not a kind of file the pipeline reads: {path.name}"
        )
    if path.stat().st_size == 0:
        raise ExtractionError("empty", f"empty file: {path.name} has no content")
    return _reader(kind)(path)


def _reader(kind: str):
    """The extract function of a kind, imported on first use."""
    if kind == "docx":
        from .docx import extract_docx

        return extract_docx
    if kind == "legacy":
        from .legacy import extract_legacy

        return extract_legacy
    if kind == "xlsx":
        from .xlsx import extract_xlsx

        return extract_xlsx
    if kind == "old_workbook":
        from .xlsx import extract_old_workbook

        return extract_old_workbook
    if kind == "html":
        from .html import extract_html

        return extract_html
    if kind == "mht":
        from .html import extract_mht

        return extract_mht
    from .pdf import extract_pdf

    return extract_pdf
