"""What a column header means, one wording at a time.

Every expected name comes from the output contract (v2: the sections table, "Known ones" and
"More header meanings") or from `real-forms/variants.md` §2 (funds block) and §4 (indicator
block): the measure or indicator role the contract says a wording stands for. Nothing here was
read off a run of the code. A wording the contract names that does not resolve as it says is
marked xfail(strict=True) with the reason, to be fixed in the vocabulary or the mapper.

Test ids read `<block>-<expected>-<how written>-<n>`: pytest escapes the Chinese wording itself.
"""

from __future__ import annotations

import pytest

from pipeline.definitions import load_catalog
from pipeline.forms.mapping.headers import HeaderIndex, garbled_header, resolve_header

INDEX = HeaderIndex.of(load_catalog().vocabulary)

# (block, wording, expected name), as the contract and variants.md write them.
CONTRACT_CANONICAL = [
    # The sections table: the measures' own header words.
    ("funds", "年初预算数", "budget_initial"),
    ("funds", "全年预算数", "budget_full_year"),
    ("funds", "全年执行数", "executed"),
    ("funds", "分值", "weight"),
    ("funds", "执行率", "execution_rate"),
    ("funds", "得分", "score"),
    ("goals", "预期目标", "expected"),
    ("goals", "实际完成情况", "actual"),
    ("indicators", "年度指标值", "target"),
    ("indicators", "实际完成值", "actual"),
    ("indicators", "偏差原因分析及改进措施", "deviation_note"),
    ("total", "自评等级", "rating"),
    ("base", "编制数", "authorized_headcount"),
    ("base", "实际在职人数", "actual_headcount"),
    ("base", "控制率", "control_rate"),
    ("management", "情况说明", "text"),
    ("management", "存在问题和改进措施", "issues"),
    # "Known ones".
    ("funds", "全年预算数(A)", "budget_full_year"),
    ("funds", "全年(调整)预算数", "budget_full_year"),
    ("funds", "调整后预算数", "budget_full_year"),
    ("funds", "全年执行数(B)", "executed"),
    ("funds", "预算执行数", "executed"),
    ("funds", "执行率(B/A)", "execution_rate"),
    ("indicators", "全年指标值", "target"),
    ("indicators", "年度目标值", "target"),
    ("indicators", "全年实际值", "actual"),
    ("indicators", "偏差原因分析", "deviation_note"),
    ("indicators", "未完成原因分析", "deviation_note"),
]

MORE_FUNDS = [
    ("funds", "年初预算", "budget_initial"),
    ("funds", "调整后预算数", "budget_full_year"),
    ("funds", "调整预算数(A)", "budget_full_year"),
    ("funds", "预算数(A)", "budget_full_year"),
    ("funds", "转移支付预算数(A)", "budget_full_year"),
    ("funds", "全年(调整)预算数", "budget_full_year"),
    ("funds", "预算安排情况(调整后)", "budget_full_year"),
    ("funds", "预算执行数", "executed"),
    ("funds", "执行数(B)", "executed"),
    ("funds", "转移支付执行数(B)", "executed"),
    ("funds", "资金执行情况", "executed"),
    ("funds", "预算执行率", "execution_rate"),
    ("funds", "执行率(%)", "execution_rate"),
    ("funds", "预算执行率(B/A×100%)", "execution_rate"),
    ("funds", "预算执行进度(%)", "execution_rate"),
    ("funds", "权重", "weight"),
    ("funds", "执行率权重", "weight"),
    ("funds", "分值(10分)", "weight"),
    ("funds", "执行率得分(分)", "score"),
    ("funds", "得分(20分*执行率)", "score"),
    ("funds", "资金到位数", "funds_received"),
    ("funds", "全年到位资金", "funds_received"),
    ("funds", "原因", "deviation_note"),
    ("funds", "得分计算方法", "scoring_method"),
    # variants.md §2 beyond the contract's list: 调整预算数 without its letter, 到位数, and the
    # transfer form's (预算)执行率(B/A[×100%]) without 预算.
    ("funds", "调整预算数", "budget_full_year"),
    ("funds", "到位数", "funds_received"),
    ("funds", "执行率(B/A×100%)", "execution_rate"),
]

MORE_INDICATORS = [
    ("indicators", "指标值", "target"),
    ("indicators", "指标值(A)", "target"),
    ("indicators", "年初目标值(A)", "target"),
    ("indicators", "绩效目标值", "target"),
    ("indicators", "预期指标值", "target"),
    ("indicators", "年初指标值", "target"),
    ("indicators", "完成值", "actual"),
    ("indicators", "全年完成值", "actual"),
    ("indicators", "全年实际完成值", "actual"),
    ("indicators", "实际完成值(B)", "actual"),
    ("indicators", "实际完成指标值", "actual"),
    ("indicators", "全年实际值(B)", "actual"),
    ("indicators", "权重", "weight"),
    ("indicators", "考值", "weight"),
    ("indicators", "考值(分)", "weight"),
    ("indicators", "指标权重(分)", "weight"),
    ("indicators", "指标分值", "weight"),
    ("indicators", "指标得分(分)", "score"),
    ("indicators", "未完成原因分析", "deviation_note"),
    ("indicators", "未完成原因及拟采取的改进措施", "deviation_note"),
    ("indicators", "未完成原因和改进措施", "deviation_note"),
    ("indicators", "调整指标值", "target_adjusted"),
    ("indicators", "得分计算方法", "scoring_method"),
    ("indicators", "指标赋分规则", "scoring_method"),
    ("indicators", "评分标准", "scoring_method"),
    ("indicators", "指标说明及评分标准", "scoring_method"),
    ("indicators", "评价要点", "scoring_method"),
    ("indicators", "指标解释", "explanation"),
    ("indicators", "是否核心指标", "is_core"),
    ("indicators", "指标值设置依据", "target_basis"),
    ("indicators", "上年完成值", "prior_actual"),
    ("indicators", "佐证资料", "evidence"),
    ("indicators", "完成率", "completion_rate"),
    ("indicators", "复核分", "review_score"),
    ("indicators", "财政审核评分", "review_score"),
    # variants.md §4 beyond the contract's list.
    ("indicators", "年度指标值(A)", "target"),
    ("indicators", "单项指标实际完成值", "actual"),
    ("indicators", "未完成原因分析及改进措施", "deviation_note"),
]

ROLES = [
    ("roles", "一级指标", "level1"),
    ("roles", "二级指标", "level2"),
    ("roles", "三级指标", "item"),
    ("roles", "指标名称", "item"),
    ("roles", "指标性质", "target_comparator"),
    ("roles", "度量单位", "target_unit"),
]

# The same headers as a clerk or a page layout writes them.
LINE_BREAKS = [
    ("funds", "年初\n预算数", "budget_initial"),
    ("funds", "全年\n预算数（A）", "budget_full_year"),
    ("funds", "全年执行数\n（B）", "executed"),
    ("funds", "执行率\n（B/A）", "execution_rate"),
    ("funds", "预算执行率\n(B/A×100%)", "execution_rate"),
    ("funds", "资金\n到位数", "funds_received"),
    ("indicators", "偏差原因分析\n及改进措施", "deviation_note"),
    ("indicators", "未完成原因及拟采\n取的改进措施", "deviation_note"),
    ("indicators", "实际完成\n值(B)", "actual"),
    ("indicators", "年初目标值\n(A)", "target"),
    ("indicators", "指标\n权重(分)", "weight"),
    ("indicators", "是否核心\n指标", "is_core"),
    ("roles", "三级\n指标", "item"),
    ("roles", "指标\n性质", "target_comparator"),
    ("roles", "度量\n单位", "target_unit"),
    ("roles", "一 级 指 标", "level1"),
    ("roles", "二\u3000级\u3000指\u3000标", "level2"),
]

FULL_WIDTH = [
    ("funds", "全年预算数（A）", "budget_full_year"),
    ("funds", "全年（调整）预算数", "budget_full_year"),
    ("funds", "调整预算数（A）", "budget_full_year"),
    ("funds", "预算数（A）", "budget_full_year"),
    ("funds", "转移支付预算数（A）", "budget_full_year"),
    ("funds", "预算安排情况（调整后）", "budget_full_year"),
    ("funds", "执行数（B）", "executed"),
    ("funds", "转移支付执行数（B）", "executed"),
    ("funds", "执行率（B/A）", "execution_rate"),
    ("funds", "执行率（％）", "execution_rate"),
    ("funds", "预算执行率（B/A×100%）", "execution_rate"),
    ("funds", "预算执行进度（％）", "execution_rate"),
    ("funds", "分值（10分）", "weight"),
    ("funds", "执行率得分（分）", "score"),
    ("funds", "得分（20分*执行率）", "score"),
    ("indicators", "指标值（A）", "target"),
    ("indicators", "年初目标值（A）", "target"),
    ("indicators", "实际完成值（B）", "actual"),
    ("indicators", "全年实际值（B）", "actual"),
    ("indicators", "考值（分）", "weight"),
    ("indicators", "指标权重（分）", "weight"),
    ("indicators", "指标得分（分）", "score"),
    ("funds", "全年预算数（Ａ）", "budget_full_year"),  # a full-width letter too
]

# A year before the words: the base meaning (the prior-year role is decided by the mapper from
# the form's year, so only the words' meaning is checked here).
YEAR_PREFIX = [
    ("base", "2023年决算数", "final"),
    ("base", "2022年决算数", "final"),
    ("base", "2024年年初预算数", "budget_initial"),
    ("base", "2024年实际在职人数", "actual_headcount"),
    ("base", "2024年编制数", "authorized_headcount"),
]

TRADITIONAL = [
    ("funds", "年初預算數", "budget_initial"),
    ("funds", "全年預算數(A)", "budget_full_year"),
    ("funds", "調整後預算數", "budget_full_year"),
    ("funds", "全年執行數(B)", "executed"),
    ("funds", "預算執行數", "executed"),
    ("funds", "執行率(B/A)", "execution_rate"),
    ("funds", "預算執行率", "execution_rate"),
    ("funds", "資金到位數", "funds_received"),
    ("funds", "權重", "weight"),
    ("indicators", "年度指標值", "target"),
    ("indicators", "實際完成值", "actual"),
    ("indicators", "全年實際值(B)", "actual"),
    ("indicators", "偏差原因分析及改進措施", "deviation_note"),
    ("indicators", "未完成原因及擬採取的改進措施", "deviation_note"),
    ("indicators", "調整指標值", "target_adjusted"),
    ("indicators", "指標解釋", "explanation"),
    ("indicators", "是否核心指標", "is_core"),
    ("indicators", "佐證資料", "evidence"),
    ("indicators", "複核分", "review_score"),
    ("indicators", "財政審核評分", "review_score"),
    ("roles", "一級指標", "level1"),
    ("roles", "二級指標", "level2"),
    ("roles", "三級指標", "item"),
    ("roles", "指標名稱", "item"),
    ("roles", "指標性質", "target_comparator"),
    ("roles", "度量單位", "target_unit"),
    ("base", "2023年決算數", "final"),
]

# Headers no definition knows: a finding, never a guess.
UNKNOWN = [
    ("unknown", "绩效等级"),
    ("unknown", "得分系数(%)"),
    ("unknown", "得分系数（％）"),
]

# Cases that do not (yet) resolve as the contract says: (wording) → reason.
XFAIL: dict[str, str] = {}


def _cases(kind: str, rows: list[tuple[str, str, str]]) -> list:
    out = []
    for n, (block, text, expected) in enumerate(rows):
        marks = ()
        if text in XFAIL:
            marks = (pytest.mark.xfail(strict=True, reason=XFAIL[text]),)
        case_id = f"{block}-{expected}-{kind}-{n}-{text}"
        out.append(pytest.param(text, expected, id=case_id, marks=marks))
    return out


HEADERS = [
    *_cases("canonical", CONTRACT_CANONICAL),
    *_cases("funds", MORE_FUNDS),
    *_cases("indicators", MORE_INDICATORS),
    *_cases("role", ROLES),
    *_cases("linebreak", LINE_BREAKS),
    *_cases("fullwidth", FULL_WIDTH),
    *_cases("year", YEAR_PREFIX),
    *_cases("traditional", TRADITIONAL),
]


@pytest.mark.parametrize(("text", "expected"), HEADERS)
def test_header_means_what_the_contract_says(text: str, expected: str) -> None:
    assert resolve_header(text, INDEX).name == expected


@pytest.mark.parametrize(
    "text", [pytest.param(t, id=f"{b}-None-{n}-{t}") for n, (b, t) in enumerate(UNKNOWN)]
)
def test_a_header_no_definition_knows_resolves_to_none(text: str) -> None:
    assert resolve_header(text, INDEX).name is None


@pytest.mark.parametrize(
    ("text", "year"),
    [
        pytest.param("2023年决算数", 2023, id="year-2023-final"),
        pytest.param("2024年度实际在职人数", 2024, id="year-2024-headcount-niandu"),
        pytest.param("年初预算数", None, id="year-none"),
    ],
)
def test_the_year_written_in_a_header_is_kept_for_the_mapper(text: str, year: int | None) -> None:
    assert resolve_header(text, INDEX).year == year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("偏差原因分析及改进措", "deviation_note"),  # the last 施 cut off by a page break
        ("偏差原因分析及改", "deviation_note"),
        ("未完成原因及拟采取的改进", "deviation_note"),
        ("全年实际完成", "actual"),
        ("年初预", None),  # too short a piece to complete
        ("得分系", None),
    ],
    ids=["cut-1", "cut-3", "cut-weicuo", "cut-actual", "too-short", "unknown-piece"],
)
def test_a_header_cut_short_still_means_its_measure(text, expected):
    assert resolve_header(text, HeaderIndex.of(load_catalog().vocabulary)).name == expected


# A scanned header one character off a known one: the recogniser lost, misread or added a
# character. It names that one meaning as a guess (its values are then unsure); a header typed
# so in a file with a text layer, or one two wordings are equally near, names nothing.
SCANNED_MISREADS = [
    ("全年预数", "budget_full_year"),  # 算 lost
    ("仑年执行数", "executed"),  # 全 read 仑
    ("全年执数(B)", "executed"),  # 行 lost, the letters kept
]


@pytest.mark.parametrize(("text", "name"), SCANNED_MISREADS, ids=[n for _, n in SCANNED_MISREADS])
def test_a_scanned_header_one_character_off_names_its_meaning_as_a_guess(text, name):
    meaning = resolve_header(text, INDEX, scanned=True)
    assert (meaning.name, meaning.guessed) == (name, True)
    assert resolve_header(text, INDEX).name is None  # typed so: not a header the forms write


def test_a_header_whose_letter_note_lost_its_bracket_is_a_guess_wherever_it_is_read():
    """`执行率B/A)`: the note's bracket lost (scanned or typed so), its measure is plain; a guess,
    so its values are flagged rather than rejected."""
    for scanned in (True, False):
        meaning = resolve_header("执行率B/A)", INDEX, scanned=scanned)
        assert (meaning.name, meaning.guessed) == ("execution_rate", True)


def test_a_scanned_header_near_two_meanings_or_short_names_nothing():
    assert resolve_header("年预算数", INDEX, scanned=True).name is None  # 全年预算数 or 年初预算数
    assert resolve_header("年初预", INDEX, scanned=True).name is None  # two characters lost
    # a header the forms write is what it says, never a guess
    assert resolve_header("全年执行数", INDEX, scanned=True) == resolve_header("全年执行数", INDEX)


def test_a_scanned_header_that_is_another_word_is_no_misreading():
    # 年度预算数 differs from 年初预算数 by 度 for 初, no look-alikes: a block label, not a header
    assert resolve_header("年度预算数（万元）", INDEX, scanned=True).name is None


def test_an_unsure_header_any_one_character_off_names_the_meaning_its_row_lacks():
    """`3年预算数`: 全 under a seal's ring read as 3, no look-alike. Read unsure (through a
    seal), it is the one header it is a character off whose meaning its row does not name
    already: 本年预算数 (budget_initial) is as near, but 年初预算数 stands beside it."""
    taken = frozenset({"budget_initial", "executed"})
    meaning = garbled_header("3年预算数", INDEX, taken)
    assert meaning is not None and (meaning.name, meaning.guessed) == ("budget_full_year", True)
    assert garbled_header("3年预算数", INDEX, frozenset()) is None  # two meanings as near
    assert resolve_header("3年预算数", INDEX, scanned=True).name is None  # not sure: nothing
    assert garbled_header("3年", INDEX, frozenset()) is None  # too short to tell
    meaning = garbled_header("抵行率(B,A)", INDEX, taken)  # its letter note misread as well
    assert meaning is not None and meaning.name == "execution_rate"
    row = frozenset({"budget_initial", "budget_full_year", "executed", "weight", "execution_rate"})
    meaning = garbled_header("得", INDEX, row)  # 分 lost under a seal, the row's last header
    assert meaning is not None and meaning.name == "score"
    full = frozenset({"budget_initial", "budget_full_year", "execution_rate"})
    meaning = garbled_header("年执待数", INDEX, full)  # 全 lost, 行 read 待
    assert meaning is not None and meaning.name == "executed"
