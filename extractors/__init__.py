"""Extractors: one module per input kind, each turning a file into a Document of Grids and lines.

Raw format objects (docx XML, pdfplumber dicts, openpyxl cells, lxml elements) never leave their
module.
"""

from __future__ import annotations

from pathlib import Path

from extractors.errors import ExtractionError
from extractors.model import (
    BBox,
    Block,
    Cell,
    Document,
    Grid,
    ReadNote,
    TextLine,
    cells_to_grid,
    fill_covered_slots,
    without_controls,
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

# the two readers of a PDF's text layer: PDFium (fast), and pdfplumber (the reference)
PDF_READERS = ("pdfium", "pdfplumber")
DEFAULT_PDF_READER = "pdfium"

__all__ = [
    "DEFAULT_PDF_READER",
    "PDF_READERS",
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
    "fit_memory",
    "preload",
    "preload_ocr",
    "share_cores",
]


def preload() -> None:
    """Import every reader's libraries now, so worker processes forked later start with them
    instead of importing them again for each file."""
    from extractors.office import docx, xlsx_access
    from extractors.pdf import read as pdf
    from extractors.web import html_access

    docx.load_libraries()
    pdf.load_libraries()
    xlsx_access.load_libraries()
    html_access.load_libraries()


def preload_ocr() -> None:
    """Import the OCR libraries now: worth it in the parent process once a run has met a
    scanned file, as every later scanned file's worker then starts with them."""
    from extractors.scan import recognise as scan_recognise

    scan_recognise.load_libraries()


def fit_memory(max_rss_mib: int) -> None:
    """Size limits of this process's readers matched to the memory it may use (a web page's
    bytes; a workbook's cells are counted against a fixed limit that fits the default)."""
    from extractors.web.html import fit_page_limit

    fit_page_limit(max_rss_mib)


def share_cores(threads: int) -> None:
    """How many threads this process's OCR may use (its share of the machine's cores)."""
    from extractors.scan import recognise as scan_recognise

    scan_recognise.share_cores(threads)


def extract(path: Path, pdf_reader: str = DEFAULT_PDF_READER) -> Document:
    """Read one file with the extractor for its kind (a PDF with `pdf_reader`, one of
    PDF_READERS); raise ExtractionError if it cannot be read."""
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise ExtractionError("unsupported_kind", f"不是本工具读取的文件类型：{path.name}")
    if path.stat().st_size == 0:
        raise ExtractionError("empty", f"空文件：{path.name} 没有内容")
    read = _pdf_reader(pdf_reader) if kind == "pdf" else _reader(kind)
    return without_controls(read(path), path.name)


def _pdf_reader(name: str):
    if name not in PDF_READERS:
        raise ValueError(f"unknown PDF reader {name!r}: one of {', '.join(PDF_READERS)}")
    from extractors.pdf.read import extract_pdf

    return lambda path: extract_pdf(path, name)


def _reader(kind: str):
    """The extract function of a kind, imported on first use."""
    if kind == "docx":
        from extractors.office.docx import extract_docx

        return extract_docx
    if kind == "legacy":
        from extractors.office.legacy import extract_legacy

        return extract_legacy
    if kind == "xlsx":
        from extractors.office.xlsx import extract_xlsx

        return extract_xlsx
    if kind == "old_workbook":
        from extractors.office.xlsx import extract_old_workbook

        return extract_old_workbook
    if kind == "html":
        from extractors.web.html import extract_html

        return extract_html
    if kind == "mht":
        from extractors.web.html import extract_mht

        return extract_mht
    from extractors.pdf.read import extract_pdf

    return extract_pdf
