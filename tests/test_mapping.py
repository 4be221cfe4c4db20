"""Mapping grids to slots on layouts the fixtures do not have: other column orders and spans,
synonyms, titles inside the table. Grids are written out by hand, row by row."""

from __future__ import annotations

import pytest
from conftest import rows_to_grid

from extractors import Document, TextLine
from pipeline.definitions import load_catalog
from pipeline.forms.mapping import form_to_slots
from pipeline.forms.recognize import document_to_forms
from pipeline.forms.records import SourceInfo, forms_to_records

CATALOG = load_catalog()


def _records(*blocks):
    document = Document(blocks=tuple(blocks), source_format="docx")
    forms = document_to_forms(document, CATALOG)
    mapped = [(f, form_to_slots(f, CATALOG)[0]) for f in forms]
    findings = [x for f in forms for x in form_to_slots(f, CATALOG)[1]]
    source = SourceInfo("x.docx", "0" * 64, "docx", None, "test")  # type: ignore[arg-type]
    return forms_to_records(mapped, source, CATALOG.vocabulary), findings


def _value(records, **where):
    hits = [r for r in records if all(getattr(r, k) == v for k, v in where.items())]
    assert len(hits) == 1, (where, len(hits))
    return hits[0]


PROJECT = [
    [("2023年度项目支出绩效自评表", 8)],
    [("项目名称", 2), ("智慧交通二期", 6)],
    [("主管部门", 2), ("市交通运输局", 2), ("实施单位", 2), ("市交通运输事务中心", 2)],
    [
        "项目资金\n（万元）",
        "",
        "分值",
        "全年预算数（A）",
        "全年执行数（B）",
        "执行率（B/A）",
        "得分",
        "年初预算数",
    ],
    ["^", "年度资金总额", "10", "1,000", "950", "95.00%", "9.5", "800"],
    ["^", "其中：本年财政拨款", "", "1,000", "950", "", "", "800"],
    ["年度总体目标", ("预期目标", 4), ("实际完成情况", 3)],
    ["^", ("建成信号控制系统", 4), ("已建成", 3)],
    ["绩效指标", "一级指标", "二级指标", "三级指标", "分值", "得分", "全年指标值", "全年实际值"],
    ["^", "产出指标(60分)", "数量指标", "改造路口", "30", "28", "≥120个", "112个"],
    ["^", "^", "^", "指标1：", "", "", "", ""],
    ["^", "^", "质量指标", "系统可用率", "30", "30", "≥99%", "99.5%"],
    ["^", "满意度指标（30分）", "服务对象满意度指标", "市民满意度", "30", "30", "≥90%", "93%"],
    [("总分", 4), "100", "97.5", "", ""],
]


def test_a_project_form_laid_out_its_own_way():
    records, findings = _records(rows_to_grid(PROJECT))
    assert not findings, findings
    assert {r.project for r in records} == {"智慧交通二期"}
    assert {r.unit for r in records} == {"市交通运输事务中心"}
    assert {r.fiscal_year for r in records} == {2023}
    rate = _value(records, section="funds", item="年度资金总额", measure="execution_rate")
    assert (rate.value_num, rate.value_unit) == (95.0, "%")
    initial = _value(records, section="funds", item="年度资金总额", measure="budget_initial")
    assert (initial.value_num, initial.value_unit) == (800.0, "万元")
    full = _value(records, section="funds", item="当年财政拨款", measure="budget_full_year")
    assert (full.value_num, full.item_parent) == (1000.0, "年度资金总额")
    target = _value(records, section="indicators", item="改造路口", measure="target")
    assert (target.value_num, target.comparator, target.value_unit) == (120.0, "≥", "个")
    assert (target.level1, target.level2) == ("产出指标", "数量指标")
    score = _value(records, section="indicators", item="系统可用率", measure="score")
    assert (score.value_num, score.value_unit, score.level2) == (30.0, "分", "质量指标")
    group = _value(records, section="indicator_groups", item="满意度指标")
    assert (group.value_num, group.value_raw) == (30.0, "（30分）")
    total = _value(records, section="total", measure="score")
    assert total.value_num == 97.5
    assert not [r for r in records if r.item.startswith("指标")]
    assert _value(records, section="goals", measure="actual").value_text == "已建成"


def test_a_unit_declared_above_the_table_is_the_money_unit():
    rows = [list(r) for r in PROJECT[1:]]
    rows[2][0] = "项目资金"  # the block label states no unit: the line above the table does
    grid = rows_to_grid(rows)
    records, _ = _records(TextLine("2023年度项目支出绩效自评表"), TextLine("单位：元"), grid)
    executed = _value(records, section="funds", item="年度资金总额", measure="executed")
    assert (executed.value_num, executed.value_unit) == (950.0, "元")


def test_an_unknown_column_and_row_are_findings_and_kept():
    rows = [list(r) for r in PROJECT]
    rows[3][-1] = "绩效等级"  # in place of 年初预算数
    rows[5] = ["^", "其中：社会捐赠", "", "5", "5", "", "", ""]
    records, findings = _records(rows_to_grid(rows))
    messages = " ".join(f.message for f in findings)
    assert "绩效等级" in messages and "社会捐赠" in messages
    assert {f.rule for f in findings} == {"unknown_header"}
    kept = [r for r in records if r.item == "社会捐赠"]
    assert kept and all(r.section == "funds" for r in kept)
    assert any(r.measure == "绩效等级" for r in records)  # the schema will reject it, not drop it


def test_an_unknown_header_between_the_indicator_labels_and_the_values_keeps_its_values():
    # a misread 全年指标值 (OCR, a typo) right of 三级指标 and left of every known value column:
    # its values are records of an unknown measure (rejected by the schema), never labels
    rows = [list(r) for r in PROJECT]
    at = rows.index(
        ["绩效指标", "一级指标", "二级指标", "三级指标", "分值", "得分", "全年指标值", "全年实际值"]
    )
    for r in range(at, at + 5):
        rows[r] = [*rows[r][:4], rows[r][6], *rows[r][4:6], rows[r][7]]  # 全年指标值 moved left
    rows[at][4] = "全年指木示值"
    records, findings = _records(rows_to_grid(rows))
    assert any("全年指木示值" in f.message for f in findings)
    kept = {r.item: r.value_raw for r in records if r.measure == "全年指木示值"}
    assert kept == {"改造路口": "≥120个", "系统可用率": "≥99%", "市民满意度": "≥90%"}
    score = _value(records, section="indicators", item="改造路口", measure="score")
    assert score.value_num == 28.0  # the known columns right of it are read as before


def test_with_the_level1_header_unread_each_row_takes_its_own_level2_parent():
    # 一级指标 misread: its column is not read, so each row's 一级 comes from its 二级, as for a
    # 一级 lost from the page; the first row's must not be carried down to the others
    rows = [list(r) for r in PROJECT]
    at = rows.index(
        ["绩效指标", "一级指标", "二级指标", "三级指标", "分值", "得分", "全年指标值", "全年实际值"]
    )
    rows[at][1] = "壹级措标"
    records, findings = _records(rows_to_grid(rows))
    assert any("壹级措标" in f.message for f in findings)
    levels = {r.item: (r.level1, r.level2) for r in records if r.section == "indicators"}
    assert levels["改造路口"] == ("产出指标", "数量指标")
    assert levels["系统可用率"] == ("产出指标", "质量指标")
    assert levels["市民满意度"] == ("满意度指标", "服务对象满意度指标")


def test_goal_texts_under_no_header_of_theirs_are_findings_not_guessed_measures():
    # 预期目标 misread: the goals header row is not one, so the texts under it stand under the
    # funds headers, which name no goals measure; which text is which is not guessed
    rows = [list(r) for r in PROJECT]
    at = rows.index(["年度总体目标", ("预期目标", 4), ("实际完成情况", 3)])
    rows[at] = ["年度总体目标", ("预斯目杯", 4), ("实际完成情况", 3)]
    records, findings = _records(rows_to_grid(rows))
    assert not [r for r in records if r.section == "goals"]
    messages = " ".join(f.message for f in findings if f.rule == "unknown_header")
    assert "建成信号控制系统" in messages and "已建成" in messages


def test_a_text_row_under_the_indicators_with_an_unknown_label_is_a_finding():
    # `评价结论 | its text` misread as `评价洁论`: the text runs on across the value columns, so it
    # is no indicator (it had become one, with no values, and was gone)
    rows = [*[list(r) for r in PROJECT], [("评价洁论", 2), ("项目按期完成，效果良好。", 6)]]
    records, findings = _records(rows_to_grid(rows))
    assert any("项目按期完成，效果良好。" in f.message for f in findings)
    assert not [r for r in records if "评价洁论" in (r.item, r.level1) or "效果良好" in r.item]


def test_rows_under_another_sections_block_label_are_findings_not_open_items(tmp_path):
    # the 总体目标 header of a transfer form misread: the goal texts, under the block label
    # 总体目标完成情况, stood under the 资金管理情况 headers, whose items are open, and became
    # management items with no finding
    from datetime import UTC, datetime

    import docx
    from conftest import FIXTURES

    from pipeline.run.read import ingest_file

    document = docx.Document(str(FIXTURES / "families" / "synthetic-f06-wufeng.docx"))
    header = next(
        cell
        for row in document.tables[0].rows
        for cell in row.cells
        if cell.text.strip() == "总体目标"
    )
    for paragraph in header.paragraphs:
        for run in paragraph.runs:
            run.text = ""
    header.paragraphs[0].add_run("总体日标")
    path = tmp_path / "misread.docx"
    document.save(str(path))
    result = ingest_file(path, path.name, CATALOG, datetime.now(UTC))
    goal = "落实就业创业扶持政策，城镇新增就业1500人以上，开展职业技能培训800人次以上。"
    assert not [v for v in result.values if goal in (v.item, v.value_raw)]
    assert any(goal in f.message for f in result.findings)


def test_a_narrower_table_under_the_headers_of_a_wider_one_has_no_cell_past_its_edge():
    from pipeline.forms.mapping.headers import Column, ColumnMap

    cm = ColumnMap(None, [Column(4, 5, "item"), Column(0, 1, "level1")], boundary=2)
    row = sorted(rows_to_grid([["产出指标", "数量指标"]]).cells, key=lambda c: c.col)
    assert cm.cell(row, "level1") is row[0]
    assert cm.cell(row, "item") is None  # the row stops short of the 三级指标 column
    assert cm.cell(row, "weight") is None


@pytest.mark.parametrize(
    "heading",
    [
        "瓯澜市2024年度项目支出及转移支付绩效自评表汇编",
        "瓯澜市2024年度项目支出及转移支付绩效自评表汇编金额单位：万元",  # a line run into it
        "2024年度部门整体支出绩效自评表汇总",
    ],
)
def test_a_heading_over_several_forms_opens_none(heading):
    from pipeline.forms.recognize import generic_title, title_to_form

    assert title_to_form(heading, CATALOG) is None
    assert not generic_title(heading, CATALOG)


def test_a_collection_heading_printed_again_over_a_page_leaves_the_form_going_on():
    top, tail = PROJECT[:8], PROJECT[8:10]  # the page breaks before the indicators
    heading = TextLine("瓯澜市2024年度项目支出及转移支付绩效自评表汇编")
    records, _ = _records(heading, rows_to_grid(top), heading, rows_to_grid(tail))
    assert {(r.form, r.form_seq) for r in records} == {("project_eval", 0)}
    assert _value(records, section="indicators", item="改造路口", measure="actual").value_num == 112


def test_a_fixed_items_value_read_again_is_unsure_and_an_indicators_is_not():
    from pipeline.forms.mapping.repeats import repeated_items_unsure
    from pipeline.model import Slot

    def slot(section, item, measure, value):
        return Slot(section=section, item=item, measure=measure, value_raw=value)

    slots = [
        slot("funds", "年度资金总额", "budget_full_year", "2598.61"),
        slot("funds", "年度资金总额", "budget_full_year", "2598.61"),  # a title column again
        slot("indicators", "培训人次", "target", "≥100人次"),
        slot("indicators", "培训人次", "target", "≥200人次"),  # two indicators of one name
        slot("funds", "当年财政拨款", "budget_full_year", ""),
        slot("funds", "当年财政拨款", "budget_full_year", "100"),  # the first was blank
    ]
    out = repeated_items_unsure(slots, CATALOG.forms["project_eval"])
    assert [s.rests_on for s in out] == [1.0, 0.5, 1.0, 1.0, 1.0, 1.0]


def test_a_head_value_holding_another_head_label_is_unsure():
    from pipeline.forms.mapping.repeats import labelled_values_unsure
    from pipeline.model import Slot

    run_in = "实施单位\n卓原旗林业和草原局\n（盖章）"
    slots = [
        Slot(section="header", item="主管部门", measure="value", value_raw=run_in),
        Slot(section="header", item="实施单位", measure="value", value_raw="卓原旗林草局"),
        Slot(section="header", item="项目支出名称", measure="value", value_raw="草原生态保护"),
    ]
    out = labelled_values_unsure(slots, CATALOG.forms["project_eval"])
    assert [s.rests_on for s in out] == [0.5, 1.0, 1.0]


def test_a_total_row_whose_label_is_printed_in_pieces_over_the_level_columns_is_the_total():
    # a sheet printed in strips: the 总分 cell merged over the label columns comes back as a
    # piece per column, each printing 总分, not one cell spanning them
    rows = [list(r) for r in PROJECT]
    rows[-1] = ["总分", "总分", "总分", "总分", "100", "97.5", "", ""]
    records, _ = _records(rows_to_grid(rows))
    total = {r.measure: r.value_num for r in records if r.section == "total"}
    assert total == {"weight": 100.0, "score": 97.5}
    assert not [r for r in records if r.section == "indicators" and r.item == "总分"]


def test_numbers_of_several_rows_read_as_one_cell_are_unsure_and_no_number():
    # a sheet ruled only between its columns: the indicator rows' 分值 and 得分 one cell each
    rows = [list(r) for r in PROJECT]
    at = next(i for i, r in enumerate(rows) if len(r) > 3 and r[3] == "改造路口")
    rows[at] = ["^", "产出指标(60分)", "数量指标", "改造路口\n系统可用率", "30\n30", "28\n30"]
    rows[at] += ["≥120个\n≥99%", "112个\n99.5%"]
    records, _ = _records(rows_to_grid(rows))
    merged = [r for r in records if r.item == "改造路口系统可用率"]
    assert {r.measure for r in merged} == {"weight", "score", "target", "actual"}
    assert all(r.value_num is None and r.confidence < 0.8 for r in merged)


def test_group_labels_of_several_rows_read_as_one_cell_leave_their_weight_unsure():
    rows = [list(r) for r in PROJECT]
    at = next(i for i, r in enumerate(rows) if len(r) > 3 and r[3] == "改造路口")
    rows[at][1] = "产出指标(60分)\n满意度指标（30分）"  # no rule between the two groups' rows
    records, _ = _records(rows_to_grid(rows))
    weights = {r.item: r.confidence for r in records if r.section == "indicator_groups"}
    assert weights["产出指标(60分)满意度指标"] < 0.8
    assert weights["满意度指标"] == 1.0  # the group's own row further down
