"""Normalization, table-driven: each row is what a clerk wrote and what the contract says it is."""

from __future__ import annotations

import pytest

from pipeline.definitions import load_catalog
from pipeline.forms.normalize import mixed_script, normalize_date, normalize_label

PARSER = load_catalog().vocabulary.parser

# raw, default unit, value_text, value_num, value_unit, comparator
VALUES = [
    ("3,357.52", "万元", "3,357.52", 3357.52, "万元", None),
    ("91.02%", "%", "91.02%", 91.02, "%", None),
    ("91.02%　", "%", "91.02%", 91.02, "%", None),
    ("≤8017.61万元", None, "≤8017.61万元", 8017.61, "万元", "≤"),
    ("≥12次", None, "≥12次", 12.0, "次", "≥"),
    ("≥100百分比", None, "≥100百分比", 100.0, "%", "≥"),
    ("达到99%", None, "达到99%", 99.0, "%", "≥"),
    ("不低于90%", None, "不低于90%", 90.0, "%", "≥"),
    ("不少于20家", None, "不少于20家", 20.0, "家", "≥"),
    ("不超过5天", None, "不超过5天", 5.0, "天", "≤"),
    ("≥0.1等", None, "≥0.1等", 0.1, "等", "≥"),  # 耕地质量等级 raised by a grade
    ("≥0.5个等级", None, "≥0.5个等级", 0.5, "等", "≥"),
    ("≤0.9‰", None, "≤0.9‰", 0.9, "‰", "≤"),  # 森林火灾受害率: per mille, never rescaled
    ("0.12‰", "%", "0.12‰", 0.12, "‰", None),  # its own sign wins over a rate column's %
    ("≤2‱", None, "≤2‱", 2.0, "‱", "≤"),
    ("一等奖", None, "一等奖", None, None, None),
    ("不高于3%", None, "不高于3%", 3.0, "%", "≤"),
    ("＞95％", None, "＞95%", 95.0, "%", ">"),  # only ％ is folded; ＞ is kept
    ("１２３．５", "万元", "123.5", 123.5, "万元", None),
    ("－3.5", "万元", "-3.5", -3.5, "万元", None),
    ("9.10", "分", "9.10", 9.1, "分", None),
    ("　10", "分", "10", 10.0, "分", None),
    ("127　", "人", "127", 127.0, "人", None),
    ("1,234,567", "元", "1,234,567", 1234567.0, "元", None),
    ("≤52318.6\n4万元", None, "≤52318.6\n4万元", 52318.64, "万元", "≤"),
    ("一月一总结", None, "一月一总结", None, None, None),
    ("8小时不间断", None, "8小时不间断", None, None, None),
    # a measure word no list holds keeps its number, the word as the unit
    ("≥60厘米", None, "≥60厘米", 60.0, "厘米", "≥"),
    ("0宗", None, "0宗", 0.0, "宗", None),
    ("14例", None, "14例", 14.0, "例", None),
    ("3所学校", None, "3所学校", None, None, None),
    ("10月底", None, "10月底", None, None, None),
    ("200余人", None, "200余人", None, None, None),
    ("90分以上", None, "90分以上", None, None, None),
    ("≥36万辆次", None, "≥36万辆次", 360000.0, "辆次", "≥"),  # 万 × a word no list holds
    ("≥120台（套）", None, "≥120台（套）", 120.0, "台(套)", "≥"),
    ("95%（含）", "%", "95%（含）", None, None, None),
    ("无", None, "无", None, None, None),
    ("100%以上", "%", "100%以上", None, None, None),
    ("1、协助市委\n2、负责文书", None, "1、协助市委\n2、负责文书", None, None, None),
    ("“三公”经费", None, "“三公”经费", None, None, None),
    ("——", "万元", None, None, None, None),
    ("—", "万元", None, None, None, None),
    ("-", "万元", None, None, None, None),
    ("/", "万元", None, None, None, None),
    ("……", "万元", None, None, None, None),
    ("", "万元", None, None, None, None),
    ("　", "万元", None, None, None, None),
    # contract v2: 万 and 萬 after an amount, glyph and word comparators, compound units
    ("5.8万", "万元", "5.8万", 5.8, "万元", None),
    ("10萬", "万元", "10萬", 10.0, "万元", None),
    ("≥1.2万", None, "≥1.2万", 12000.0, None, "≥"),
    ("≧20000亩", None, "≧20000亩", 20000.0, "亩", "≥"),
    ("﹦100%", None, "﹦100%", 100.0, "%", "="),
    (">=530元/人*月", None, ">=530元/人*月", 530.0, "元/人*月", "≥"),
    ("4753.66万元", "万元", "4753.66万元", 4753.66, "万元", None),
    ("7.50.", "万元", "7.50.", 7.5, "万元", None),
    ("￥1,234.50", "万元", "￥1,234.50", 1234.5, "万元", None),
]

# A multiplier (万, 亿, 千: the vocabulary's unit_prefixes) before a unit other than money gives
# the number in the base unit, so a sum by unit is right; money keeps it in the unit (万元).
SCALED = [
    ("≥68万亩", None, "≥68万亩", 680000.0, "亩", "≥"),
    ("5万人次", None, "5万人次", 50000.0, "人次", None),
    ("≥185万㎡", None, "≥185万㎡", 1850000.0, "㎡", "≥"),  # a CJK unit symbol after 万
    ("12万页", None, "12万页", 120000.0, "页", None),
    ("≥3万平方米", None, "≥3万平方米", 30000.0, "㎡", "≥"),  # an alias: the canonical unit
    ("≥185万㎡", None, "≥185万㎡", 1850000.0, "㎡", "≥"),  # a unit sign after the multiplier
    ("10萬人次", None, "10萬人次", 100000.0, "人次", None),
    ("2亿人次", None, "2亿人次", 200000000.0, "人次", None),
    ("3千人", None, "3千人", 3000.0, "人", None),
    ("不少于1.5万户", None, "不少于1.5万户", 15000.0, "户", "≥"),
    ("＜0.5万吨", None, "＜0.5万吨", 5000.0, "吨", "<"),  # ＜ is kept in the text
    # a compound unit: the base unit, then the rest as written
    ("3万人次/年", None, "3万人次/年", 30000.0, "人次/年", None),
    ("≥2万台（套）", None, "≥2万台（套）", 20000.0, "台(套)", "≥"),
    # the same, counted each time (头次 or 羽次)
    ("≥2200万头（羽）次", None, "≥2200万头（羽）次", 22000000.0, "头(羽)次", "≥"),
    ("2356万头(羽)次", None, "2356万头(羽)次", 23560000.0, "头(羽)次", None),
    ("≥2.5万株", None, "≥2.5万株", 25000.0, "株", "≥"),
    # unknown measure words after a multiplier
    ("55万辆次", None, "55万辆次", 550000.0, "辆次", None),
    ("≥1.2万羽", None, "≥1.2万羽", 12000.0, "羽", "≥"),
    # exactly the decimals written, never 11000.000000000002
    ("1.1万人", None, "1.1万人", 11000.0, "人", None),
    ("0.07万人次", None, "0.07万人次", 700.0, "人次", None),
    ("1.2万", None, "1.2万", 12000.0, None, None),
    ("3.3万吨", None, "3.3万吨", 33000.0, "吨", None),
    ("1.23456亿人次", None, "1.23456亿人次", 123456000.0, "人次", None),
    # units of their own that begin with 千 are not 千 × something
    ("5千瓦", None, "5千瓦", 5.0, "千瓦", None),
    ("2万千瓦", None, "2万千瓦", 20000.0, "千瓦", None),
    ("12千米", None, "12千米", 12.0, "公里", None),
    ("8千克", None, "8千克", 8.0, "千克", None),
    # money keeps its multiplier in the unit, whatever the measure
    ("≤500万元", None, "≤500万元", 500.0, "万元", "≤"),
    ("2亿元", None, "2亿元", 2.0, "亿元", None),
    ("3千元", None, "3千元", 3.0, "千元", None),
    ("5.8亿", "万元", "5.8亿", 5.8, "亿元", None),
    ("1.2万", "元", "1.2万", 1.2, "万元", None),
    ("5万元/人", None, "5万元/人", 5.0, "万元/人", None),
    # a bare multiplier: the number times it, in the measure's unit
    ("≥1.2万", "人", "≥1.2万", 12000.0, "人", "≥"),
    # words after the unit make it text, as before
    ("500万元以上", None, "500万元以上", None, None, None),
    ("1万人次以上", None, "1万人次以上", None, None, None),
    ("约5万亩", None, "约5万亩", None, None, None),
    ("10万左右", None, "10万左右", None, None, None),
    # a unit declared in a column of its own (度量单位 万人次) or a header note: the same rule
    ("5", "万人次", "5", 50000.0, "人次", None),
    ("≥18", "万人次", "≥18", 180000.0, "人次", "≥"),
    ("1.2", "万吨", "1.2", 12000.0, "吨", None),
    ("30", "万㎡", "30", 300000.0, "㎡", None),
    ("4", "万辆次", "4", 40000.0, "辆次", None),  # a unit column word no list holds
    ("5", "万元/人", "5", 5.0, "万元/人", None),  # money per head: as the cell `5万元/人` is
    ("6", "万", "6", 60000.0, None, None),  # a unit column that says only 万
    ("5万人次", "万人次", "5万人次", 50000.0, "人次", None),  # the cell's own unit first
    ("1.2万", "万人次", "1.2万", None, None, None),  # 万 under 万人次: which is meant is unsure
    ("96", "%", "96", 96.0, "%", None),
]


@pytest.mark.parametrize(("raw", "default", "text", "num", "unit", "cmp"), VALUES, ids=repr)
def test_value(raw, default, text, num, unit, cmp):
    parsed = PARSER.parse(raw, default)
    assert (parsed.value_text, parsed.value_num, parsed.value_unit, parsed.comparator) == (
        text,
        num,
        unit,
        cmp,
    )


@pytest.mark.parametrize(("raw", "default", "text", "num", "unit", "cmp"), SCALED, ids=repr)
def test_a_multiplier_gives_the_base_unit(raw, default, text, num, unit, cmp):
    parsed = PARSER.parse(raw, default)
    assert (parsed.value_text, parsed.value_num, parsed.value_unit, parsed.comparator) == (
        text,
        num,
        unit,
        cmp,
    )


@pytest.mark.parametrize(
    ("word", "unit"),
    [
        ("万元", "万元"),
        ("元", "元"),
        ("万人次", "万人次"),  # the multiplier kept: the values under it are scaled
        ("万平方米", "万㎡"),
        ("平方米", "㎡"),
        ("人次", "人次"),
        ("50分", None),
        ("万", None),
        ("2024年完工项目", None),
        ("一个专项一行", None),
    ],
    ids=repr,
)
def test_declared_unit(word, unit):
    assert PARSER.declared_unit(word) == unit


def test_a_unit_column_word_keeps_its_multiplier_for_the_values():
    assert PARSER.unit_of("万人次") == "万人次"
    assert PARSER.unit_of("人次") == "人次"


def test_text_measure_is_never_a_number():
    parsed = PARSER.parse("8889664", None, numeric=False)
    assert (parsed.value_text, parsed.value_num) == ("8889664", None)


LABELS = [
    ("财政供养人员情况（人）", "财政供养人员情况", "人", None),
    ("市级专项资金（一个专项一行）", "市级专项资金", "一个专项一行", None),
    ("楼堂馆所控制情况\n（2024年完工项目）", "楼堂馆所控制情况", "2024年完工项目", None),
    ("   1、公务用车购置和维护经费", "公务用车购置和维护经费", None, None),
    ("      其中：公车购置", "公车购置", None, None),
    ("其中：当年财政拨款　", "当年财政拨款", None, None),
    ("2.出国经费", "出国经费", None, None),
    ("（3）乡村振兴衔接资金", "乡村振兴衔接资金", None, None),
    ("(1)乡村振兴衔接资金", "乡村振兴衔接资金", None, None),
    ("一、项目支出：", "项目支出", None, None),
    ("项目支\n出名称", "项目支出名称", None, None),
    ("经济效\n益指标", "经济效益指标", None, None),
    ("产出指标\n\n(50分)", "产出指标", "50分", "(50分)"),
    ("效益指标\n\n（30分）\n　", "效益指标", "30分", "（30分）"),
    ("满意度\n指标\n（10分）", "满意度指标", "10分", "（10分）"),
    ("水费、电费", "水费、电费", None, None),
    ("2024年实际在职人数", "2024年实际在职人数", None, None),
    ("3.5G基站建设", "3.5G基站建设", None, None),
]


@pytest.mark.parametrize(("raw", "label", "note", "weight"), LABELS, ids=repr)
def test_label(raw, label, note, weight):
    got = normalize_label(raw)
    assert (got.text, got.note, got.weight_raw) == (label, note, weight)


@pytest.mark.parametrize(
    ("raw", "date"),
    [
        ("2025.6.25", "2025-06-25"),
        ("2024年4月18日", "2024-04-18"),
        ("2025-6-5", "2025-06-05"),
        ("2025/12/01", "2025-12-01"),
        ("２０２５．６．２５", "2025-06-25"),
        ("2025.13.01", None),
        ("六月", None),
        ("", None),
    ],
    ids=repr,
)
def test_date(raw, date):
    assert normalize_date(raw) == date


@pytest.mark.parametrize(
    "text, mixed",
    [
        ("休漁期內", False),  # traditional throughout
        ("休渔期内", False),  # simplified throughout
        ("休漁期内", True),  # 內 read as its simplified form beside a traditional 漁
        ("显著提高服务质量", False),
        ("2024年8月底前", False),
    ],
)
def test_a_text_in_both_scripts_is_told(text, mixed):
    assert mixed_script(text) is mixed


@pytest.mark.parametrize(
    ("raw", "num"),
    [
        ("12\n10\n10\n8", None),  # the 分值 of four rows no rule parted, read as one cell
        ("≥50万页\n100%", None),
        ("12\n10\n1097.61", None),
        ("12\n10", None),  # two rows' 分值: no cell wraps a number after two digits
        ("≤52318.6\n4万元", 52318.64),  # wrapped inside its digits
        ("3,357.\n52", 3357.52),  # a number wrapped in a narrow cell at its point
        ("1,000\n万元", 1000.0),  # its unit wrapped on to the next line
        ("97.5", 97.5),
    ],
    ids=repr,
)
def test_numbers_stacked_one_a_line_are_no_number(raw, num):
    assert PARSER.parse(raw, "分").value_num == num
