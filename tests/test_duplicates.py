"""One submission sent in several files: the copy that counts, the copies left out
(`duplicate_submission`), and copies whose values differ (`duplicate_differs`), named cell by
cell on the copy that counts. Unit tests of the pieces, and fixtures/duplicates ingested whole
(its expected findings written by fixtures/build_duplicates.py from how the files were made)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES

from pipeline.checks.duplicates import (
    SHOWN_CELLS,
    Copy,
    Submission,
    cell_words,
    differing_cells,
    differing_copies,
    duplicate_submissions,
    submission_keys,
    submissions,
)
from pipeline.names import measure_names
from pipeline.run.ingest import ingest

DUPLICATES = FIXTURES / "duplicates"
EXPECTED = json.loads((FIXTURES / "duplicates.expected.json").read_text(encoding="utf-8"))


def _row(item: str, text: str | None, num: float | None = None, **over) -> dict:
    row = {
        "unit": "江城市教育局",
        "fiscal_year": 2024,
        "form": "project_eval",
        "form_seq": 0,
        "project": "学生资助资金",
        "source_format": "docx",
        "section": "funds",
        "level1": None,
        "level2": None,
        "item": item,
        "item_seq": 0,
        "measure": "executed",
        "value_text": text,
        "value_num": num,
        "value_unit": "万元" if num is not None else None,
        "comparator": None,
    }
    return {**row, **over}


FILED = {"section": "footer", "measure": "value"}


def test_copies_that_say_the_same_have_one_digest():
    """The same figures written 3,200.00 and 3200, words broken over two lines, and another
    填报日期 (which only chooses the copy): one digest."""
    a = [
        _row("年度资金总额", "3,200.00", 3200.0),
        _row("说明", "按期\n完成", measure="note"),
        _row("填报日期", "2024-03-01", **FILED),
    ]
    b = [
        _row("年度资金总额", "3200", 3200.0),
        _row("说明", "按期完成", measure="note"),
        _row("填报日期", "2024-03-20", **FILED),
    ]
    (ka,), (kb,) = submission_keys(a), submission_keys(b)
    assert ka["digest"] == kb["digest"]
    assert (ka["filed"], kb["filed"]) == ("2024-03-01", "2024-03-20")


@pytest.mark.parametrize(
    "other",
    [
        _row("年度资金总额", "3,300.00", 3300.0),
        _row("年度资金总额", "3,200.00", 3200.0, value_unit="元"),
        _row("年度资金总额", "≥3,200.00", 3200.0, comparator=">="),
        _row("年度资金总额", "3,200.00", 3200.0, item_seq=1),
    ],
    ids=["another-number", "another-unit", "a-comparator", "another-row"],
)
def test_a_copy_that_says_otherwise_has_another_digest(other):
    (same,) = submission_keys([_row("年度资金总额", "3,200.00", 3200.0)])
    (changed,) = submission_keys([other])
    assert same["digest"] != changed["digest"]


def test_differing_cells_name_both_texts_and_a_cell_only_one_copy_has():
    counted = {("funds", None, None, "年度资金总额", 0, "executed"): ("3,200.00", ("n", 3200.0))}
    counted[("funds", None, None, "年度资金总额", 0, "budget_full_year")] = ("3,300.00", ("n", 1))
    other = {("funds", None, None, "年度资金总额", 0, "executed"): ("3,100.00", ("n", 3100.0))}
    other[("footer", None, None, "备注", 0, "value")] = ("补报", ("t", "补报"))
    assert differing_cells(counted, other) == [
        (("funds", None, None, "年度资金总额", 0, "executed"), "3,200.00", "3,100.00"),
        (("funds", None, None, "年度资金总额", 0, "budget_full_year"), "3,300.00", None),
        (("footer", None, None, "备注", 0, "value"), None, "补报"),
    ]


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        (("funds", None, None, "年度资金总额", 0, "executed"), "资金 年度资金总额 全年执行数"),
        (
            ("indicators", "产出指标", "数量指标", "公交线路", 0, "actual"),
            f"绩效指标 产出指标 数量指标 公交线路 {measure_names()['actual']}",
        ),
        (("header", None, None, "主管部门", 0, "value"), "表头 主管部门"),
        (("funds", None, None, "其他资金", 1, "executed"), "资金 其他资金 （第2行） 全年执行数"),
    ],
    ids=["funds", "indicator", "header", "second-row-of-a-name"],
)
def test_a_cell_is_said_in_the_forms_words(cell, words):
    assert cell_words(cell, measure_names()) == words


def _copy(order: int, path: str, digest: str, **key) -> Copy:
    base = {"unit": "江城市教育局", "fiscal_year": 2024, "form": "dept_eval", "form_seq": 0}
    base |= {"project": None, "source_format": "docx", "filed": None, "digest": digest}
    return Copy(order, path, base | key)


def test_equal_copies_get_no_finding_and_their_cells_are_not_read():
    sent = submissions(
        [("a.docx", [_copy(0, "a.docx", "x").key]), ("b.pdf", [_copy(1, "b.pdf", "x").key])]
    )
    assert [s.counted.source_path for s in sent] == ["a.docx"]

    def never(wanted):
        raise AssertionError(f"read {wanted}")

    assert differing_copies(sent, never) == []
    (left_out,) = duplicate_submissions(sent)
    assert left_out.source_path == "b.pdf" and "以 a.docx 为准" in left_out.message


def test_a_differing_copy_is_named_on_the_copy_that_counts_with_its_cells():
    counted, other = _copy(0, "a.docx", "x"), _copy(1, "修改稿.docx", "y")
    sent = [Submission("江城市教育局 2024年度 部门整体支出绩效自评表", counted, (other,))]
    cell = ("funds", None, None, "年度资金总额", 0, "executed")

    def read(wanted):
        assert wanted == {counted.place, other.place}
        return {
            counted.place: {cell: ("3,200.00", ("n", 3200.0))},
            other.place: {cell: ("3,100.00", ("n", 3100.0))},
        }

    (found,) = differing_copies(sent, read)
    assert (found.rule, found.severity, found.source_path) == (
        "duplicate_differs",
        "warning",
        "a.docx",
    )
    assert (found.form, found.form_seq) == ("dept_eval", 0)
    assert (found.section, found.item, found.measure) == ("funds", "年度资金总额", "executed")
    assert "资金 年度资金总额 全年执行数：本文件 3,200.00，修改稿.docx 3,100.00" in found.message
    assert "有 1 处不一致" in found.message and "扫描件" not in found.message


def test_a_differing_scan_is_said_to_be_a_scan():
    counted, other = _copy(0, "a.docx", "x"), _copy(1, "b.pdf", "y", source_format="pdf_scan")
    cell = ("total", None, None, "总分", 0, "score")

    def read(wanted):
        return {
            counted.place: {cell: ("98", ("n", 98.0))},
            other.place: {cell: ("96", ("n", 96.0))},
        }

    (found,) = differing_copies([Submission("x", counted, (other,))], read)
    assert "：总分 得分：本文件 98，b.pdf 96" in found.message  # the 总分 row said once
    assert "另一份是扫描件" in found.message


def test_a_message_names_the_first_cells_and_counts_the_rest():
    counted, other = _copy(0, "a.docx", "x"), _copy(1, "b.docx", "y")
    cells = [
        ("indicators", "产出指标", "数量指标", f"指标{i}", 0, "actual")
        for i in range(SHOWN_CELLS + 3)
    ]

    def read(wanted):
        return {
            counted.place: {c: (f"{i}条", ("n", float(i))) for i, c in enumerate(cells)},
            other.place: {c: (f"{i + 1}条", ("n", float(i + 1))) for i, c in enumerate(cells)},
        }

    (found,) = differing_copies([Submission("x", counted, (other,))], read)
    assert f"有 {SHOWN_CELLS + 3} 处不一致" in found.message
    assert "另有 3 处不一致" in found.message
    assert f"指标{SHOWN_CELLS - 1}" in found.message and f"指标{SHOWN_CELLS} " not in found.message
    assert found.section is None and found.item is None  # several cells: no one cell is pointed at


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("duplicates-out")
    ingest(DUPLICATES, out, workers=2)
    return out


def test_the_copies_left_out_are_named_and_the_counted_copy_is_not(season):
    findings = pd.read_parquet(season / "findings.parquet")
    left = findings[findings.rule == "duplicate_submission"]
    assert sorted(zip(left.source_path, left.form, strict=True)) == sorted(
        (path, form) for path in EXPECTED["left_out"] for form in EXPECTED["forms"]
    )
    assert all(f"以 {EXPECTED['counted']} 为准" in m for m in left.message)
    differing = (left.source_path == EXPECTED["differs"]["other"]) & (
        left.form == EXPECTED["differs"]["form"]
    )
    assert left[differing].message.str.contains("两份内容不一致").all() and differing.sum() == 1
    assert left[~differing].message.str.endswith("两份内容一致").all()


def test_the_revised_copy_is_a_finding_naming_its_differing_cells(season):
    findings = pd.read_parquet(season / "findings.parquet")
    differs = findings[findings.rule == "duplicate_differs"]
    (row,) = differs.itertuples()  # the copy sent again byte for byte differs in nothing
    want = EXPECTED["differs"]
    assert (row.source_path, row.form, row.project) == (
        EXPECTED["counted"],
        want["form"],
        EXPECTED["project"],
    )
    assert row.severity == "warning"
    assert f"有 {len(want['cells'])} 处不一致" in row.message
    for cell in want["cells"]:
        words = cell_words(
            (cell["section"], cell["level1"], cell["level2"], cell["item"], 0, cell["measure"]),
            measure_names(),
        )
        assert f"{words}：本文件 {cell['counted']}，{want['other']} {cell['other']}" in row.message


def test_the_views_count_the_submission_once_and_carry_the_difference(season):
    import duckdb

    con = duckdb.connect(str(season / "selfeval.duckdb"), read_only=True)
    try:
        projects = con.execute(
            "SELECT source_path, copies, findings FROM project_summary"
        ).fetchall()
        by_document = con.execute(
            "SELECT duplicate_differs FROM findings_by_document WHERE source_path = ?",
            [EXPECTED["counted"]],
        ).fetchone()
    finally:
        con.close()
    assert projects == [(EXPECTED["counted"], 3, 1)]
    assert by_document == (1,)


def test_the_workbook_lists_the_difference_under_its_chinese_name(season, tmp_path):
    from openpyxl import load_workbook

    from pipeline.checks.catalogue import RULES
    from pipeline.publish.export import export_xlsx

    book = load_workbook(export_xlsx(season, tmp_path / "汇总.xlsx"))
    ws = book["问题清单"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    (row,) = [r for r in rows if r["规则"] == RULES["duplicate_differs"].name]
    assert row["文件"] == EXPECTED["counted"] and EXPECTED["differs"]["other"] in row["说明"]
    left = [r for r in book["重复报送"].iter_rows(min_row=2, values_only=True)]
    assert sorted({r[0] for r in left}) == sorted(EXPECTED["left_out"])
    (counted,) = book["项目汇总"].iter_rows(min_row=2, values_only=True)
    assert counted[0] == EXPECTED["counted"]  # the submission once, as its counted copy
