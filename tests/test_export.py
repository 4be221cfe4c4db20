"""`python -m pipeline export OUT --xlsx FILE`: the workbook, read back with openpyxl, holds the
records of the tables with Chinese headers, a frozen header row, an autofilter and number formats."""

from __future__ import annotations

import math
import shutil
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, SEASON, expected_records, frame_rows
from openpyxl import load_workbook

from extractors.errors import ERROR_NAMES
from pipeline.checks.catalogue import RULES
from pipeline.cli import main
from pipeline.names import FORM_NAMES, SEVERITY_NAMES, STATUS_NAMES, format_name
from pipeline.run.ingest import ingest

FAMILIES = FIXTURES / "families"
DOCS = [
    SEASON / "yueyang-2024.docx",
    FAMILIES / "holdout-f06-xiyang.docx",
    FAMILIES / "cq-kexuecheng-2021-dept.pdf",
]
MONEY = ("budget_initial", "budget_full_year", "executed")
SHEETS = [
    "部门整体汇总",
    "项目汇总",
    "重复报送",
    "指标明细",
    "问题清单",
    "各文件问题数",
    "文件清单",
    "更正记录",
]
FUNDS_HEADERS = {
    "年初预算数(万元)": "budget_initial",
    "全年预算数(万元)": "budget_full_year",
    "全年执行数(万元)": "executed",
    "执行率": "execution_rate",
    "分值": "weight",
    "得分": "score",
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export-in")
    for doc in DOCS:
        shutil.copy(doc, folder / doc.name)
    # a file that fails, so the documents sheet shows one
    (folder / "broken.docx").write_bytes(b"not a zip")
    out = tmp_path_factory.mktemp("export-out")
    ingest(folder, out)
    return out


@pytest.fixture(scope="module")
def workbook_path(out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export-xlsx") / "sub" / "selfeval.xlsx"
    assert main(["export", str(out), "--xlsx", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def book(workbook_path: Path):
    return load_workbook(workbook_path)


@pytest.fixture(scope="module")
def values(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "values.parquet")


def _rows(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]


def _column(ws, header: str):
    headers = [c.value for c in ws[1]]
    index = headers.index(header) + 1
    return [row[0] for row in ws.iter_rows(min_row=2, min_col=index, max_col=index)]


def _num(x: object) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return float(x)


def _close(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def _form_figures(values: pd.DataFrame, forms: set[str]) -> dict[tuple, dict]:
    """(source_path, form, form_seq) → unit, project and the funds and 总分 figures."""
    figures: dict[tuple, dict] = {}
    for key, group in values[values.form.isin(forms)].groupby(["source_path", "form", "form_seq"]):

        def slot(section: str, item: str, measure: str, group=group) -> float | None:
            hit = group[
                (group.section == section)
                & (group["item"] == item)
                & (group.measure == measure)
                & (group.item_seq == 0)
            ]
            if not len(hit) or _num(hit.value_num.iloc[0]) is None:
                return None
            number = float(hit.value_num.iloc[0])
            if measure in MONEY:  # the workbook shows every amount in 万元
                number *= {"元": 1e-4, "千元": 0.1, "亿元": 1e4}.get(hit.value_unit.iloc[0], 1.0)
            return number

        row = {m: slot("funds", "年度资金总额", m) for m in FUNDS_HEADERS.values()}
        row["total_score"] = slot("total", "总分", "score")
        row["unit"] = group.unit.dropna().iloc[0] if group.unit.notna().any() else None
        row["project"] = group.project.dropna().iloc[0] if group.project.notna().any() else None
        figures[key] = row
    return figures


def test_the_workbook_has_its_sheets_in_order(book):
    assert book.sheetnames == SHEETS


@pytest.mark.parametrize("title", SHEETS)
def test_every_sheet_has_a_frozen_filtered_header_and_fitted_widths(book, title):
    ws = book[title]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == ws.dimensions
    assert all(isinstance(c.value, str) and c.font.bold for c in ws[1])
    assert not any(c.value.isascii() for c in ws[1])
    widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
    # a width is recorded as Excel shows it, with the cell's padding (5 px: 0.71 of a character)
    assert all(8 <= w <= 60.72 for w in widths)
    assert widths[0] > 20 or ws.max_row == 1  # 文件: as wide as the longest path, if any


def test_dept_sheet_gives_the_values_tables_figures(book, values):
    ws = book["部门整体汇总"]
    rows = _rows(ws)
    figures = _form_figures(values, {"dept_eval"})
    assert len(rows) == len(figures)
    for row in rows:
        want = figures[(row["文件"], "dept_eval", 0)]
        assert row["单位"] == want["unit"]
        for header, measure in FUNDS_HEADERS.items():
            expected = want[measure]
            if measure == "execution_rate" and expected is not None:
                expected /= 100  # a percentage cell holds the fraction
            assert _close(row[header], expected), (row["文件"], header)
        assert _close(row["总分"], want["total_score"])
    formats = {h: {c.number_format for c in _column(ws, h)} for h in FUNDS_HEADERS}
    assert formats["全年预算数(万元)"] == {"#,##0.00"} and formats["执行率"] == {"0.00%"}
    assert formats["得分"] == {"0.00"}


def test_dept_sheet_gives_the_numbers_the_fixture_was_built_with(book):
    built = {
        (r["section"], r["measure"]): r["value_num"]
        for r in expected_records("yueyang-2024")
        if r["form"] == "dept_eval" and r["item"] in ("年度资金总额", "总分")
    }
    (row,) = [r for r in _rows(book["部门整体汇总"]) if r["文件"] == "yueyang-2024.docx"]
    assert row["单位"] == "中共岳阳市委办公室" and row["年度"] == 2024
    assert row["全年预算数(万元)"] == built[("funds", "budget_full_year")] == 8017.61
    assert row["全年执行数(万元)"] == built[("funds", "executed")]
    assert _close(row["执行率"], 0.9102)
    assert row["总分"] == built[("total", "score")]
    assert row["项目数"] == 7


def test_project_sheet_has_a_row_per_project_form(book, values):
    rows = _rows(book["项目汇总"])
    assert [c.value for c in book["项目汇总"][1]][:13] == [
        "文件",
        "表",
        "单位",
        "项目",
        "年度",
        "年初预算数(万元)",
        "全年预算数(万元)",
        "全年执行数(万元)",
        "执行率",
        "分值",
        "得分",
        "总分分值",
        "总分",
    ]
    figures = _form_figures(values, {"project_eval", "transfer_eval"})

    def key(path, form, unit, project, *numbers):
        return (path, form, unit, project, *(None if n is None else round(n, 6) for n in numbers))

    got = Counter(
        key(
            r["文件"],
            r["表"],
            r["单位"],
            r["项目"],
            *(r[h] for h in FUNDS_HEADERS),
            r["总分"],
        )
        for r in rows
    )
    want = Counter(
        key(
            path,
            FORM_NAMES[form],
            f["unit"],
            f["project"],
            *(
                f[m] / 100 if m == "execution_rate" and f[m] is not None else f[m]
                for m in FUNDS_HEADERS.values()
            ),
            f["total_score"],
        )
        for (path, form, _), f in figures.items()
    )
    assert got == want
    assert {r["表"] for r in rows} == {"项目支出绩效自评表", "转移支付区域绩效目标自评表"}


def test_indicator_sheet_has_a_row_per_indicator(book, values):
    rows = _rows(book["指标明细"])
    indicators = values[values.section == "indicators"]
    key = ["source_path", "form", "form_seq", "level1", "level2", "item", "item_seq"]
    want = Counter()
    for k, group in indicators.groupby(key, dropna=False):
        by_measure = {r["measure"]: r for r in frame_rows(group)}

        def text(m, by_measure=by_measure):
            return by_measure[m]["value_text"] if m in by_measure else None

        def num(m, by_measure=by_measure):
            return by_measure[m]["value_num"] if m in by_measure else None

        level1, level2 = (None if pd.isna(x) else x for x in k[3:5])
        want[
            (
                k[0],
                FORM_NAMES[k[1]],
                level1,
                level2,
                k[5],
                text("target"),
                text("actual"),
                num("weight"),
                num("score"),
                text("deviation_note"),
            )
        ] += 1
    got = Counter(
        (
            r["文件"],
            r["表"],
            r["一级"],
            r["二级"],
            r["三级"],
            r["年度指标值"],
            r["实际完成值"],
            r["分值"],
            r["得分"],
            r["偏差原因"],
        )
        for r in rows
    )
    assert got == want
    assert [c.value for c in book["指标明细"][1]][4:12] == [
        "一级",
        "二级",
        "三级",
        "年度指标值",
        "实际完成值",
        "分值",
        "得分",
        "偏差原因",
    ]


def test_findings_sheet_lists_every_finding(book, out):
    findings = frame_rows(pd.read_parquet(out / "findings.parquet"))
    rows = _rows(book["问题清单"])
    assert len(rows) == len(findings) > 0
    got = Counter((r["文件"], r["规则"], r["级别"], r["说明"]) for r in rows)
    want = Counter(
        (f["source_path"], RULES[f["rule"]].name, SEVERITY_NAMES[f["severity"]], f["message"])
        for f in findings
    )
    assert got == want
    total = next(r for r in rows if r["规则"] == "总分不符")
    assert total["部分"] == "总分" and total["栏"] == "得分"
    assert total["应为"] == 23.6 and total["实为"] == 97.6


def test_findings_by_file_are_counted_under_the_rules_chinese_names(book, out):
    findings = frame_rows(pd.read_parquet(out / "findings.parquet"))
    ws = book["各文件问题数"]
    headers = [c.value for c in ws[1]]
    rules = sorted({f["rule"] for f in findings}, key=list(RULES).index)
    assert headers == ["单位", "文件", "问题数", "错误", "提示", *(RULES[r].name for r in rules)]
    assert not any(h.isascii() for h in headers)
    rows = _rows(ws)
    assert {r["文件"] for r in rows} == {f["source_path"] for f in findings}
    for row in rows:
        mine = [f for f in findings if f["source_path"] == row["文件"]]
        assert row["问题数"] == len(mine)
        assert row["错误"] == sum(f["severity"] == "error" for f in mine)
        for rule in rules:
            assert (row[RULES[rule].name] or 0) == sum(f["rule"] == rule for f in mine)


def test_documents_sheet_lists_every_file(book, out):
    documents = frame_rows(pd.read_parquet(out / "documents.parquet"))
    rows = _rows(book["文件清单"])
    assert [r["文件"] for r in rows] == sorted(d["source_path"] for d in documents)
    by_path = {d["source_path"]: d for d in documents}
    for row in rows:
        doc = by_path[row["文件"]]
        assert row["状态"] == STATUS_NAMES[doc["status"]]
        assert row["错误类型"] == ERROR_NAMES.get(doc["error_code"])
        assert row["错误说明"] == doc["error"]
        assert row["值数"] == doc["n_values"]
        assert row["文件校验码"] == doc["source_sha256"]
        assert row["格式"] == format_name(doc["source_format"]) and not row["格式"].isascii()
        # the time a clerk reads is Beijing time (UTC+8); Excel keeps milliseconds
        read_at = (doc["extracted_at"] + timedelta(hours=8)).replace(tzinfo=None)
        assert abs((row["读取时间(北京时间)"] - read_at).total_seconds()) < 0.01
    broken = next(r for r in rows if r["文件"] == "broken.docx")
    assert broken["状态"] == "失败" and broken["错误类型"] == "不是 Office 文件"


def test_export_from_a_folder_without_tables_is_a_usage_error(tmp_path: Path, capsys):
    assert main(["export", str(tmp_path), "--xlsx", str(tmp_path / "x.xlsx")]) == 2
    assert "请先运行 ingest" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_export_needs_the_xlsx_or_the_template_option(tmp_path: Path, capsys):
    assert main(["export", str(tmp_path)]) == 2
    assert "--xlsx" in capsys.readouterr().err


@pytest.mark.parametrize("title", SHEETS)
def test_every_sheet_prints_a4_landscape_one_page_wide_with_its_header(book, title):
    ws = book[title]
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # one page wide (fitToWidth 1 is the file format's default, so it may be left unwritten)
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows.replace("$", "") == "1:1"


def test_a_wrapped_row_is_tall_enough_for_its_text(book):
    ws = book["问题清单"]
    checked = 0
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if not (cell.alignment.wrap_text and cell.value):
                continue
            shown = max(sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)
                        for line in str(cell.value).splitlines())  # fmt: skip
            if shown > ws.column_dimensions[cell.column_letter].width:  # more than one line
                assert (ws.row_dimensions[cell.row].height or 0) >= 30, cell.value
                checked += 1
    assert checked > 0
