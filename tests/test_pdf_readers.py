"""The two PDF readers agree: every fixture and hostile PDF ingested once with PDFium (the
default) and once with pdfplumber (the reference) gives the same values, findings and rejects
(boxes within 0.5 pt) and the same documents statuses and error codes.

Also the reader's own unit behaviour: the neutral page both make, and a turned page, which
PDFium hands to pdfplumber and the documents row says so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pdfplumber
import pytest
from conftest import FIXTURES, SEASON

from extractors.model import TextLine
from extractors.pdf.page import pieces_to_edges
from extractors.pdf.pdfium_access import PdfiumFile, subpath_to_pieces
from extractors.pdf.pdfplumber_access import page_content
from extractors.pdf.read import extract_pdf
from extractors.scan import needs_ocr
from pipeline.run.ingest import ingest

BBOX = ["bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom"]
RUN_COLUMNS = {"extracted_at", "pipeline_version", "run_id"}
# the born-digital fixture PDFs, and one scan with a garbage text layer (a scanned page is
# rendered by PDFium for OCR whichever reader found it; what may differ is the finding)
PDF_FOLDERS = ["season", "families", "contradictions", "hostile", "printed"]
SCANS = FIXTURES / "scans"


def _fixture_pdfs() -> list[Path]:
    paths = [p for name in PDF_FOLDERS for p in sorted((FIXTURES / name).glob("*.pdf"))]
    paths += sorted((FIXTURES / "variants").rglob("*.pdf"))
    return [*paths, SCANS / "garbage-text-layer.pdf"]


@pytest.fixture(scope="module")
def both_readers(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    for path in _fixture_pdfs():
        shutil.copy(path, folder / f"{path.parent.name}--{path.name}")
    outs = {}
    for reader in ("pdfium", "pdfplumber"):
        out = tmp_path_factory.mktemp(f"out-{reader}")
        ingest(folder, out, workers=2, pdf_reader=reader)
        outs[reader] = out
    return outs


def _table(out: Path, name: str) -> pd.DataFrame:
    frame = pd.read_parquet(out / f"{name}.parquet")
    frame = frame.drop(columns=[c for c in frame.columns if c in RUN_COLUMNS])
    keys = [c for c in frame.columns if c not in BBOX and c != "confidence"]
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)


def test_the_fixture_pdfs_are_many_and_read():
    pdfs = _fixture_pdfs()
    assert len(pdfs) >= 60
    assert any(p.parent.name == "hostile" for p in pdfs)
    assert sum(p.parent.name == "printed" for p in pdfs) >= 9  # Chromium, Calc, reportlab


@pytest.mark.parametrize("table", ["values", "findings", "rejects"])
def test_both_readers_give_the_same_rows(both_readers, table):
    pdfium = _table(both_readers["pdfium"], table)
    reference = _table(both_readers["pdfplumber"], table)
    assert len(pdfium) == len(reference)
    if table == "values":
        assert len(pdfium) > 5000  # the comparison is of something
    exact = [c for c in pdfium.columns if c not in BBOX]
    pd.testing.assert_frame_equal(pdfium[exact], reference[exact])
    boxes = [c for c in BBOX if c in pdfium.columns]
    if boxes:
        gap = (pdfium[boxes] - reference[boxes]).abs().max().max()
        assert pd.isna(gap) or gap <= 0.5


def test_both_readers_give_the_same_documents_statuses(both_readers):
    columns = ["source_path", "source_format", "status", "error_code", "pages", "n_values"]
    pdfium = _table(both_readers["pdfium"], "documents")[columns]
    reference = _table(both_readers["pdfplumber"], "documents")[columns]
    # the one difference by design: a file PDFium hands to pdfplumber (a page tree that
    # miscounts, a damaged page) says so; pdfplumber, reading it itself, has nothing to say
    handed = pdfium.error_code == "read_by_reference"
    assert set(pdfium.source_path[handed]) == {
        "hostile--count-off-by-one.pdf",
        "hostile--page-tree-loop.pdf",
        "hostile--damaged-stream.pdf",  # its damaged page: each reader salvages another part
    }
    pdfium.loc[handed, "error_code"] = None
    pd.testing.assert_frame_equal(pdfium, reference)
    statuses = dict(zip(pdfium.source_path, pdfium.status, strict=True))
    assert statuses["hostile--encrypted.pdf"] == "failed"
    assert statuses["hostile--owner-password-only.pdf"] == "ok"


# ---------------------------------------------------------------------------------------------
# The neutral page


@pytest.mark.parametrize("path", sorted(SCANS.glob("*.pdf")), ids=lambda p: p.name)
def test_both_readers_send_the_same_pages_to_ocr(path):
    with PdfiumFile(path) as pdf, pdfplumber.open(path) as reference:
        for number in range(1, len(pdf) + 1):
            for content in (pdf.page(number), page_content(reference.pages[number - 1], number)):
                assert needs_ocr([c.text for c in content.chars], content.has_images)
    season = SEASON / "yueyang-2024.pdf"
    with PdfiumFile(season) as pdf:
        assert not any(
            needs_ocr([c.text for c in content.chars], content.has_images)
            for content in map(pdf.page, range(1, len(pdf) + 1))
        )


@pytest.mark.parametrize("name", ["yueyang-2024.pdf", "jiangcheng-jiaoyu-2024.pdf"])
def test_both_readers_see_the_same_characters_and_ruling(name):
    path = SEASON / name
    with PdfiumFile(path) as pdf, pdfplumber.open(path) as reference:
        for number in range(1, len(pdf) + 1):
            mine = pdf.page(number)
            theirs = page_content(reference.pages[number - 1], number)
            # the same characters at the same places (PDFium's text page may list a few in
            # another order, which nothing after it depends on)
            inked = sorted((c for c in mine.chars if c.text.strip()), key=_place)
            inked_ref = sorted((c for c in theirs.chars if c.text.strip()), key=_place)
            assert [c.text for c in inked] == [c.text for c in inked_ref]
            for a, b in zip(inked, inked_ref, strict=True):
                assert abs(a.x0 - b.x0) < 0.25 and abs(a.x1 - b.x1) < 0.25
                assert abs(a.bottom - b.bottom) < 0.01 and a.size == pytest.approx(b.size)
            edges = pieces_to_edges(mine.pieces)
            edges_ref = pieces_to_edges(theirs.pieces)
            assert len(edges) == len(edges_ref) > 10
            for a, b in zip(edges, edges_ref, strict=True):
                assert a["orientation"] == b["orientation"]
                assert all(abs(a[k] - b[k]) < 0.01 for k in ("x0", "x1", "top", "bottom"))


def _place(char) -> tuple:
    return (round(char.bottom, 1), round(char.x0, 1), char.text)


@pytest.mark.parametrize(
    ("shape", "points", "kind"),
    [
        ("ml", [(0, 0), (10, 0)], "line"),
        ("mlllh", [(0, 0), (10, 0), (10, 5), (0, 5), (0, 0)], "rect"),
        ("mllllh", [(0, 0), (10, 0), (10, 5), (0, 5), (0, 0), (0, 0)], "rect"),  # a redundant l
        ("mlllh", [(0, 0), (10, 1), (10, 5), (0, 5), (0, 0)], "curve"),  # not square
        ("mlcl", [(0, 0), (10, 0), (12, 4), (12, 9)], "curve"),
    ],
)
def test_subpaths_are_lines_rectangles_or_curves_as_pdfminer_makes_them(shape, points, kind):
    pieces = subpath_to_pieces([(float(x), float(y)) for x, y in points], shape)
    assert [p.kind for p in pieces] == [kind]


def test_a_turned_page_is_read_by_pdfplumber_and_the_documents_row_says_so(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    for number, page in enumerate(pypdf.PdfReader(SEASON / "yueyang-2024.pdf").pages, start=1):
        writer.add_page(page)
        if number == 2:
            writer.pages[-1].rotate(90)  # /Rotate 90
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "turned.pdf").open("wb") as handle:
        writer.write(handle)
    tables = {}
    for reader in ("pdfium", "pdfplumber"):
        ingest(folder, tmp_path / reader, workers=1, pdf_reader=reader)
        tables[reader] = {name: _table(tmp_path / reader, name) for name in ("values", "documents")}
    turned = tables["pdfium"]["documents"].iloc[0]
    assert turned.status == "ok"
    assert turned.error_code == "read_by_reference"
    assert (
        turned.error == "turned.pdf：改用 pdfplumber 读取，第 2 页：页面设置了旋转，PDFium 不会转正"
    )
    assert pd.isna(tables["pdfplumber"]["documents"].iloc[0].error_code)
    pd.testing.assert_frame_equal(tables["pdfium"]["values"], tables["pdfplumber"]["values"])


def _hand_made_pdf(content: bytes, form: bytes) -> bytes:
    """A one-page PDF written by hand: `content` on the page, `form` a form XObject /Fx."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << /Fx 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 200 50] /Matrix [1 0 0 1 300 200] "
        b"/Length %d >>\nstream\n%s\nendstream" % (len(form), form),
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def test_other_writers_ways_read_the_same_by_both(tmp_path):
    """What other PDF writers do and LibreOffice does not: borders as `re` rectangles, stroked
    or filled thin; a scaled `cm`; a form XObject with its own matrix; a curve; text set at
    1 pt and scaled by its matrix, or scaled by the page's; two spaces between words."""
    content = b"""0.5 w
50 700 200 20 re S
50 680 200 20 re S
150 680 m 150 720 l S
q 0.75 0 0 0.75 20 20 cm 100 400 200 30 re f Q
50 500 200 0.5 re f
50 450 m 150 450 l 150 400 l 50 400 l h S
60 300 m 100 350 120 350 160 300 c S
BT /F1 10 Tf 55 705 Td (Hello World 123) Tj ET
BT /F1 10 Tf 1 0 0 1 160 685 Tm (AB  CD) Tj ET
BT /F1 1 Tf 12 0 0 12 60 600 Tm (Scaled) Tj ET
q 2 0 0 2 0 0 cm BT /F1 5 Tf 30 280 Td (Twice) Tj ET Q
/Fx Do"""
    form = b"0 0 m 100 0 l 100 20 l 0 20 l h S 0 10 m 100 10 l S"
    path = tmp_path / "hand-made.pdf"
    path.write_bytes(_hand_made_pdf(content, form))
    with PdfiumFile(path) as pdf, pdfplumber.open(path) as reference:
        mine, theirs = pdf.page(1), page_content(reference.pages[0], 1)
    assert sorted(p.kind for p in mine.pieces) == sorted(p.kind for p in theirs.pieces)
    assert sorted(p.kind for p in mine.pieces).count("rect") == 6
    sizes = {c.text: c.size for c in mine.chars}
    assert sizes["S"] == pytest.approx(12) and sizes["T"] == pytest.approx(10)
    documents = [extract_pdf(path, reader) for reader in ("pdfium", "pdfplumber")]
    blocks = [list(d.blocks) for d in documents]
    assert len(blocks[0]) == len(blocks[1]) >= 4
    for a, b in zip(*blocks, strict=True):
        assert type(a) is type(b)
        if isinstance(a, TextLine):
            assert a.text == b.text
            assert abs(a.bbox.x0 - b.bbox.x0) <= 0.5 and abs(a.bbox.bottom - b.bbox.bottom) <= 0.5
        else:
            assert [(c.row, c.col, c.rowspan, c.colspan, c.text) for c in a.cells] == [
                (c.row, c.col, c.rowspan, c.colspan, c.text) for c in b.cells
            ]
    texts = [c.text for b in blocks[0] if not isinstance(b, TextLine) for c in b.cells]
    assert "AB CD" in texts and "Hello World 123" in texts  # a space from the gap, one
