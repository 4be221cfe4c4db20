"""Rules over what a file holds in part: a department sends the forms of some of its projects,
and a scan's cell may hold what could not be read.

- cross_form_mismatch: a Σ of the project forms below the dept form's 项目支出 is no
  contradiction; a Σ above it is (its projects spent more than it says it spent on projects).
- missing_required says a required cell is blank only where it is: on a scan it may hold what
  could not be read, and a cell holding words is not blank (text_in_number_column or its
  low_confidence finding says what it holds)."""

from __future__ import annotations

import pytest

from pipeline.checks.rules import document_findings
from pipeline.definitions import load_catalog


def _value(
    item,
    measure,
    num,
    *,
    form="project_eval",
    form_seq=0,
    project="河道保洁经费",
    section="funds",
    text=None,
    source="pdf",
    unit="江城市水务局",
    parent=None,
):
    return {
        "form": form,
        "form_seq": form_seq,
        "project": project,
        "unit": unit,
        "fiscal_year": 2024,
        "section": section,
        "level1": None,
        "level2": None,
        "item": item,
        "item_seq": 0,
        "item_parent": parent,
        "measure": measure,
        "value_text": text if text is not None else (f"{num:g}" if num is not None else None),
        "value_num": num,
        "value_unit": "万元",
        "comparator": None,
        "confidence": 0.97 if source == "pdf_scan" else 1.0,
        "source_format": source,
        "page": 1,
    }


def _rules(rows, rule):
    return [f for f in document_findings("x.pdf", rows, load_catalog()) if f.rule == rule]


# ---------------------------------------------------------------- cross_form_mismatch


def _file(dept_projects: float, executed: list[float]) -> list[dict]:
    dept = _value(
        "项目支出",
        "amount",
        dept_projects,
        form="dept_eval",
        project=None,
        section="funds_by_use",
        parent="年度资金总额",
    )
    projects = [
        _value("年度资金总额", "executed", spent, form_seq=seq, project=f"第{seq + 1}个项目经费")
        for seq, spent in enumerate(executed)
    ]
    return [dept, *projects]


@pytest.mark.parametrize(
    "executed",
    [[418.63], [169.8], [169.8, 120.5], [0.01]],
    ids=["all-projects", "one-of-several", "two-of-several", "a-small-one"],
)
def test_project_forms_adding_up_to_no_more_than_the_dept_figure_agree(executed):
    assert _rules(_file(418.63, executed), "cross_form_mismatch") == []


@pytest.mark.parametrize(
    ("executed", "total"),
    [([418.64], 418.64), ([300.0, 200.0], 500.0)],
    ids=["one-cent-over", "two-over"],
)
def test_project_forms_adding_up_to_more_than_the_dept_figure_contradict_it(executed, total):
    found = _rules(_file(418.63, executed), "cross_form_mismatch")
    assert [(f.form, f.item, f.expected, f.actual) for f in found] == [
        ("dept_eval", "项目支出", 418.63, total)
    ]


# ---------------------------------------------------------------- missing_required


def _form(source, *, unit="江城市水务局", executed=(80.0, None)):
    num, text = executed
    return [
        _value("年度资金总额", "budget_full_year", 100.0, source=source, unit=unit),
        _value("年度资金总额", "executed", num, text=text, source=source, unit=unit),
        _value("总分", "weight", 100.0, source=source, unit=unit, section="total"),
        _value("总分", "score", 93.0, source=source, unit=unit, section="total"),
    ]


def _missing(rows):
    found = _rules(rows, "missing_required")
    return sorted((f.item or "", f.measure or "", f.message) for f in found)


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
