"""The 填表人 footer: a line the layout wrapped in a narrow column comes back whole (a label
broken over the wrap is still a label), a sheet's footer row inside the table is the footer,
and a 填报日期 that is no date is said."""

from __future__ import annotations

import pytest
from conftest import rows_to_grid
from test_mapping import PROJECT, _records, _value

from extractors import BBox, TextLine
from pipeline.definitions import load_catalog
from pipeline.forms.mapping.footer import lines_to_footer

VOCABULARY = load_catalog().vocabulary
HEIGHT = 12.0


def _stacked(*texts_and_widths: tuple[str, float], x0: float = 40.0) -> tuple[TextLine, ...]:
    """Lines right under each other, each `width` points wide from the same left edge."""
    lines = []
    for i, (text, width) in enumerate(texts_and_widths):
        top = 700 + i * (HEIGHT + 2)
        lines.append(TextLine(text, 1, BBox(x0, top, x0 + width, top + HEIGHT)))
    return tuple(lines)


def _footer(lines) -> dict[str, str]:
    slots, _ = lines_to_footer(lines, VOCABULARY)
    return {s.item: s.value_raw for s in slots}


def test_a_footer_wrapped_in_a_narrow_column_is_read_whole():
    lines = _stacked(
        ("填表人：马淑华 填报", 110),
        ("日期：2025.6.25 联", 108),
        ("系电话：0931-", 80),  # a browser breaks the number at its hyphen
        ("8812345", 45),
    )
    assert _footer(lines) == {
        "填表人": "马淑华",
        "填报日期": "2025.6.25",
        "联系电话": "0931-8812345",
    }


def test_a_name_wrapped_on_to_the_next_line_keeps_its_last_character():
    lines = _stacked(("填表人：马淑", 110), ("华 填报日期：2025.6.25", 109))
    assert _footer(lines) == {"填表人": "马淑华", "填报日期": "2025.6.25"}


def test_lines_one_under_another_that_end_short_are_each_their_own():
    lines = _stacked(("填表人：何琼", 60), ("填报日期：2025.6.25", 110), ("联系电话：12345", 80))
    assert _footer(lines) == {"填表人": "何琼", "填报日期": "2025.6.25", "联系电话": "12345"}


def test_a_label_of_no_footer_item_on_the_wrapped_line_ends_the_value():
    lines = _stacked(("填表人：何琼 填报日期：2025.6.25", 200), ("审核人：王建军", 80))
    slots, unknown = lines_to_footer(lines, VOCABULARY)
    assert {s.item: s.value_raw for s in slots} == {"填表人": "何琼", "填报日期": "2025.6.25"}
    assert unknown == ["审核人：王建军"]


@pytest.mark.parametrize(
    "row",
    [
        [("填表人：马淑华 填报日期：2025.6.25 联系电话：0931-8812345", 8)],
        [("填表人：马淑华", 3), ("填报日期：2025.6.25", 3), ("联系电话：0931-8812345", 2)],
    ],
    ids=["in-one-cell", "an-item-to-a-cell"],
)
def test_a_footer_row_inside_the_table_is_the_footer(row):
    records, findings = _records(rows_to_grid([*PROJECT, row]))
    assert not [f for f in findings if f.rule == "unknown_header"], findings
    assert _value(records, section="footer", item="填表人").value_text == "马淑华"
    assert _value(records, section="footer", item="填报日期").value_text == "2025-06-25"
    assert _value(records, section="footer", item="联系电话").value_text == "0931-8812345"


def test_a_date_that_is_no_date_is_said():
    from pipeline.checks.rules import document_findings

    row = [("填表人：马淑华 填报日期：2025.6.25联", 8)]
    records, _ = _records(rows_to_grid([*PROJECT, row]))
    date = _value(records, section="footer", item="填报日期")
    assert date.value_text == "2025.6.25联"  # kept as written
    findings = document_findings("x.docx", [dict(r.__dict__) for r in records], load_catalog())
    (said,) = [f for f in findings if f.rule == "date_unreadable"]
    assert said.item == "填报日期" and "2025.6.25联" in said.message


def test_a_footer_wrapped_a_few_characters_to_a_line_is_read_whole():
    lines = _stacked(
        ("填表人：马淑", 45),
        ("芬填报日期：", 46.7),
        ("2025.6.25联", 42.5),
        ("系电话：", 30),  # the number did not fit after its label: it goes under it
        ("0938-6672219", 48.4),
        ("单位负责人签", 45),
        ("字：", 15),
    )
    assert _footer(lines) == {
        "填表人": "马淑芬",
        "填报日期": "2025.6.25",
        "联系电话": "0938-6672219",
        "单位负责人签字": "",
    }


@pytest.mark.parametrize(
    ("written", "value", "sure"),
    [
        ("0731-28836540", "0731-28836540", True),
        ("0731－2883 6540 转 802", "0731－2883 6540 转 802", True),
        ("0731-28836540单位大签字", "0731-28836540", False),  # 单位负责人签字 misread, run in
        ("0731-2883654（办）", "0731-2883654（办）", False),  # a note of its own, kept
        ("见附件", "见附件", False),
    ],
    ids=["number", "extension", "label-run-in", "note", "words"],
)
def test_a_phone_is_read_as_its_shape_has_it(written, value, sure):
    slots, _ = lines_to_footer(_stacked((f"填表人：周敏  联系电话：{written}", 400)), VOCABULARY)
    phone = next(s for s in slots if s.item == "联系电话")
    assert (phone.value_raw, phone.rests_on == 1.0) == (value, sure)


@pytest.mark.parametrize(
    ("confidence", "dates"),
    [
        pytest.param(0.6, [("2025.6.9", 0.5)], id="scanned-a-guess"),
        pytest.param(1.0, [], id="text-layer-as-written"),
    ],
)
def test_a_scanned_footer_label_a_seal_took_a_character_of_is_read_as_a_guess(confidence, dates):
    text = "填表人：韦小林填报日：2025.6.9联系电话：0771-2839104"
    line = TextLine(text, 1, BBox(0, 0, 500, 12), confidence)
    slots, _ = lines_to_footer((line,), load_catalog().vocabulary)
    got = {s.item: s for s in slots}
    assert got["填表人"].value_raw == "韦小林" and got["联系电话"].value_raw == "0771-2839104"
    assert [(s.value_raw, s.rests_on) for s in slots if s.item == "填报日期"] == dates
