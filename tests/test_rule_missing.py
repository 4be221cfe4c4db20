"""missing_required says a required cell is blank only where it is: on a scan it may hold what
could not be read, and a cell holding words is not blank (text_in_number_column or its
low_confidence finding says what it holds)."""

from __future__ import annotations

import pytest

from pipeline.checks.rules import document_findings
from pipeline.definitions import load_catalog


def _row(item, measure, num, *, text=None, source="pdf", unit="江城市水务局", section="funds"):
    return {
        "form": "project_eval",
        "form_seq": 0,
        "project": "河道保洁经费",
        "unit": unit,
        "fiscal_year": 2024,
        "section": section,
        "level1": None,
        "level2": None,
        "item": item,
        "item_seq": 0,
        "item_parent": None,
        "measure": measure,
        "value_text": text if text is not None else (f"{num:g}" if num is not None else None),
        "value_num": num,
        "value_unit": "万元",
        "comparator": None,
        "confidence": 0.97 if source == "pdf_scan" else 1.0,
        "source_format": source,
        "page": 1,
    }


def _form(source, *, unit="江城市水务局", executed=(80.0, None)):
    num, text = executed
    return [
        _row("年度资金总额", "budget_full_year", 100.0, source=source, unit=unit),
        _row("年度资金总额", "executed", num, text=text, source=source, unit=unit),
        _row("总分", "weight", 100.0, source=source, unit=unit, section="total"),
        _row("总分", "score", 93.0, source=source, unit=unit, section="total"),
    ]


def _missing(rows):
    found = document_findings("x.pdf", rows, load_catalog())
    return sorted(
        (f.item or "", f.measure or "", f.message) for f in found if f.rule == "missing_required"
    )


@pytest.mark.parametrize(
    ("source", "words"),
    [("pdf", "为空"), ("pdf_scan", "为空或未能读出（扫描件）")],
    ids=["typed", "scanned"],
)
def test_a_blank_unit_and_cell_are_told_as_the_source_can_say(source, words):
    rows = _form(source, unit=None, executed=(None, ""))
    assert _missing(rows) == [
        ("", "", f"报送单位名称{words}"),
        ("年度资金总额", "executed", f"年度资金总额 全年执行数 {words}"),
    ]


@pytest.mark.parametrize("source", ["pdf", "pdf_scan"])
def test_a_required_cell_holding_words_is_not_blank(source):
    assert _missing(_form(source, executed=(None, "B12.60H"))) == []


def test_a_filled_form_misses_nothing():
    assert _missing(_form("pdf")) == []
