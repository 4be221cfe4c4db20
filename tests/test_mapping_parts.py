"""A table that goes on under an earlier table's headers (a page's part read as a table of its
own) is read by its columns' indexes there; where a value's cell does not stand under the
header that index names on the page (the part's columns counted otherwise: a rule missing or
added), the value is unsure, never a sure value under another measure."""

from __future__ import annotations

from extractors import BBox, Cell, Document, TextLine, cells_to_grid
from pipeline.definitions import load_catalog
from pipeline.forms.mapping import form_to_slots
from pipeline.forms.recognize import document_to_forms

CATALOG = load_catalog()
# the columns' left edges on the page, in points: 一级 二级 三级 指标值 实际完成值 偏差原因
EDGES = [40, 100, 170, 280, 360, 440, 560]
HEADER = ["一级指标", "二级指标", "三级指标", "指标值", "全年实际完成值", "未完成原因分析"]


def _cell(row, col, text, page, *, x=None, top=0.0):
    x = col if x is None else x
    box = BBox(EDGES[x], top, EDGES[x + 1], top + 20)
    return Cell(row, col, text, page=page, bbox=box)


def _part(rows, page, shift=0):
    """A page's rows as a table of its own; `shift`: its columns counted from one more (a
    rule its reader found left of them) while they stand where they stand."""
    cells = [
        _cell(r, c + shift, text, page, x=c, top=20.0 * r)
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
    ]
    if shift:
        cells += [_cell(r, 0, "", page, x=0, top=20.0 * r) for r in range(len(rows))]
    return cells_to_grid(cells)


def _indicators(second_shift):
    first = _part(
        [
            ["转移支付（项目）名称", "珠江流域生态修复资金", "", "", "", ""],
            HEADER,
            ["产出指标", "数量指标", "治理水土流失面积", "≥1.6万亩", "1.71万亩", ""],
        ],
        page=1,
    )
    second = _part(
        [["效益指标", "生态效益指标", "林草覆盖率提高", "≥1.2个百分点", "1.4个百分点", ""]],
        2,
        second_shift,
    )
    doc = Document(
        blocks=(
            TextLine("中央对地方转移支付区域绩效目标自评表（2024年度）", page=1),
            first,
            second,
        ),
        source_format="pdf",
    )
    (form,) = document_to_forms(doc, CATALOG)
    slots, _ = form_to_slots(form, CATALOG)
    return {
        (s.cell.page, s.item, s.measure): (s.value_raw, s.rests_on)
        for s in slots
        if s.section == "indicators" and s.value_raw and s.cell is not None
    }


def test_a_part_whose_columns_stand_under_the_headers_is_read_sure():
    read = _indicators(0)
    assert read[(2, "林草覆盖率提高", "target")] == ("≥1.2个百分点", 1.0)
    assert read[(2, "林草覆盖率提高", "actual")] == ("1.4个百分点", 1.0)


def test_a_part_whose_columns_are_counted_otherwise_is_unsure():
    read = _indicators(1)
    assert read[(1, "治理水土流失面积", "target")] == ("≥1.6万亩", 1.0)
    page_two = [rests_on for (page, _, _), (_, rests_on) in read.items() if page == 2]
    assert len(page_two) == 3 and all(rests_on < 0.8 for rests_on in page_two)


def test_a_page_joined_into_the_table_with_its_columns_counted_otherwise_is_unsure():
    # the reader joined page 2's row into the table, one column right of where it stands
    rows = [
        ["转移支付（项目）名称", "珠江流域生态修复资金", "", "", "", ""],
        HEADER,
        ["产出指标", "数量指标", "治理水土流失面积", "≥1.6万亩", "1.71万亩", ""],
    ]
    cells = [
        _cell(r, c, t, 1, top=20.0 * r) for r, row in enumerate(rows) for c, t in enumerate(row)
    ]
    moved = ["效益指标", "生态效益指标", "林草覆盖率提高", "≥1.2个百分点", "1.4个百分点"]
    cells += [_cell(3, 0, "", 2, top=0.0)]
    cells += [_cell(3, c + 1, t, 2, x=c, top=0.0) for c, t in enumerate(moved)]
    doc = Document(
        blocks=(
            TextLine("中央对地方转移支付区域绩效目标自评表（2024年度）", page=1),
            cells_to_grid(cells),
        ),
        source_format="pdf",
    )
    (form,) = document_to_forms(doc, CATALOG)
    slots, _ = form_to_slots(form, CATALOG)
    sure = {
        s.value_raw
        for s in slots
        if s.value_raw and s.section == "indicators" and s.rests_on >= 0.8
    }
    assert sure == {"≥1.6万亩", "1.71万亩"}
