"""A footer line set above each form's title (`填报日期：…` over the form, as some offices lay
their forms out) is that form's: before the first form it is no one else's, and before a later
one it is the next form's, not a line of the form above's footer. A form whose footer follows
its table keeps it."""

from __future__ import annotations

import pytest

from extractors import Cell, Document, TextLine, cells_to_grid
from pipeline.definitions import load_catalog
from pipeline.forms.mapping import form_to_slots
from pipeline.forms.recognize import document_to_forms

CATALOG = load_catalog()
TITLE = "2024年度项目支出绩效自评表"


def _table(project: str):
    rows = [
        ["项目名称", project, "", "", "", "", ""],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["产出指标(50分)", "数量指标", "修缮古建筑处数", "≥6处", "6处", "20", "20"],
    ]
    cells = [Cell(r, c, t, page=1) for r, row in enumerate(rows) for c, t in enumerate(row)]
    return cells_to_grid(cells)


def _footers(blocks):
    doc = Document(blocks=tuple(blocks), source_format="pdf")
    out = []
    for form in document_to_forms(doc, CATALOG):
        slots = form_to_slots(form, CATALOG)[0]
        footer = {s.item: s.value_raw for s in slots if s.section == "footer" and s.value_raw}
        out.append((form.fiscal_year, footer))
    return out


def _line(text):
    return TextLine(text, page=1)


def test_a_date_above_each_title_is_that_forms():
    blocks = [
        _line("填报日期：2025年3月18日"),
        _line(TITLE),
        _table("荆澜市公共文化服务补助资金"),
        _line("填表人：熊晓岚    联系电话：0716-8852361"),
        _line("填报日期：2025年3月21日"),
        _line(TITLE),
        _table("荆澜市文物保护修缮项目"),
        _line("填表人：周敏"),
    ]
    assert _footers(blocks) == [
        (2024, {"填报日期": "2025年3月18日", "填表人": "熊晓岚", "联系电话": "0716-8852361"}),
        (2024, {"填报日期": "2025年3月21日", "填表人": "周敏"}),
    ]


@pytest.mark.parametrize("between", [[], [_line("说明：以上数据为决算数。")]], ids=["next", "note"])
def test_a_footer_under_its_table_stays_its_forms(between):
    blocks = [
        _line(TITLE),
        _table("荆澜市公共文化服务补助资金"),
        _line("填表人：熊晓岚"),
        _line("填报日期：2025年3月18日"),
        *between,
        _line(TITLE),
        _table("荆澜市文物保护修缮项目"),
        _line("填表人：周敏    填报日期：2025年3月21日"),
    ]
    assert _footers(blocks) == [
        (2024, {"填表人": "熊晓岚", "填报日期": "2025年3月18日"}),
        (2024, {"填表人": "周敏", "填报日期": "2025年3月21日"}),
    ]
