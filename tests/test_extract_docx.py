"""The Word extractor keeps true spans and reads text as Word shows it."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml

from extractors import ExtractionError, Grid, TextLine, extract, fill_covered_slots

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _cell(grid: Grid, row: int, col: int):
    return fill_covered_slots(grid)[row][col]


def _save(document, tmp_path: Path) -> Path:
    path = tmp_path / "form.docx"
    document.save(str(path))
    return path


def test_merged_cells_are_stored_once_with_their_spans(tmp_path):
    document = docx.Document()
    document.add_paragraph("2024年度项目支出绩效自评表")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(2, 0)).text = "绩效指标"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "三级指标"
    table.cell(1, 1).text = "a"
    document.add_paragraph("填表人：张三")
    blocks = extract(_save(document, tmp_path)).blocks

    assert [type(b).__name__ for b in blocks] == ["TextLine", "Grid", "TextLine"]
    grid = blocks[1]
    assert (grid.n_rows, grid.n_cols) == (3, 3)
    assert len(grid.cells) == 9 - 2 - 1  # a 3-row merge and a 2-column merge
    block = _cell(grid, 2, 0)
    assert (block.row, block.col, block.rowspan, block.colspan, block.text) == (
        0,
        0,
        3,
        1,
        "绩效指标",
    )
    head = _cell(grid, 0, 2)
    assert (head.row, head.col, head.rowspan, head.colspan, head.text) == (0, 1, 1, 2, "三级指标")
    assert [c.text for c in grid.cells].count("绩效指标") == 1


def test_grid_before_shifts_a_row_right(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for c, text in enumerate(["x", "y", "z"]):
        table.cell(0, c).text = text
    table.cell(1, 1).text = "x"
    tr = table.rows[1]._tr
    tr.remove(tr.findall(qn("w:tc"))[0])
    tr.insert(0, parse_xml(f'<w:trPr {W}><w:gridBefore w:val="1"/></w:trPr>'))
    grid = extract(_save(document, tmp_path)).blocks[0]
    second_row = sorted((c.col, c.text) for c in grid.cells if c.row == 1)
    assert second_row == [(1, "x"), (2, "")]
    assert fill_covered_slots(grid)[1][0] is None


def _paragraph_xml(inner: str) -> str:
    return f"<w:p {W}>{inner}</w:p>"


@pytest.mark.parametrize(
    ("inner", "text"),
    [
        (
            '<w:r><w:t>执行</w:t></w:r><w:ins w:id="1" w:author="a"><w:r><w:t>率</w:t></w:r></w:ins>',
            "执行率",
        ),
        (
            '<w:r><w:t>得分</w:t></w:r><w:del w:id="2" w:author="a"><w:r><w:delText>旧</w:delText></w:r></w:del>',
            "得分",
        ),
        (
            "<w:sdt><w:sdtContent><w:r><w:t>控件内</w:t></w:r></w:sdtContent></w:sdt>",
            "控件内",
        ),
        (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
            "3",
        ),
        (
            '<w:hyperlink r:id="rId9" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:r><w:t>链接</w:t></w:r></w:hyperlink>',
            "链接",
        ),
        ("<w:r><w:t>年初</w:t><w:br/><w:t>预算数</w:t></w:r>", "年初\n预算数"),
    ],
    ids=["insertion", "deletion", "content-control", "field", "hyperlink", "line-break"],
)
def test_cell_text_is_read_as_word_shows_it(tmp_path, inner, text):
    document = docx.Document()
    table = document.add_table(rows=1, cols=1)
    tc = table.cell(0, 0)._tc
    for p in tc.findall(qn("w:p")):
        tc.remove(p)
    tc.append(parse_xml(_paragraph_xml(inner)))
    grid = extract(_save(document, tmp_path)).blocks[0]
    assert grid.cells[0].text == text


def test_paragraph_lines_in_body_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("附件1")
    document.add_paragraph("   ")
    document.add_paragraph("填表人：何琼    填报日期：2025.6.25")
    lines = extract(_save(document, tmp_path)).blocks
    assert lines == (TextLine("附件1"), TextLine("填表人：何琼    填报日期：2025.6.25"))


def test_a_docx_that_is_not_a_zip_fails_clearly(tmp_path):
    path = tmp_path / "letter.docx"
    path.write_bytes(b"this is plain text, not a Word file")
    with pytest.raises(ExtractionError) as raised:
        extract(path)
    assert raised.value.code == "not_a_zip"
    assert "letter.docx" in raised.value.message
