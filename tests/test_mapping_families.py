"""The layout rules of contract v2, one small hand-written grid each.

Every expectation is what the contract (`../shared/contract.md`: the `values` columns, the
sections table, "More header meanings", "Normalization") or `real-forms/variants.md` says the
layout means; none was read off a run of the code. A case that does not map as the contract
says is marked xfail(strict=True) with the reason.
"""

from __future__ import annotations

import pytest
from conftest import rows_to_grid

from extractors import Document, TextLine
from pipeline.definitions import load_catalog
from pipeline.forms.mapping import form_to_slots
from pipeline.forms.recognize import document_to_forms
from pipeline.forms.records import SourceInfo, forms_to_records

CATALOG = load_catalog()
KNOWN_MEASURES = set(CATALOG.vocabulary.measures)


def _map(*blocks):
    """The forms found in the blocks, their records and the mapping's findings."""
    document = Document(blocks=tuple(blocks), source_format="docx")
    forms = document_to_forms(document, CATALOG)
    mapped, findings = [], []
    for form in forms:
        slots, found = form_to_slots(form, CATALOG)
        mapped.append((form, slots))
        findings.extend(found)
    source = SourceInfo("x.docx", "0" * 64, "docx", None, "test")  # type: ignore[arg-type]
    return forms, forms_to_records(mapped, source, CATALOG.vocabulary), findings


def _records(*blocks):
    _, records, findings = _map(*blocks)
    return records, findings


def _where(records, **where):
    return [r for r in records if all(getattr(r, k) == v for k, v in where.items())]


def _one(records, **where):
    hits = _where(records, **where)
    assert len(hits) == 1, (where, [(r.item, r.measure, r.value_raw) for r in hits])
    return hits[0]


TITLE = [("2023年度项目支出绩效自评表", 8)]
HEAD = [
    [("项目名称", 2), ("乡村道路养护", 6)],
    [("主管部门", 2), ("县交通运输局", 2), ("实施单位", 2), ("县公路事务中心", 2)],
]
FUNDS = [
    ["项目资金\n（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ["^", "年度资金总额", "100", "100", "90", "10", "90%", "9"],
]


def _project(*rows):
    """A project form: title, head, a funds block, then the rows given."""
    return rows_to_grid([TITLE, *HEAD, *FUNDS, *rows])


# --- a target split over 指标性质 | 指标值 | 度量单位 ------------------------------------------


def _assert_one_split_target(records) -> None:
    target = _one(records, section="indicators", item="道路养护里程", measure="target")
    assert target.value_raw == "≥ 95 %"
    assert target.value_num == 95.0
    assert target.comparator == "≥"
    assert target.value_unit == "%"
    assert (target.level1, target.level2) == ("产出指标", "数量指标")
    parts = [r for r in records if r.item == "道路养护里程" and r.measure != "target"]
    assert {r.measure for r in parts} <= KNOWN_MEASURES, [r.measure for r in parts]
    assert not [r for r in parts if r.value_raw in ("≥", "95", "%")]


def test_a_split_target_under_one_header_row_is_one_target():
    grid = rows_to_grid(
        [
            [("2023年度部门预算项目支出绩效自评表", 10)],
            [("项目名称", 2), ("乡村道路养护", 8)],
            [("主管部门", 2), ("县交通运输局", 3), ("实施单位", 2), ("县公路事务中心", 3)],
            [
                "一级指标",
                "二级指标",
                "三级指标",
                "指标性质",
                "指标值",
                "度量单位",
                "完成值",
                "权重",
                "得分",
                "未完成原因分析",
            ],
            ["产出指标", "数量指标", "道路养护里程", "≥", "95", "%", "96%", "20", "20", "无"],
        ]
    )
    records, _ = _records(grid)
    _assert_one_split_target(records)
    actual = _one(records, section="indicators", item="道路养护里程", measure="actual")
    assert (actual.value_num, actual.value_unit) == (96.0, "%")


def test_a_split_target_under_a_two_row_header_is_one_target():
    grid = rows_to_grid(
        [
            [("2023年度项目支出绩效自评表", 10)],
            [("项目名称", 2), ("乡村道路养护", 8)],
            [("主管部门", 2), ("县交通运输局", 3), ("实施单位", 2), ("县公路事务中心", 3)],
            [
                "一级指标",
                "二级指标",
                "三级指标",
                ("年度指标值", 3),
                "实际完成值",
                "分值",
                "得分",
                "偏差原因分析及改进措施",
            ],
            ["^", "^", "^", "指标性质", "指标值", "度量单位", "^", "^", "^", "^"],
            ["产出指标", "数量指标", "道路养护里程", "≥", "95", "%", "96%", "20", "20", "无"],
        ]
    )
    records, _ = _records(grid)
    _assert_one_split_target(records)
    weight = _one(records, section="indicators", item="道路养护里程", measure="weight")
    assert (weight.value_num, weight.value_unit) == (20.0, "分")


def test_a_unit_column_with_a_multiplier_gives_the_target_in_the_base_unit():
    """度量单位 `万人次` and 指标值 `18`: 180000 人次, as `≥18万人次` in one cell would be; the
    actual beside it states its own unit (`19.2万人次`: 192000 人次)."""
    grid = rows_to_grid(
        [
            [("2023年度项目支出绩效自评表", 10)],
            [("项目名称", 2), ("城市公交运营补贴", 8)],
            [("主管部门", 2), ("市交通运输局", 3), ("实施单位", 2), ("市公交集团", 3)],
            [
                "一级指标",
                "二级指标",
                "三级指标",
                ("年度指标值", 3),
                "实际完成值",
                "分值",
                "得分",
                "偏差原因分析及改进措施",
            ],
            ["^", "^", "^", "指标性质", "指标值", "度量单位", "^", "^", "^", "^"],
            [
                "产出指标",
                "数量指标",
                "公交日均客运量",
                "≥",
                "18",
                "万人次",
                "19.2万人次",
                "20",
                "20",
                "",
            ],
            ["产出指标", "数量指标", "新增公交线路", "≥", "1.5", "万米", "16000米", "10", "10", ""],
        ]
    )
    records, _ = _records(grid)
    target = _one(records, section="indicators", item="公交日均客运量", measure="target")
    assert target.value_raw == "≥ 18 万人次"
    assert (target.value_num, target.value_unit, target.comparator) == (180000.0, "人次", "≥")
    actual = _one(records, section="indicators", item="公交日均客运量", measure="actual")
    assert (actual.value_num, actual.value_unit) == (192000.0, "人次")
    line = _one(records, section="indicators", item="新增公交线路", measure="target")
    assert (line.value_num, line.value_unit, line.comparator) == (15000.0, "米", "≥")


def test_a_header_note_with_a_multiplier_scales_the_column():
    """`实际完成值（万人次）` over a bare `19.2`: 192000 人次."""
    records, _ = _records(
        _project(
            [
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值（万人次）",
                "分值",
                "得分",
            ],
            ["产出指标", "数量指标", "公交日均客运量", "≥18万人次", "19.2", "20", "20"],
        )
    )
    actual = _one(records, section="indicators", item="公交日均客运量", measure="actual")
    assert (actual.value_num, actual.value_unit) == (192000.0, "人次")


def test_a_header_note_that_is_no_unit_gives_no_unit():
    """`实际完成值（定量）`: a word, not a unit the vocabulary knows; 19.2 keeps no unit."""
    records, _ = _records(
        _project(
            [
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值（定量）",
                "分值",
                "得分",
            ],
            ["产出指标", "数量指标", "公交日均客运量", "≥18", "19.2", "20", "20"],
        )
    )
    actual = _one(records, section="indicators", item="公交日均客运量", measure="actual")
    assert (actual.value_num, actual.value_unit) == (19.2, None)


# --- weights written in block labels ----------------------------------------------------------


def test_a_funds_weight_only_in_the_block_label_is_the_total_rows_weight():
    grid = rows_to_grid(
        [
            [("2023年度项目绩效自评表", 6)],
            [("项目名称", 2), ("乡村道路养护", 4)],
            [("主管部门", 2), ("县交通运输局", 1), ("实施单位", 2), ("县公路事务中心", 1)],
            [
                "预算执行情况(万元)(20分)",
                "",
                "预算数(A)",
                "执行数(B)",
                "执行率(B/A)",
                "得分(20分*执行率)",
            ],
            ["^", "年度财政资金总额", "100", "90", "90%", "18"],
        ]
    )
    records, _ = _records(grid)
    weight = _one(records, section="funds", item="年度资金总额", measure="weight")
    assert weight.value_raw == "(20分)"
    assert (weight.value_num, weight.value_unit) == (20.0, "分")
    full = _one(records, section="funds", item="年度资金总额", measure="budget_full_year")
    assert (full.value_num, full.value_unit) == (100.0, "万元")
    score = _one(records, section="funds", item="年度资金总额", measure="score")
    assert score.value_num == 18.0


def test_a_block_label_with_a_weight_is_an_indicator_group():
    records, _ = _records(
        _project(
            [
                "绩效指标(90分)",
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
            ],
            ["^", "产出指标", "数量指标", "道路养护里程", "≥95%", "96%", "90", "90"],
        )
    )
    group = _one(records, section="indicator_groups", item="绩效指标", measure="weight")
    assert group.value_raw == "(90分)"
    assert (group.value_num, group.value_unit) == (90.0, "分")
    row = _one(records, section="indicators", item="道路养护里程", measure="target")
    assert (row.level1, row.level2) == ("产出指标", "数量指标")


# --- weight and score columns that are absent ------------------------------------------------


# Hunan county 专项资金绩效目标自评表 (variants.md F12): no 分值, 得分 or 总分 at all, and no
# (N分) in any label.
UNSCORED = [
    [("2020年度专项资金绩效目标自评表", 6)],
    [("专项资金名称", 2), ("农村公路建设专项", 4)],
    [("主管部门", 2), ("县交通运输局", 1), ("实施单位", 2), ("县公路事务中心", 1)],
    ["资金情况\n（万元）", "", "年初预算数", "全年预算数", "全年执行数", "执行率"],
    ["^", "年度资金总额", "100", "100", "90", "90%"],
    ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "偏差原因分析"],
    ["产出指标", "数量指标", "新建公路", "≥10公里", "10公里", "无"],
    ["效益指标", "社会效益指标", "通行条件", "改善", "明显改善", "无"],
]


def test_a_form_without_weight_or_score_columns_has_no_weight_or_score_records():
    records, _ = _records(rows_to_grid(UNSCORED))
    assert _where(records, section="indicators", item="新建公路", measure="target")
    assert _where(records, section="funds", item="年度资金总额", measure="executed")
    found = [r for r in records if r.section != "indicator_groups"]
    assert not [r for r in found if r.measure in ("weight", "score")]
    assert not _where(records, section="total")


def test_a_group_label_without_a_weight_gives_a_blank_weight_never_a_guessed_one():
    """The 一级 label cell is the group's weight slot: with no (N分) in it, the slot is blank
    (value_raw '', no number), as any blank cell is; nothing is made up."""
    records, _ = _records(rows_to_grid(UNSCORED))
    groups = _where(records, section="indicator_groups")
    assert {r.item for r in groups} == {"产出指标", "效益指标"}
    assert all((r.value_raw, r.value_num, r.value_unit) == ("", None, None) for r in groups)


# --- totals -----------------------------------------------------------------------------------

SICHUAN_INDICATORS = [
    ["一级指标", "二级指标", "三级指标", "指标值", "完成值", "权重", "得分", "未完成原因分析"],
    ["产出指标", "数量指标", "道路养护里程", "≥95%", "96%", "90", "86", "无"],
]


def test_heji_after_the_indicators_is_the_total_row():
    records, _ = _records(_project(*SICHUAN_INDICATORS, [("合计", 5), "100", "95", ""]))
    weight = _one(records, section="total", item="总分", measure="weight")
    score = _one(records, section="total", item="总分", measure="score")
    assert (weight.value_num, score.value_num) == (100.0, 95.0)
    assert weight.value_unit == score.value_unit == "分"
    # the funds total keeps its own values: 合计 here is not 年度资金总额
    executed = _one(records, section="funds", item="年度资金总额", measure="executed")
    assert executed.value_num == 90.0
    assert not _where(records, section="funds", item="年度资金总额", value_raw="95")


def test_a_rating_word_after_the_total_score_is_the_rating():
    records, _ = _records(_project(*SICHUAN_INDICATORS, [("总分", 5), "100", "96", "优"]))
    rating = _one(records, section="total", item="总分", measure="rating")
    assert rating.value_text == "优"
    assert rating.value_num is None
    assert _one(records, section="total", item="总分", measure="score").value_num == 96.0
    assert _one(records, section="total", item="总分", measure="weight").value_num == 100.0
    assert not _where(records, section="total", measure="deviation_note")


# --- which form, whose project and unit -------------------------------------------------------


def test_a_transfer_form_names_its_project_and_unit_from_its_head():
    grid = rows_to_grid(
        [
            [("转移支付(项目)名称", 2), ("农村综合改革转移支付", 4)],
            [("中央主管部门", 2), ("财政部", 1), ("地方主管部门", 2), ("四川省财政厅", 1)],
            [("资金使用单位", 2), ("某县财政局", 4)],
            ["资金情况\n（万元）", "", "全年预算数(A)", "全年执行数(B)", "执行率(B/A)", ""],
            ["^", "年度资金总额", "500", "450", "90%", ""],
            ["^", "其中：中央补助资金", "400", "380", "", ""],
            ["一级指标", "二级指标", "三级指标", "指标值", "全年实际值", "偏差原因分析"],
            ["产出指标", "数量指标", "覆盖村数", "≥20个", "22个", "无"],
        ]
    )
    forms, records, _ = _map(TextLine("中央对地方转移支付区域绩效自评表"), grid)
    assert [f.form for f in forms] == ["transfer_eval"]
    assert {r.form for r in records} == {"transfer_eval"}
    assert {r.project for r in records} == {"农村综合改革转移支付"}
    assert {r.unit for r in records} == {"某县财政局"}
    head = _one(records, section="header", item="中央主管部门", measure="value")
    assert head.value_text == "财政部"
    child = _one(records, section="funds", item="中央补助资金", measure="budget_full_year")
    assert (child.value_num, child.item_parent) == (400.0, "年度资金总额")


def test_a_title_in_traditional_characters_is_a_project_form():
    grid = rows_to_grid(
        [
            [("2022年度項目支出績效自評表", 8)],
            [("項目名稱", 2), ("鄉村道路養護", 6)],
            [("主管部門", 2), ("縣交通運輸局", 2), ("實施單位", 2), ("縣公路事務中心", 2)],
            *FUNDS,
        ]
    )
    forms, records, _ = _map(grid)
    assert [f.form for f in forms] == ["project_eval"]
    assert {r.form for r in records} == {"project_eval"}
    assert {r.fiscal_year for r in records} == {2022}
    assert {r.project for r in records} == {"乡村道路养护"}  # labels made simplified
    assert {r.unit for r in records} == {"县公路事务中心"}


def test_a_budget_code_before_a_name_is_dropped_from_unit_and_project_not_value_raw():
    grid = rows_to_grid(
        [
            TITLE,
            [("项目名称", 2), ("51000021R000000019951-工资性支出", 6)],
            [("主管部门", 2), ("县民政局", 2), ("实施单位", 2), ("[155]濉溪县民政局", 2)],
            *FUNDS,
        ]
    )
    records, _ = _records(grid)
    assert {r.project for r in records} == {"工资性支出"}
    assert {r.unit for r in records} == {"濉溪县民政局"}
    project = _one(records, section="header", item="项目支出名称", measure="value")
    assert project.value_raw == "51000021R000000019951-工资性支出"
    unit = _one(records, section="header", item="实施单位", measure="value")
    assert unit.value_raw == "[155]濉溪县民政局"


# --- rows: repeated labels, unknown columns, lost labels --------------------------------------

INDICATOR_HEADER = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]


def test_two_indicators_with_the_same_labels_get_item_seq_and_distinct_ids():
    records, _ = _records(
        _project(
            INDICATOR_HEADER,
            ["产出指标", "数量指标", "培训人次", "≥100人次", "120人次", "10", "10", "无"],
            ["^", "^", "培训人次", "≥200人次", "180人次", "10", "9", "天气影响"],
        )
    )
    targets = _where(records, section="indicators", item="培训人次", measure="target")
    assert sorted(r.item_seq for r in targets) == [0, 1]
    by_seq = {r.item_seq: r for r in targets}
    assert (by_seq[0].value_num, by_seq[1].value_num) == (100.0, 200.0)
    assert by_seq[0].record_id != by_seq[1].record_id
    ids = [r.record_id for r in records]
    assert len(ids) == len(set(ids))


def test_an_unknown_columns_values_are_not_put_under_a_neighbouring_measure():
    header = [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "得分系数(%)",
        "分值",
        "得分",
    ]
    records, findings = _records(
        _project(
            header, ["产出指标", "数量指标", "培训人次", "≥100人次", "120人次", "77", "10", "9"]
        )
    )
    row = [r for r in records if r.section == "indicators" and r.item == "培训人次"]
    known = {r.measure: r.value_raw for r in row if r.measure in KNOWN_MEASURES}
    assert known == {"target": "≥100人次", "actual": "120人次", "weight": "10", "score": "9"}
    assert not [r for r in records if r.value_raw == "77" and r.measure in KNOWN_MEASURES]
    assert any(f.rule == "unknown_header" and "得分系数" in f.message for f in findings)


def test_a_lost_level1_label_is_recovered_from_its_level2():
    records, findings = _records(
        _project(
            INDICATOR_HEADER,
            ["", "数量指标", "培训人次", "≥100人次", "120人次", "10", "10", "无"],
        )
    )
    target = _one(records, section="indicators", item="培训人次", measure="target")
    assert (target.level1, target.level2) == ("产出指标", "数量指标")
    assert not [f for f in findings if f.rule == "missing_label"]


def test_an_unrecoverable_level1_label_gives_a_missing_label_finding():
    records, findings = _records(
        _project(
            INDICATOR_HEADER,
            ["", "读者", "到馆人次", "≥1000人次", "1200人次", "10", "10", "无"],
        )
    )
    target = _one(records, section="indicators", item="到馆人次", measure="target")
    assert target.level1 is None and target.level2 == "读者"
    assert target.value_num == 1000.0  # its values are kept
    missing = [f for f in findings if f.rule == "missing_label"]
    assert len(missing) == 1
    assert missing[0].severity == "warning"
    assert missing[0].section == "indicators" and missing[0].item == "到馆人次"


@pytest.mark.parametrize(
    ("level2", "level1"),
    [
        pytest.param("质量指标", "产出指标", id="quality-output"),
        pytest.param("时效指标", "产出指标", id="timeliness-output"),
        pytest.param("成本指标", "产出指标", id="cost-output"),
        pytest.param("社会效益指标", "效益指标", id="social-benefit"),
        pytest.param("服务对象满意度指标", "满意度指标", id="satisfaction"),
    ],
)
def test_other_level2_labels_recover_their_level1(level2: str, level1: str):
    records, findings = _records(
        _project(
            INDICATOR_HEADER,
            ["", level2, "某项指标", "≥90%", "95%", "10", "10", "无"],
        )
    )
    target = _one(records, section="indicators", item="某项指标", measure="target")
    assert (target.level1, target.level2) == (level1, level2)
    assert not [f for f in findings if f.rule == "missing_label"]


# --- more of "More header meanings" -----------------------------------------------------------


def _split_target_grid(nature: str, value: str, unit: str):
    return rows_to_grid(
        [
            [("2023年度部门预算项目支出绩效自评表", 9)],
            [("项目名称", 2), ("乡村道路养护", 7)],
            [("主管部门", 2), ("县交通运输局", 3), ("实施单位", 2), ("县公路事务中心", 2)],
            [
                "一级指标",
                "二级指标",
                "三级指标",
                "指标性质",
                "指标值",
                "度量单位",
                "完成值",
                "权重",
                "得分",
            ],
            ["产出指标", "数量指标", "道路养护里程", nature, value, unit, "96", "20", "20"],
        ]
    )


@pytest.mark.parametrize(
    ("nature", "comparator"),
    [
        pytest.param("≥", "≥", id="ge"),
        pytest.param("≤", "≤", id="le"),
        pytest.param("=", "=", id="eq"),
        pytest.param("＝", "=", id="fullwidth-eq"),
        pytest.param("﹦", "=", id="small-eq-FE66"),
        pytest.param("═", "=", id="box-double-2550"),
        pytest.param("≧", "≥", id="ge-2267"),
        pytest.param("≦", "≤", id="le-2266"),
        pytest.param(">=", "≥", id="ascii-ge"),
        pytest.param("<=", "≤", id="ascii-le"),
        pytest.param("不低于", "≥", id="word-not-below"),
        pytest.param("不超过", "≤", id="word-not-above"),
    ],
)
def test_the_split_targets_comparator_comes_from_its_nature_column(nature: str, comparator: str):
    records, _ = _records(_split_target_grid(nature, "95", "%"))
    target = _one(records, section="indicators", item="道路养护里程", measure="target")
    assert target.value_raw == f"{nature} 95 %"
    assert (target.value_num, target.comparator, target.value_unit) == (95.0, comparator, "%")


def test_a_qualitative_split_target_has_no_comparator():
    records, _ = _records(_split_target_grid("定性", "好", ""))
    target = _one(records, section="indicators", item="道路养护里程", measure="target")
    assert target.comparator is None
    assert target.value_num is None
    assert target.value_text is not None and "好" in target.value_text


@pytest.mark.parametrize(
    "label",
    [
        pytest.param("总额", id="zonge"),
        pytest.param("年度财政资金总额", id="niandu-caizheng"),
        pytest.param("资金总额", id="zijin-zonge"),
        pytest.param("合计", id="heji"),
        pytest.param("年度资金总额：", id="trailing-colon"),
    ],
)
def test_the_funds_total_row_may_be_called_otherwise(label: str):
    grid = rows_to_grid(
        [
            TITLE,
            *HEAD,
            [
                "项目资金\n（万元）",
                "",
                "年初预算",
                "调整后预算数",
                "预算执行数",
                "权重",
                "预算执行率",
                "得分",
            ],
            ["^", label, "100", "120", "90", "10", "75%", "7.5"],
        ]
    )
    records, _ = _records(grid)
    executed = _one(records, section="funds", item="年度资金总额", measure="executed")
    assert executed.value_num == 90.0
    full = _one(records, section="funds", item="年度资金总额", measure="budget_full_year")
    assert full.value_num == 120.0
    rate = _one(records, section="funds", item="年度资金总额", measure="execution_rate")
    assert (rate.value_num, rate.value_unit) == (75.0, "%")
    weight = _one(records, section="funds", item="年度资金总额", measure="weight")
    assert (weight.value_num, weight.value_unit) == (10.0, "分")


def test_a_weight_column_before_the_target_is_still_the_weight():
    """Anhui and Beijing: 分值 before 年度指标值 (columns may stand in any order)."""
    header = [
        "一级指标",
        "二级指标",
        "三级指标",
        "分值",
        "年度指标值(A)",
        "全年实际值(B)",
        "得分",
        "未完成原因及拟采取的改进措施",
    ]
    records, _ = _records(
        _project(
            header, ["产出指标", "数量指标", "培训人次", "10", "≥100人次", "120人次", "9", "无"]
        )
    )
    values = {
        r.measure: r.value_raw
        for r in records
        if r.section == "indicators" and r.item == "培训人次"
    }
    assert values == {
        "weight": "10",
        "target": "≥100人次",
        "actual": "120人次",
        "score": "9",
        "deviation_note": "无",
    }


def test_a_sign_column_before_the_target_joins_it_without_a_unit_beside():
    """A system export's 计算符号 | 指标值 | 实际完成值 | 计量单位: the sign joins the target; the
    unit column, standing after the actual, is a column of its own (an unknown header)."""
    grid = rows_to_grid(
        [
            [("2023年度项目支出绩效自评表", 8)],
            [("项目名称", 2), ("会议服务保障", 6)],
            [
                "指标名称",
                "计算符号",
                "指标值",
                "实际完成值",
                "计量单位",
                "分值",
                "得分",
                "偏差原因分析及改进措施",
            ],
            ["会议次数", "≥", "12", "13", "次", "10", "10", ""],
        ]
    )
    records, findings = _records(grid)
    target = _one(records, section="indicators", item="会议次数", measure="target")
    assert (target.value_raw, target.value_num, target.comparator) == ("≥ 12", 12.0, "≥")
    assert "计量单位" in " ".join(f.message for f in findings if f.rule == "unknown_header")


_PASTED = [
    [("项目名称", 2), ("乡村道路养护", 6)],
    [("主管部门", 2), ("县交通运输局", 2), ("实施单位", 2), ("县公路事务中心", 2)],
    ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ["^", "年度资金总额", "100", "100", "95", "10", "95.00%", "9.5"],
]


def test_a_form_pasted_without_its_title_is_told_by_its_head():
    records, _ = _records(rows_to_grid(_PASTED))
    assert {r.form for r in records} == {"project_eval"}
    assert {r.project for r in records} == {"乡村道路养护"}
    assert {r.fiscal_year for r in records} == {None}  # no title, no year: missing_required says so


def test_a_table_a_line_above_calls_an_application_is_no_form():
    records, _ = _records(TextLine("附件：项目绩效目标申报表"), rows_to_grid(_PASTED))
    assert records == []


def test_one_table_holding_two_forms_gives_two_forms():
    """A Word table (or a PDF's) with the second form's title in a row of its own."""

    def form(project: str, executed: str) -> list:
        return [
            [("2023年度项目支出绩效自评表", 8)],
            [("项目名称", 2), (project, 6)],
            [
                "项目资金（万元）",
                "",
                "年初预算数",
                "全年预算数",
                "全年执行数",
                "分值",
                "执行率",
                "得分",
            ],
            ["^", "年度资金总额", "100", "100", executed, "10", f"{executed}.00%", "10"],
        ]

    records, _ = _records(rows_to_grid(form("项目甲", "100") + form("项目乙", "100")))
    executed = _where(records, section="funds", item="年度资金总额", measure="executed")
    assert [(r.form_seq, r.project) for r in executed] == [(0, "项目甲"), (1, "项目乙")]


def test_a_mirror_sites_pinyin_and_a_lost_first_character_still_name_their_labels():
    """§11.2/§11.4 of the catalogue: `學(xué)` readings after characters, and plain pages that lost
    the first character of a cell (`级预算单位名称`)."""
    grid = rows_to_grid(
        [
            [("2021年度部門整體支出績效自評表", 8)],
            [("级预算单位名称", 3), ("永州市零陵区林业局", 5)],
            [
                ("項(xiàng)目資金(萬元)", 2),
                "年初預算數",
                "全年預算數",
                "全年執行數",
                "分值",
                "執行率",
                "得分",
            ],
            [("年度資(zī)金總額", 2), "100", "100", "100", "10", "100%", "10"],
        ]
    )
    records, findings = _records(grid)
    assert {r.unit for r in records} == {"永州市零陵区林业局"}
    executed = _one(records, section="funds", item="年度资金总额", measure="executed")
    assert executed.value_num == 100.0
    assert not [f for f in findings if f.rule == "unknown_header"]


# --- a form's kind from all its evidence (issue 22) -------------------------------------------


def _transfer_body(name_label: str, extra_head: list) -> list:
    return [
        [(name_label, 2), ("林业改革发展资金", 4)],
        [("中央主管部门", 2), ("国家林草局", 1), *extra_head],
        [("资金使用单位", 2), ("某县林业局", 4)],
        ["资金情况\n（万元）", "", "全年预算数(A)", "全年执行数(B)", "执行率(B/A)", ""],
        ["^", "年度资金总额", "320", "300", "93.75%", ""],
        ["一级指标", "二级指标", "三级指标", "指标值", "全年实际值", "偏差原因分析"],
        ["产出指标", "数量指标", "造林面积", "≥1200亩", "1260亩", "无"],
    ]


def test_a_head_naming_a_transfer_outweighs_title_words_a_project_form_shares():
    grid = rows_to_grid(
        _transfer_body("转移支付(项目)名称", [("地方主管部门", 2), ("省林业局", 1)])
    )
    forms, records, findings = _map(TextLine("2023年度林业改革发展资金绩效目标自评表"), grid)
    assert [f.form for f in forms] == ["transfer_eval"]
    assert {r.project for r in records} == {"林业改革发展资金"}
    assert not [f for f in findings if f.rule == "form_kind_uncertain"]


def test_a_regional_form_naming_its_fund_as_special_fund_is_a_transfer_form():
    grid = rows_to_grid(_transfer_body("专项名称", [("省级财政部门", 2), ("省财政厅", 1)]))
    forms, records, _ = _map(TextLine("林业改革发展资金区域绩效目标自评表"), grid)
    assert [f.form for f in forms] == ["transfer_eval"]
    assert {r.project for r in records} == {"林业改革发展资金"}


def test_a_title_with_pinyin_readings_and_no_biao_with_the_year_below():
    grid = rows_to_grid(_transfer_body("轉(zhuǎn)移(yí)支(zhī)付(fù)名(míng)稱(chēng)", []))
    title = TextLine(
        "中(zhōng)央(yāng)對(duì)地(dì)方(fāng)轉(zhuǎn)移(yí)支(zhī)付(fù)績(jì)效(xiào)目(mù)標(biāo)自(zì)評(píng)"
    )
    forms, records, _ = _map(title, TextLine("（2023年度）"), grid)
    assert [f.form for f in forms] == ["transfer_eval"]
    assert {r.fiscal_year for r in records} == {2023}
    assert {r.project for r in records} == {"林业改革发展资金"}


def test_a_close_call_is_a_finding_naming_both_forms():
    grid = rows_to_grid([*FUNDS, *SICHUAN_INDICATORS])  # no head to tell them apart
    forms, _, findings = _map(TextLine("2023年度转移支付资金项目支出绩效自评表"), grid)
    assert len(forms) == 1
    close = [f for f in findings if f.rule == "form_kind_uncertain"]
    assert len(close) == 1
    assert "项目支出绩效自评表" in close[0].message
    assert "转移支付" in close[0].message


@pytest.mark.parametrize(
    "title", ["2023年度林业改革发展资金绩效目标表", "2023年度林业改革发展资金项目申报表"]
)
def test_look_alikes_still_give_no_form(title):
    grid = rows_to_grid(_transfer_body("转移支付(项目)名称", [])[:5])
    forms, records, _ = _map(TextLine(title), grid)
    assert forms == [] and records == []


# --- forms in pieces ---------------------------------------------------------------------------

TAIL = [
    ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因"],
    ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "93%", "10", "10", "无"],
    ["满意度指标", "服务对象满意度指标", "村民满意度", "≥85%", "88%", "10", "10", "无"],
]
NEXT_HEAD = [
    [("项目名称", 2), ("农村饮水安全巩固", 6)],
    [("主管部门", 2), ("县水利局", 2), ("实施单位", 2), ("县供水站", 2)],
    ["项目资金\n（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
    ["^", "年度资金总额", "60", "60", "54", "10", "90%", "9"],
]


def test_a_table_holding_one_forms_tail_and_the_next_forms_head_is_two_forms():
    grid = rows_to_grid([*TAIL, *NEXT_HEAD])
    forms, records, _ = _map(grid)
    assert [f.form for f in forms] == ["project_eval", "project_eval"]
    tail = _one(records, form_seq=0, item="群众知晓率", measure="actual")
    assert (tail.value_num, tail.project) == (93.0, None)
    assert not _where(records, form_seq=0, section="funds")
    executed = _one(records, form_seq=1, section="funds", measure="executed")
    assert (executed.value_num, executed.project) == (54.0, "农村饮水安全巩固")
    assert not _where(records, form_seq=1, item="群众知晓率")


def test_a_forms_tail_after_a_titled_form_stays_with_it_and_the_next_head_opens_a_form():
    first = _project(*SICHUAN_INDICATORS)
    cut = rows_to_grid([*TAIL[1:], *NEXT_HEAD])  # the page break cut after the headers
    forms, records, _ = _map(first, cut)
    assert [f.form for f in forms] == ["project_eval", "project_eval"]
    assert _one(records, item="村民满意度", measure="actual").project == "乡村道路养护"
    assert _one(records, form_seq=1, section="funds", measure="executed").value_num == 54.0


def test_a_title_split_over_the_first_rows_cells_is_the_title():
    grid = rows_to_grid([[("2023年度项目支出", 4), ("绩效自评表", 4)], *HEAD, *FUNDS])
    forms, records, findings = _map(grid)
    assert [f.form for f in forms] == ["project_eval"]
    assert not findings
    assert {r.fiscal_year for r in records} == {2023}
    assert {r.project for r in records} == {"乡村道路养护"}


def test_footer_labels_with_pinyin_and_a_value_ended_by_another_label():
    _, records, findings = _map(
        TextLine("2023年度项目支出绩效自评表"),
        _project(),
        TextLine(
            "填(tián)表(biǎo)人(rén)：周明远    複(fù)核(hé)人(rén)：陈立    "
            "填(tián)報(bào)日(rì)期(qī)：2024年3月5日"
        ),
        TextLine("聯(lián)繫(xì)電(diàn)話(huà)：0831-5520199"),
    )
    assert _one(records, section="footer", item="填表人").value_raw == "周明远"
    assert _one(records, section="footer", item="联系电话").value_raw == "0831-5520199"
    assert _one(records, section="footer", item="填报日期").value_text == "2024-03-05"
    unknown = [f for f in findings if f.rule == "unknown_header"]
    assert [f.item for f in unknown] == ["复核人：陈立"]


@pytest.mark.parametrize(
    "label",
    ["单位负责人签字", "单位负专人签字", "单位负责签字", "单位负责人签：1"],
    ids=["exact-no-colon", "one-changed", "one-dropped", "colon-for-last"],
)
def test_a_footer_value_ends_where_a_footer_label_read_nearly_right_begins(label):
    """A scan's footer line read as one box, its last label misread under a signature: the
    phone number before it is the number alone, never the number and the label."""
    _, records, _ = _map(
        TextLine("2023年度项目支出绩效自评表"),
        _project(),
        TextLine(f"填表人：周明远填报日期：2025年4月15日{label}"),
        TextLine(f"联系电话：0735-2226391{label}"),
    )
    assert _one(records, section="footer", item="联系电话").value_raw == "0735-2226391"
    assert _one(records, section="footer", item="填报日期").value_text == "2025-04-15"
    assert _one(records, section="footer", item="填表人").value_raw == "周明远"


def test_a_page_number_between_a_forms_tables_does_not_end_the_form():
    first = rows_to_grid([*HEAD, *FUNDS, SICHUAN_INDICATORS[0]])
    rest = rows_to_grid(SICHUAN_INDICATORS[1:])
    forms, _, _ = _map(
        TextLine("2023年度项目支出绩效自评表"), first, TextLine("第 1 页 共 2 页"), rest
    )
    assert len(forms) == 1 and len(forms[0].grids) == 2


def test_a_checklist_with_group_rows_goals_as_pairs_and_funds_lines_in_a_row():
    grid = rows_to_grid(
        [
            [("项目名称", 1), ("社区养老服务补助", 4)],
            [("主管部门", 1), ("县民政局", 1), ("实施单位", 1), ("县养老服务中心", 2)],
            [("年度总体目标", 1), ("新建社区养老服务站6个。", 4)],
            [("总体完成情况", 1), ("建成社区养老服务站6个。", 4)],
            ["指标名称", "指标解释", "自评内容/完成情况", "未完成原因", "佐证材料"],
            [("一、预算执行", 5)],
            [
                "预算执行情况",
                "反映预算资金执行情况",
                "年初预算数：80万元\n全年预算数：80万元\n全年执行数：78.4万元\n执行率：98%",
                "",
                "支付凭证",
            ],
            [("二、产出指标", 5)],
            ["新建养老服务站", "年度新建站点数量", "6个", "", "验收材料"],
        ]
    )
    forms, records, findings = _map(TextLine("2024年度项目支出绩效自评表"), grid)
    assert [f.form for f in forms] == ["project_eval"]
    goal = _one(records, section="goals", measure="expected")
    assert goal.value_raw == "新建社区养老服务站6个。"
    assert _one(records, section="goals", measure="actual").value_raw == "建成社区养老服务站6个。"
    executed = _one(records, section="funds", item="年度资金总额", measure="executed")
    assert (executed.value_num, executed.value_unit) == (78.4, "万元")
    assert _one(records, section="funds", measure="execution_rate").value_num == 98.0
    papers = _one(records, section="indicators", item="预算执行情况", measure="evidence")
    assert (papers.value_raw, papers.level1) == ("支付凭证", "预算执行")
    assert not _where(records, item="预算执行情况", measure="actual")
    built = _one(records, section="indicators", item="新建养老服务站", measure="actual")
    assert (built.value_num, built.level1, built.level2) == (6.0, "产出指标", None)
    assert not [f for f in findings if f.rule in ("missing_label", "unknown_header")]


def test_a_title_repeated_as_the_next_pages_heading_does_not_open_a_form():
    title = "2023年度项目支出绩效自评表"
    first = rows_to_grid([*HEAD, *FUNDS, SICHUAN_INDICATORS[0]])
    rest = rows_to_grid(SICHUAN_INDICATORS)  # the header row repeated on the next page
    forms, records, _ = _map(TextLine(title), first, TextLine(title), rest)
    assert len(forms) == 1 and len(forms[0].grids) == 2
    assert _one(records, item="道路养护里程", measure="actual").project == "乡村道路养护"


def test_the_same_title_over_another_forms_head_opens_that_form():
    title = "2023年度项目支出绩效自评表"
    body = rows_to_grid([*HEAD, *FUNDS])  # no title row in the table
    forms, _, _ = _map(TextLine(title), body, TextLine(title), body)
    assert len(forms) == 2


def test_an_untitled_table_naming_its_unit_is_a_dept_form():
    grid = rows_to_grid(
        [
            [("单位名称", 2), ("县文化馆", 6)],
            [
                "预算执行\n（万元）",
                "",
                "年初预算数",
                "全年预算数",
                "全年执行数",
                "分值",
                "执行率",
                "得分",
            ],
            ["^", "年度资金总额", "100", "100", "90", "10", "90%", "9"],
        ]
    )
    forms, _, findings = _map(grid)
    assert [f.form for f in forms] == ["dept_eval"]
    assert not [f for f in findings if f.rule == "form_kind_uncertain"]


def _scanned(grid):
    """The grid as an OCR reads it: every cell's confidence a little below 1."""
    from dataclasses import replace

    return replace(grid, cells=tuple(replace(c, confidence=0.97) for c in grid.cells))


@pytest.mark.parametrize(
    "total",
    ["p总分MV", "总分f'广", "总分食”", "总分7", "总分赛7"],
    ids=["letters", "tail", "quote", "digit", "digit-tail"],
)
def test_a_scanned_header_and_label_misread_name_their_meaning_with_their_values_unsure(total):
    """A scan's header that lost a character (`全年执数`) or carries specks read as letters
    (`厉年初预算数W`, `p总分MV`, `总分f'广`: a seal's ink beside it) names what it is one
    character or the specks off; its values are read, but unsure (below the 0.80 of a low_confidence finding)."""
    grid = rows_to_grid(
        [
            *HEAD_ROWS_FOR_SCANS,
            [
                "项目资金（万元）",
                "",
                "厉年初预算数W",
                "全年预算数",
                "全年执数",
                "分值",
                "执行率",
                "得分",
            ],
            ["^", "年度资金总额", "90", "100", "96", "10", "96.00%", "9.6"],
            [
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
                "偏差原因",
            ],
            ["产出指标", "数量指标", "道路养护里程", "≥120公里", "126公里", "90", "90", ""],
            [(total, 5), "100", "99.6", ""],
        ]
    )
    records, _ = _records(_scanned(grid))
    initial = _one(records, section="funds", item="年度资金总额", measure="budget_initial")
    executed = _one(records, section="funds", item="年度资金总额", measure="executed")
    assert (initial.value_num, executed.value_num) == (90.0, 96.0)
    assert initial.confidence < 0.8 and executed.confidence < 0.8
    full = _one(records, section="funds", item="年度资金总额", measure="budget_full_year")
    assert full.confidence == 0.97  # its header read right: as sure as its reading
    total = _one(records, section="total", item="总分", measure="score")
    assert total.value_num == 99.6 and total.confidence < 0.8
    # typed so in a file with a text layer, the same headers name nothing
    records, findings = _records(grid)
    assert not _where(records, section="funds", measure="executed")
    assert [f for f in findings if f.rule == "unknown_header"]


HEAD_ROWS_FOR_SCANS = [
    [("2024年度项目支出绩效自评表", 8)],
    [("项目名称", 2), ("乡村道路养护", 6)],
    [("主管部门", 2), ("某县交通运输局", 6)],
]
