"""A value's confidence is the least of what it rests on (issue 20): beyond its own cell, its
label and its headers, the project name that keys every value of its form. Forms written out
row by row as a scan would read them, the confidence of a cell set by its text."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import rows_to_grid
from test_mapping import PROJECT, _records

from extractors import Grid

SURE = 0.97  # a clear cell as the OCR reads it


def _scanned(grid: Grid, unsure: dict[str, float]) -> Grid:
    """The grid as a scan reads it: every cell SURE, those named in `unsure` less so."""
    cells = tuple(replace(c, confidence=unsure.get(c.text, SURE)) for c in grid.cells)
    return replace(grid, cells=cells)


def test_a_project_name_read_unsure_makes_every_value_of_its_form_unsure():
    records, _ = _records(_scanned(rows_to_grid(PROJECT), {"智慧交通二期": 0.31}))
    assert records and all(r.confidence <= 0.31 for r in records)


def test_a_project_name_read_sure_leaves_each_value_its_own_confidence():
    records, _ = _records(_scanned(rows_to_grid(PROJECT), {"28": 0.55}))
    score = [r for r in records if r.item == "改造路口" and r.measure == "score"]
    assert [r.confidence for r in score] == [0.55]
    others = [r for r in records if r not in score and r.item != "改造路口"]
    assert others and all(r.confidence == SURE for r in others)


def test_a_scanned_project_cell_read_blank_leaves_every_value_unsure():
    rows = [list(r) for r in PROJECT]
    rows[1] = [("项目名称", 2), ("", 6)]
    records, _ = _records(_scanned(rows_to_grid(rows), {}))
    assert records and all(r.project is None for r in records)
    assert all(r.confidence < 0.8 for r in records)


def test_a_blank_project_cell_of_a_text_layer_is_blank_for_certain():
    rows = [list(r) for r in PROJECT]
    rows[1] = [("项目名称", 2), ("", 6)]
    records, _ = _records(rows_to_grid(rows))
    assert records and all(r.confidence == 1.0 for r in records)


@pytest.mark.parametrize(
    "misread",
    ["≥12000m", "≥12000°", "≥12000)", "≥12000%h"],
    ids=["unit-lost", "degree-sign", "bracket", "letter-after-percent"],
)
def test_a_scanned_number_with_a_unit_lost_is_unsure(misread):
    rows = [list(r) for r in PROJECT]
    rows[10] = ["^", "^", "^", "拆除面积", "30", "28", misread, "13560m²"]  # the ² of m² lost
    records, _ = _records(_scanned(rows_to_grid(rows), {}))
    target = [r for r in records if r.item == "拆除面积" and r.measure == "target"]
    actual = [r for r in records if r.item == "拆除面积" and r.measure == "actual"]
    assert [(r.value_num, r.confidence < 0.8) for r in target] == [(None, True)]
    assert [(r.value_num, r.confidence) for r in actual] == [(13560.0, SURE)]


def _with_header(old: str, new: str) -> list:
    return [[new if cell == old else cell for cell in row] for row in PROJECT]


def test_a_scanned_header_named_only_as_a_cut_word_makes_its_values_unsure():
    rows = _with_header("全年实际值", "全年实际完成")  # named as 全年实际完成值 with its 值 lost
    records, _ = _records(_scanned(rows_to_grid(rows), {}))
    actual = [r for r in records if r.measure == "actual" and r.section == "indicators"]
    assert len(actual) == 3 and all(r.confidence < 0.8 for r in actual)
    targets = [r for r in records if r.measure == "target" and r.section == "indicators"]
    assert targets and all(r.confidence == SURE for r in targets)


def test_a_text_layer_header_cut_at_a_page_break_stays_sure():
    records, _ = _records(rows_to_grid(_with_header("全年实际值", "全年实际完成")))
    actual = [r for r in records if r.measure == "actual" and r.section == "indicators"]
    assert len(actual) == 3 and all(r.confidence == 1.0 for r in actual)


def test_a_scanned_unit_name_read_blank_is_unsure_and_the_other_values_are_not():
    rows = [list(r) for r in PROJECT]
    rows[2] = [("主管部门", 2), ("市交通运输局", 2), ("实施单位", 2), ("", 2)]  # under a seal
    records, _ = _records(_scanned(rows_to_grid(rows), {}))
    blank = [r for r in records if r.item == "实施单位"]
    assert [(r.value_raw, r.confidence < 0.8) for r in blank] == [("", True)]
    assert all(r.confidence == SURE for r in records if r.item != "实施单位")


@pytest.mark.parametrize("place", ["湘潭市", "沾益区", "陈巴尔虎旗"])
def test_a_scanned_unit_name_that_is_only_a_place_is_unsure(place):
    rows = [list(r) for r in PROJECT]
    rows[2] = [("主管部门", 2), ("市交通运输局", 2), ("实施单位", 2), (place, 2)]  # the rest sealed
    records, _ = _records(_scanned(rows_to_grid(rows), {}))
    assert [r.confidence < 0.8 for r in records if r.item == "实施单位"] == [True]
    assert [r.confidence for r in records if r.item == "主管部门"] == [SURE]


def test_a_scanned_piece_of_a_unit_name_is_unsure():
    rows = [list(r) for r in PROJECT]
    rows[2] = [("主管部门", 2), ("市交通运输局", 2), ("实施单位", 2), ("市", 2)]
    records, _ = _records(_scanned(rows_to_grid(rows), {}))
    assert [r.confidence < 0.8 for r in records if r.item == "实施单位"] == [True]


def _with_head_row(label: str, value: str) -> list:
    rows = [list(r) for r in PROJECT]
    return [*rows[:3], [(label, 2), (value, 6)], *rows[3:]]


def test_a_scanned_head_row_no_definition_names_is_unsure():
    # a seal's ring read as a ruling line cuts a name in two: 交通运输 | 事务中心
    records, _ = _records(_scanned(rows_to_grid(_with_head_row("交通运输", "事务中心")), {}))
    inferred = [r for r in records if r.item == "交通运输"]
    assert [(r.value_raw, r.confidence < 0.8) for r in inferred] == [("事务中心", True)]


def test_a_text_layer_head_row_no_definition_names_is_the_forms_own():
    records, _ = _records(rows_to_grid(_with_head_row("联系人", "王芳")))
    assert [(r.value_raw, r.confidence) for r in records if r.item == "联系人"] == [("王芳", 1.0)]


def test_a_scanned_row_with_a_value_under_no_column_is_unsure_throughout():
    # a seal's ring read as a ruling line split 7860.00 into 78 | 60.00: a piece under no column
    rows = [list(r) for r in PROJECT]
    rows[3][-1] = ""  # no header over the last column
    rows[4] = ["^", "年度资金总额", "10", "1,000", "95", "95.00%", "9.5", "0"]
    rows[5] = ["^", "其中：本年财政拨款", "", "1,000", "950", "", "", ""]
    records, findings = _records(_scanned(rows_to_grid(rows), {}))
    assert any("不在任何栏目下" in f.message for f in findings)
    row = [r for r in records if r.item == "年度资金总额" and r.section == "funds"]
    assert len(row) == 5 and all(r.confidence < 0.8 for r in row)
    assert all(r.confidence == SURE for r in records if r.item == "当年财政拨款")


def test_a_text_layer_row_with_a_value_under_no_column_keeps_its_values_sure():
    rows = [list(r) for r in PROJECT]
    rows[3][-1] = ""
    records, _ = _records(rows_to_grid(rows))
    row = [r for r in records if r.item == "年度资金总额" and r.section == "funds"]
    assert row and all(r.confidence == 1.0 for r in row)


def test_a_label_the_definitions_spell_exactly_names_its_values_surely():
    # 主管部门 read with its 部 at 0.59: the words confirm the reading, the value keeps its own
    records, _ = _records(_scanned(rows_to_grid(PROJECT), {"主管部门": 0.59}))
    named = [r for r in records if r.item == "主管部门"]
    assert [r.confidence for r in named] == [SURE]


def test_a_label_the_definitions_do_not_spell_makes_its_values_unsure():
    records, _ = _records(_scanned(rows_to_grid(PROJECT), {"改造路口": 0.59}))
    named = [r for r in records if r.item == "改造路口"]
    assert named and all(r.confidence == 0.59 for r in named)


def test_a_scanned_project_form_whose_project_label_was_misread_is_unsure():
    rows = [list(r) for r in PROJECT]
    rows[1] = [("项目专出名称", 2), ("智慧交通二期", 6)]  # 支 read as 专: no project is named
    records, _ = _records(_scanned(rows_to_grid(rows), {}))
    assert records and all(r.project is None for r in records)
    assert all(r.confidence < 0.8 for r in records)


def test_a_scanned_page_whose_table_no_form_took_in_is_said():
    from dataclasses import replace

    from conftest import rows_to_grid

    from extractors import Document, TextLine
    from pipeline.definitions import load_catalog
    from pipeline.forms.recognize import document_to_forms, scanned_pages_outside_forms

    def scanned(grid, page):
        cells = tuple(replace(c, page=page, confidence=0.9) for c in grid.cells)
        return replace(grid, cells=cells)

    lost_title = scanned(
        rows_to_grid([["绣指", "一级m一标", "6"], ["生指化学", "满高服务", "L总分"]]), 1
    )
    form_page = scanned(
        rows_to_grid([["项目名称", "耕地质量监测"], ["实施单位", "沾益区植保站"]]), 2
    )
    title = TextLine("2024年度项目支出绩效自评表", 2)
    document = Document((lost_title, title, form_page), "pdf")
    forms = document_to_forms(document, load_catalog())
    assert [f.form for f in forms] == ["project_eval"]
    assert scanned_pages_outside_forms(document, forms) == [1]
    typed = replace(lost_title, cells=tuple(replace(c, confidence=1.0) for c in lost_title.cells))
    assert (
        scanned_pages_outside_forms(replace(document, blocks=(typed, title, form_page)), forms)
        == []
    )
