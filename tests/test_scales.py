"""The multipliers before a unit, on a small vocabulary written out here."""

from __future__ import annotations

import pytest

from pipeline.forms.scales import Scales

UNITS = {
    "元": ["元"],
    "万元": ["万元"],
    "人次": ["人次"],
    "㎡": ["㎡", "平方米"],
    "千瓦": ["千瓦"],
    "公里": ["公里", "千米"],
    "米": ["米"],
    "元/人": ["元/人"],
}
SCALES = Scales.of_vocabulary({"万": 10000, "亿": 100000000, "千": 1000}, ["元"], UNITS, "以上")


@pytest.mark.parametrize(
    ("unit", "split"),
    [
        ("万人次", ("人次", "万")),
        ("亿人次", ("人次", "亿")),
        ("万平方米", ("㎡", "万")),  # an alias: its unit
        ("万㎡", ("㎡", "万")),
        ("万辆次", ("辆次", "万")),  # a measure word no list holds
        ("万", (None, "万")),
        ("人次", ("人次", None)),
        ("平方米", ("㎡", None)),
        ("千瓦", ("千瓦", None)),  # a unit of its own, not 千 × 瓦
        ("千米", ("公里", None)),
        ("万千瓦", ("千瓦", "万")),
        ("元", ("元", None)),
        ("万元", ("万元", None)),  # money keeps its multiplier
        ("亿元", ("亿元", None)),
        ("千元", ("千元", None)),
        ("万元/人", ("万元/人", None)),
        ("亿万元", ("亿万元", None)),
        ("万人次以上", ("万人次以上", None)),  # words: not a unit
        ("万以上", ("万以上", None)),
        (None, (None, None)),
    ],
    ids=repr,
)
def test_split(unit, split):
    assert SCALES.split(unit) == split


@pytest.mark.parametrize(
    ("number", "prefix", "value"),
    [
        ("1.2", "万", 12000.0),
        ("1.1", "万", 11000.0),  # 1.1 * 10000 is 11000.000000000002 in floats
        ("0.07", "万", 700.0),
        ("2.675", "亿", 267500000.0),
        ("0.3", "千", 300.0),
        ("-4.5", "万", -45000.0),
        ("19.2", None, 19.2),
    ],
    ids=repr,
)
def test_times_is_exact_to_the_decimals_written(number, prefix, value):
    assert SCALES.times(number, prefix) == value


def test_a_bare_multiplier_in_a_money_column_joins_its_unit():
    assert SCALES.money_with("万", "元") == "万元"
    assert SCALES.money_with("亿", "万元") == "亿元"
    assert SCALES.money_with("万", "人次") is None
    assert SCALES.money_with("万", None) is None


@pytest.mark.parametrize(
    ("unit", "wanyuan"),
    [("万元", 1.0), ("元", 0.0001), ("千元", 0.1), ("亿元", 10000.0), ("人次", None), (None, None)],
)
def test_an_amount_in_wanyuan_from_the_multipliers(unit, wanyuan):
    assert SCALES.in_wanyuan(unit) == wanyuan


@pytest.mark.parametrize(
    ("factors", "money", "units", "says"),
    [
        ({"万": 12000}, ["元"], UNITS, "power of ten"),
        ({"万": True}, ["元"], UNITS, "power of ten"),
        ({"万": 10000.0}, ["元"], UNITS, "power of ten"),
        ({"米": 10}, ["元"], UNITS, "are units"),
        ({"万": 10000}, ["圆"], UNITS, "money_units"),
        ({"万": 10000}, ["元"], {**UNITS, "万人次": ["万人次"]}, "万 × 人次"),
        ({"亿": 100000000}, ["元"], UNITS, "万 is needed"),
    ],
    ids=[
        "not-ten-to-a-power",
        "a-bool",
        "a-float",
        "a-unit",
        "money-unknown",
        "unit-with-万",
        "no-万-for-amounts",
    ],
)
def test_a_broken_vocabulary_is_refused(factors, money, units, says):
    with pytest.raises(ValueError, match=says):
        Scales.of_vocabulary(factors, money, units)
