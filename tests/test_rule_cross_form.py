"""cross_form_mismatch: the dept form's 项目支出 against the Σ of the project forms a file holds.
A department sends the self-evaluations of some of its projects, so a Σ below its 项目支出 is
no contradiction; a Σ above it is (its projects spent more than it says it spent on projects)."""

from __future__ import annotations

import pytest

from pipeline.checks.rules import document_findings
from pipeline.definitions import load_catalog


def _value(form, form_seq, section, item, measure, num, project=None):
    return {
        "form": form,
        "form_seq": form_seq,
        "project": project,
        "unit": "江城市市场监督管理局",
        "fiscal_year": 2024,
        "section": section,
        "level1": None,
        "level2": None,
        "item": item,
        "item_seq": 0,
        "item_parent": "年度资金总额" if section == "funds_by_use" else None,
        "measure": measure,
        "value_text": f"{num:g}",
        "value_num": num,
        "value_unit": "万元",
        "comparator": None,
        "confidence": 1.0,
        "source_format": "docx",
        "page": 1,
    }


def _file(dept_projects: float, executed: list[float]) -> list[dict]:
    rows = [_value("dept_eval", 0, "funds_by_use", "项目支出", "amount", dept_projects)]
    for seq, spent in enumerate(executed):
        project = f"第{seq + 1}个项目经费"
        rows.append(
            _value("project_eval", seq, "funds", "年度资金总额", "executed", spent, project)
        )
    return rows


def _cross_form(rows):
    return [
        (f.form, f.item, f.expected, f.actual)
        for f in document_findings("x.docx", rows, load_catalog())
        if f.rule == "cross_form_mismatch"
    ]


@pytest.mark.parametrize(
    "executed",
    [[418.63], [169.8], [169.8, 120.5], [0.01]],
    ids=["all-projects", "one-of-several", "two-of-several", "a-small-one"],
)
def test_project_forms_adding_up_to_no_more_than_the_dept_figure_agree(executed):
    assert _cross_form(_file(418.63, executed)) == []


@pytest.mark.parametrize(
    ("executed", "total"),
    [([418.64], 418.64), ([300.0, 200.0], 500.0)],
    ids=["one-cent-over", "two-over"],
)
def test_project_forms_adding_up_to_more_than_the_dept_figure_contradict_it(executed, total):
    assert _cross_form(_file(418.63, executed)) == [("dept_eval", "项目支出", 418.63, total)]
