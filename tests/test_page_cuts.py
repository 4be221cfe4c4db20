"""A table row a page break cut in a PDF comes back as one row: the 三级指标 label divided
(`机要文件邮` | `件处理`), the 一级 label's weight left on the next page (`产出指标` | `(50分)`).
The grids are written cell by cell with the page each part stands on, as a PDF gives them."""

from __future__ import annotations

from datetime import UTC, datetime

from extractors import Cell, Document, TextLine, cells_to_grid
from pipeline.definitions import load_catalog
from pipeline.forms.mapping import form_to_slots
from pipeline.forms.recognize import document_to_forms
from pipeline.forms.records import SourceInfo, forms_to_records

CATALOG = load_catalog()
HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]


def _row(r: int, texts: list[str], page: int) -> list[Cell]:
    return [Cell(r, c, t, page=page) for c, t in enumerate(texts)]


def _records(rows: list[list[Cell]]):
    grid = cells_to_grid([c for row in rows for c in row])
    title = TextLine("2024年度项目支出绩效自评表", page=1)
    forms = document_to_forms(Document(blocks=(title, grid), source_format="pdf"), CATALOG)
    mapped = [(f, form_to_slots(f, CATALOG)[0]) for f in forms]
    source = SourceInfo("x.pdf", "0" * 64, "pdf", datetime.now(UTC), "test")
    return forms_to_records(mapped, source, CATALOG.vocabulary)


def _indicators(records) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for r in records:
        if r.section == "indicators":
            out.setdefault(r.item, {})[r.measure] = r.value_raw
    return out


def test_a_label_divided_by_the_page_break_is_one_row():
    rows = [
        _row(0, HEADER, 1),
        _row(1, ["产出指标(50分)", "数量指标", "会议保障次数", "≥12次", "12次", "20", "20"], 1),
        _row(2, ["", "", "机要文件邮", "100%", "100%", "30", "30"], 1),
        _row(3, ["", "", "件处理", "", "", "", ""], 2),  # the rest of the label, page 2
    ]
    got = _indicators(_records(rows))
    assert set(got) == {"会议保障次数", "机要文件邮件处理"}
    assert got["机要文件邮件处理"] == {
        "target": "100%",
        "actual": "100%",
        "weight": "30",
        "score": "30",
    }


def test_the_values_on_the_next_page_join_the_label_left_on_this_one():
    rows = [
        _row(0, HEADER, 1),
        _row(1, ["产出指标(50分)", "数量指标", "会议保障次数", "≥12次", "12次", "20", "20"], 1),
        _row(2, ["", "", "机要文件邮", "", "", "", ""], 1),
        _row(3, ["", "", "件处理", "100%", "98%", "30", "29"], 2),
    ]
    got = _indicators(_records(rows))
    assert got["机要文件邮件处理"] == {
        "target": "100%",
        "actual": "98%",
        "weight": "30",
        "score": "29",
    }


def test_an_indicator_that_starts_the_next_page_is_its_own_row():
    rows = [
        _row(0, HEADER, 1),
        _row(1, ["产出指标(50分)", "数量指标", "会议保障次数", "≥12次", "12次", "20", "20"], 1),
        _row(2, ["", "", "文件处理量", "≥500件", "520件", "30", "30"], 2),
    ]
    assert set(_indicators(_records(rows))) == {"会议保障次数", "文件处理量"}


def test_a_group_weight_left_on_the_next_page_is_its_groups():
    rows = [
        _row(0, HEADER, 1),
        _row(1, ["产出指标", "数量指标", "会议保障次数", "≥12次", "12次", "20", "20"], 1),
        _row(2, ["(50分)", "", "文件处理量", "≥500件", "520件", "30", "30"], 2),
    ]
    records = _records(rows)
    groups = [r for r in records if r.section == "indicator_groups"]
    assert [(g.item, g.value_raw, g.value_num) for g in groups] == [("产出指标", "(50分)", 50.0)]
    assert {r.level1 for r in records if r.section == "indicators"} == {"产出指标"}


def test_a_group_label_written_on_every_row_is_one_group():
    rows = [
        _row(0, HEADER, 1),
        _row(1, ["产出指标(50分)", "数量指标", "会议保障次数", "≥12次", "12次", "20", "20"], 1),
        _row(2, ["产出指标(50分)", "数量指标", "文件处理量", "≥500件", "520件", "30", "30"], 1),
        _row(3, ["产出指标(50分)", "质量指标", "差错率", "≤1%", "0.5%", "0", "0"], 2),
    ]
    records = _records(rows)
    groups = [(r.item, r.value_num) for r in records if r.section == "indicator_groups"]
    assert groups == [("产出指标", 50.0)]
    levels = {(r.item, r.level2) for r in records if r.section == "indicators"}
    assert levels == {
        ("会议保障次数", "数量指标"),
        ("文件处理量", "数量指标"),
        ("差错率", "质量指标"),
    }


def test_a_second_level_label_divided_by_the_page_break_is_joined_back():
    rows = [
        _row(0, HEADER, 1),
        _row(1, ["产出指标(50分)", "数量", "会议保障次数", "≥12次", "12次", "20", "20"], 1),
        _row(2, ["", "指标", "文件处理量", "≥500件", "520件", "30", "30"], 2),
    ]
    levels = {(r.item, r.level2) for r in _records(rows) if r.section == "indicators"}
    assert levels == {("会议保障次数", "数量指标"), ("文件处理量", "数量指标")}
