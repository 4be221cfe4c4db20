"""A PDF whose page tree miscounts or loops, or whose cross-reference points a page's content
wrong, is read as far as it can be and says what it lost: a `damaged_part` finding, never an
`internal_error` and never silence; both readers alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import FIXTURES, expected_records

from pipeline.definitions import load_catalog
from pipeline.run.read import ingest_file

HOSTILE = FIXTURES / "hostile"
WHOLE = len(expected_records("jiangcheng-wenlv-2023"))  # the PDF they were all made from

CASES = {
    # name: (values read: all, or fewer than all; the finding's page; words in it)
    "count-off-by-one.pdf": ("all", None, "页数记录为 3 页，实际有 2 页"),
    "page-tree-loop.pdf": ("fewer", None, "页面目录首尾循环"),
    "bad-xref-offset.pdf": ("fewer", 1, "第 1 页：内容不在文件索引"),
    "damaged-stream.pdf": ("fewer", 1, "第 1 页：内容已损坏，无法完整解开"),
}


@pytest.mark.parametrize("reader", ["pdfium", "pdfplumber"])
@pytest.mark.parametrize("name", sorted(CASES), ids=str)
def test_a_damaged_page_tree_is_read_and_said(name, reader):
    result = ingest_file(HOSTILE / name, name, load_catalog(), datetime.now(UTC), pdf_reader=reader)
    read, page, words = CASES[name]
    assert result.document.status == "ok"
    assert result.document.error_code in (None, "read_by_reference")
    n = len(result.values)
    assert n == WHOLE if read == "all" else 0 < n < WHOLE
    (finding,) = [f for f in result.findings if f.rule == "damaged_part"]
    assert words in finding.message and name in finding.message
    assert finding.page == page and finding.severity == "warning"


WHOLE_PDFS = [*sorted((FIXTURES / "season").glob("*.pdf")), HOSTILE / "owner-password-only.pdf"]


@pytest.mark.parametrize("path", WHOLE_PDFS, ids=lambda p: p.name)
def test_a_whole_pdf_has_no_damaged_part(path):
    # an encrypted file's streams are checked decrypted: an owner password is no damage
    result = ingest_file(path, path.name, load_catalog(), datetime.now(UTC))
    assert result.document.status == "ok" and result.document.error_code is None
    assert not [f for f in result.findings if f.rule == "damaged_part"]
