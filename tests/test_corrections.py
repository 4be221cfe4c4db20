"""The analyst's corrections: applied on every run without touching the submitted files, the
rules run again on the corrected values, every line audited with its status, a change to the
corrections alone re-applied without reading a submission, an unchanged re-run writing nothing.

The season is two contradiction fixtures: `execution-rate.docx`, whose project form types its
执行率 as 96.50% where its own figures give 3,040.00 / 3,200.00 = 95.00% (the spec it was built
from), and `clean-copy.docx`, which contradicts nothing."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import FIXTURES, ROOT, frame_rows
from openpyxl import Workbook

from pipeline.cli import main
from pipeline.corrections.lines import CorrectionFileError, load_corrections
from pipeline.model import CorrectionRow
from pipeline.run.ingest import ingest

CONTRADICTIONS = FIXTURES / "contradictions"
TYPO = "execution-rate.docx"
CLEAN = "clean-copy.docx"
HEADER = [
    "record_id",
    "文件",
    "表",
    "表序号",
    "项目",
    "部分",
    "项目行",
    "指标",
    "原值",
    "更正值",
    "更正人",
    "原因",
    "日期",
]
TABLES = ("values", "documents", "findings", "rejects", "corrections")


def _built(name: str) -> list[dict]:
    """The records the fixture was built with (its .jsonl beside it)."""
    lines = (CONTRADICTIONS / name.replace(".docx", ".jsonl")).read_text(encoding="utf-8")
    return [json.loads(line) for line in lines.splitlines() if line.strip()]


def _built_value(name: str, form: str, item: str, measure: str) -> dict:
    return next(
        r
        for r in _built(name)
        if r["form"] == form and r["item"] == item and r["measure"] == measure
    )


# the typed-wrong rate, and the one its own figures give (from the fixture's spec)
RATE = _built_value(TYPO, "project_eval", "年度资金总额", "execution_rate")
EXECUTED = _built_value(TYPO, "project_eval", "年度资金总额", "executed")["value_num"]
BUDGET = _built_value(TYPO, "project_eval", "年度资金总额", "budget_full_year")["value_num"]
RIGHT_RATE = round(EXECUTED / BUDGET * 100, 2)
WEIGHT = _built_value(TYPO, "project_eval", "年度资金总额", "weight")["value_num"]


def _season(folder: Path, files=(TYPO, CLEAN)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copy(CONTRADICTIONS / name, folder / name)
    return folder


def _csv(path: Path, *lines: dict, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for line in lines:
            writer.writerow([line.get(h, "") for h in HEADER])
    return path


RATE_LINE = {
    "文件": TYPO,
    "表": "项目支出绩效自评表",
    "部分": "资金",
    "项目行": "年度资金总额",
    "指标": "执行率",
    "原值": RATE["value_raw"],
    "更正值": f"{RIGHT_RATE:.2f}%",
    "更正人": "张三",
    "原因": "执行率抄错：按全年执行数/全年预算数改正",
    "日期": "2026-12-07",
}


def _table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / f"{name}.parquet")


def _rate_row(out: Path) -> dict:
    values = _table(out, "values")
    rows = values[
        (values.source_path == TYPO)
        & (values.form == "project_eval")
        & (values.item == "年度资金总额")
        & (values.measure == "execution_rate")
    ]
    assert len(rows) == 1
    return frame_rows(rows)[0]


def _rules(out: Path, source_path: str = TYPO) -> list[str]:
    findings = _table(out, "findings")
    return sorted(findings[findings.source_path == source_path].rule)


def _statuses(out: Path) -> list[tuple[int, str]]:
    """Each line's status; every row of the table passes its JSON Schema."""
    from pipeline.checks.validate import validator

    rows = pq.read_table(out / "corrections.parquet").to_pylist()
    for row in rows:
        assert not list(validator("corrections").iter_errors(row)), row
    return [(r["line"], r["status"]) for r in rows]


def _counting():
    read: list[str] = []
    return read, lambda result, done, total: read.append(result.document.source_path)


# ------------------------------------------------------------------ Done when, end to end


def test_a_typed_wrong_rate_corrected_then_stale_when_the_department_sends_a_new_file(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    ingest(folder, out, workers=1)
    assert "execution_rate_mismatch" in _rules(out)

    corrections = load_corrections(_csv(tmp_path / "更正.csv", RATE_LINE))
    read, on_file = _counting()
    summary = ingest(folder, out, workers=1, corrections=corrections, on_file=on_file)
    assert read == [] and summary.kept == 2  # a corrections-only change reads no submission

    row = _rate_row(out)
    assert row["value_raw"] == RATE["value_raw"]  # what the file says, untouched
    assert (row["value_num"], row["value_unit"], row["value_text"]) == (RIGHT_RATE, "%", "95.00%")
    assert row["corrected"] is True
    [audit] = frame_rows(_table(out, "corrections"))
    assert row["correction_id"] == audit["correction_id"]
    assert audit["status"] == "applied" and audit["line"] == 2
    assert (audit["author"], audit["reason"], audit["date"]) == (
        "张三",
        RATE_LINE["原因"],
        "2026-12-07",
    )
    assert (audit["value_before"], audit["value_num_before"]) == (
        RATE["value_raw"],
        RATE["value_num"],
    )
    assert audit["record_id"] == row["record_id"]
    # the rules ran on the corrected value: the mismatch is gone, and the score the department
    # worked out from its wrong rate (10 × 96.50%) now contradicts the corrected one
    rules = _rules(out)
    assert "execution_rate_mismatch" not in rules
    findings = _table(out, "findings")
    [score] = frame_rows(findings[findings.rule == "budget_score_mismatch"])
    assert score["expected"] == pytest.approx(WEIGHT * RIGHT_RATE / 100)

    # the department sends a new file: the value the line corrected is no longer there
    shutil.copy(CONTRADICTIONS / CLEAN, folder / TYPO)
    read, on_file = _counting()
    ingest(folder, out, workers=1, corrections=corrections, on_file=on_file)
    assert read == [TYPO]
    new_rate = _built_value(CLEAN, "project_eval", "年度资金总额", "execution_rate")
    row = _rate_row(out)
    assert (row["value_raw"], row["value_num"]) == (new_rate["value_raw"], new_rate["value_num"])
    assert row["corrected"] is False and row["correction_id"] is None
    [audit] = frame_rows(_table(out, "corrections"))
    assert audit["status"] == "stale" and audit["value_in_file"] == new_rate["value_raw"]
    assert RATE["value_raw"] in audit["message"] and new_rate["value_raw"] in audit["message"]
    stale = findings_of(out, "correction_stale")
    assert len(stale) == 1 and stale[0]["measure"] == "execution_rate"
    assert "第 2 行" in stale[0]["message"] and "张三" in stale[0]["message"]


def findings_of(out: Path, rule: str) -> list[dict]:
    findings = _table(out, "findings")
    return frame_rows(findings[findings.rule == rule])


# ------------------------------------------------------------------ incremental


def test_an_unchanged_rerun_with_the_same_corrections_reads_and_writes_nothing(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    corrections = load_corrections(_csv(tmp_path / "c.csv", RATE_LINE))
    ingest(folder, out, workers=1, corrections=corrections)
    stamps = {n: (out / f"{n}.parquet").stat().st_mtime_ns for n in TABLES}
    # the same lines saved again (another file, another encoding) are the same corrections
    again = load_corrections(_csv(tmp_path / "again.csv", RATE_LINE, encoding="gb18030"))
    read, on_file = _counting()
    summary = ingest(folder, out, workers=1, corrections=again, on_file=on_file)
    assert read == [] and summary.run_id is None
    assert {n: (out / f"{n}.parquet").stat().st_mtime_ns for n in TABLES} == stamps
    assert [r.status for r in summary.corrections] == ["applied"]


def test_corrections_applied_to_kept_rows_equal_those_applied_on_a_first_read(tmp_path):
    folder = _season(tmp_path / "in")
    lines = (RATE_LINE, UNIT_LINE, YEAR_LINE, PROJECT_LINE)
    corrections = load_corrections(_csv(tmp_path / "c.csv", *lines))
    first, later = tmp_path / "first", tmp_path / "later"
    ingest(folder, first, workers=1, corrections=corrections)
    ingest(folder, later, workers=1)
    ingest(folder, later, workers=1, corrections=corrections)
    assert [s for _, s in _statuses(later)] == ["applied"] * 4
    for name in ("values", "findings", "corrections"):
        a = _table(first, name).drop(columns=["extracted_at"], errors="ignore")
        b = _table(later, name).drop(columns=["extracted_at"], errors="ignore")
        pd.testing.assert_frame_equal(a, b)


def test_a_correction_taken_out_of_the_file_gives_back_what_the_file_says(tmp_path):
    folder, out, plain = _season(tmp_path / "in"), tmp_path / "out", tmp_path / "plain"
    ingest(folder, plain, workers=1)
    corrections = load_corrections(_csv(tmp_path / "c.csv", RATE_LINE, UNIT_LINE, YEAR_LINE))
    ingest(folder, out, workers=1, corrections=corrections)
    assert _rate_row(out)["corrected"]
    read, on_file = _counting()
    summary = ingest(folder, out, workers=1, on_file=on_file)
    assert read == [] and summary.corrections_withdrawn == 3
    for name in ("values", "findings"):
        a = _table(out, name).drop(columns=["extracted_at"], errors="ignore")
        b = _table(plain, name).drop(columns=["extracted_at"], errors="ignore")
        pd.testing.assert_frame_equal(a, b)
    assert _table(out, "corrections").empty


# ------------------------------------------------------------------ each kind of correction

UNIT_LINE = {
    "文件": TYPO,
    "指标": "单位",
    "更正值": "江城市交通运输局",
    "更正人": "李四",
    "原因": "单位名称填错",
}
YEAR_LINE = {
    "文件": TYPO,
    "表": "部门整体支出绩效自评表",
    "指标": "年度",
    "更正值": "2024年",
    "更正人": "李四",
    "原因": "年度写错",
}
PROJECT_LINE = {
    "文件": TYPO,
    "表": "project_eval",
    "指标": "项目",
    "更正值": "城市公交运营补贴资金",
    "更正人": "李四",
    "原因": "项目名称按预算批复",
}


def test_a_unit_correction_applies_to_every_row_of_the_file(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    ingest(
        folder, out, workers=1, corrections=load_corrections(_csv(tmp_path / "c.csv", UNIT_LINE))
    )
    values = _table(out, "values")
    mine = values[values.source_path == TYPO]
    assert set(mine.unit) == {"江城市交通运输局"} and mine.correction_id.notna().all()
    assert not mine.corrected.any()  # the values are the file's: only the unit is corrected
    assert values[values.source_path == CLEAN].correction_id.isna().all()
    [audit] = frame_rows(_table(out, "corrections"))
    read_unit = _built(TYPO)[0]["unit"]
    assert (audit["field"], audit["status"], audit["value_in_file"]) == (
        "unit",
        "applied",
        read_unit,
    )
    assert audit["rows"] == len(mine)


def test_a_year_and_a_project_correction_apply_to_their_form(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    lines = _csv(tmp_path / "c.csv", YEAR_LINE, PROJECT_LINE)
    ingest(folder, out, workers=1, corrections=load_corrections(lines))
    values = _table(out, "values")
    mine = values[values.source_path == TYPO]
    dept, project = mine[mine.form == "dept_eval"], mine[mine.form == "project_eval"]
    built_year = _built(TYPO)[0]["fiscal_year"]
    assert set(dept.fiscal_year) == {2024} and set(project.fiscal_year) == {built_year}
    assert set(project.project) == {"城市公交运营补贴资金"} and dept.project.isna().all()
    findings = _table(out, "findings")
    assert set(
        findings[(findings.source_path == TYPO) & (findings.form == "project_eval")].project
    ) <= {"城市公交运营补贴资金"}
    assert [r["status"] for r in frame_rows(_table(out, "corrections"))] == ["applied", "applied"]


def test_a_value_named_by_record_id_alone(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    ingest(folder, out, workers=1)
    record_id = _rate_row(out)["record_id"]
    line = {"record_id": record_id, "更正值": "95", "更正人": "王五", "原因": "抄错"}
    ingest(folder, out, workers=1, corrections=load_corrections(_csv(tmp_path / "c.csv", line)))
    row = _rate_row(out)
    # normalized as a read value: the measure's unit where the analyst wrote none
    assert (row["value_num"], row["value_unit"], row["corrected"]) == (95.0, "%", True)
    assert _statuses(out) == [(2, "applied")]


def test_the_corrections_template_comes_back_as_a_corrections_file(tmp_path):
    from openpyxl import load_workbook

    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    ingest(folder, out, workers=1)
    template = tmp_path / "模板.xlsx"
    assert main(["export", str(out), "--corrections-template", str(template)]) == 0
    workbook = load_workbook(template)
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    header, lines = rows[0], rows[1:]
    assert len(lines) == len(_table(out, "findings"))  # one line per finding
    at = {h: i for i, h in enumerate(header)}
    rate = next(
        n
        for n, r in enumerate(lines, start=2)
        if r[at["问题（规则）"]] == "execution_rate_mismatch"
    )
    line = lines[rate - 2]
    assert (line[at["文件"]], line[at["指标"]], line[at["原值"]]) == (
        TYPO,
        "执行率",
        RATE["value_raw"],
    )
    assert line[at["record_id"]] == _rate_row(out)["record_id"] and line[at["更正值"]] is None
    sheet.cell(rate, at["更正值"] + 1, "95.00%")
    sheet.cell(rate, at["更正人"] + 1, "张三")
    sheet.cell(rate, at["原因"] + 1, "抄错")
    workbook.save(template)
    corrections = load_corrections(template)
    assert corrections.blank == len(lines) - 1  # unfilled lines are passed over
    ingest(folder, out, workers=1, corrections=corrections)
    assert _statuses(out) == [(rate, "applied")]
    assert "execution_rate_mismatch" not in _rules(out)


# ------------------------------------------------------------------ each status


def test_lines_not_applied_say_why_with_their_line_number_and_the_rest_are_applied(
    tmp_path, capsys
):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    base = {"文件": TYPO, "项目行": "年度资金总额", "更正人": "张三", "原因": "核对"}
    lines = _csv(
        tmp_path / "c.csv",
        {**base, "表": "项目支出绩效自评表", "指标": "执行率", "更正值": "九十五"},  # 2: no number
        {**base, "表": "项目支出绩效自评表", "指标": "执行率", "更正值": "95万元"},  # 3: unit
        {**base, "指标": "执行率", "更正值": "95%"},  # 4: two forms have one
        {**base, "指标": "完成度", "更正值": "95%"},  # 5: no such measure
        {**base, "指标": "执行率", "更正值": "95%", "更正人": ""},  # 6: no author
        {**base, "文件": "没有这个文件.docx", "指标": "执行率", "更正值": "95%"},  # 7
        {"record_id": "0" * 32, "更正值": "1", "更正人": "张三", "原因": "核对"},  # 8
        {
            **base,
            "表": "项目支出绩效自评表",
            "项目行": "不存在的行",
            "指标": "执行率",
            "更正值": "1",
        },
        {**YEAR_LINE, "更正值": "去年"},  # 10: not a year
        RATE_LINE,  # 11: applied
        {**RATE_LINE, "更正值": "94%"},  # 12: the same value again
        {**base, "指标": "执行率", "更正值": ""},  # 13: not filled: passed over
    )
    assert main(["ingest", str(folder), "--out", str(out), "--corrections", str(lines)]) == 0
    printed = capsys.readouterr().out
    rows = {r["line"]: r for r in frame_rows(_table(out, "corrections"))}
    expected = {
        2: ("invalid", "不是数字"),
        3: ("invalid", "单位"),
        4: ("invalid", "2 个值"),
        5: ("invalid", "完成度"),
        6: ("invalid", "更正人"),
        7: ("not_found", "没有这个文件.docx"),
        8: ("not_found", "0" * 32),
        9: ("not_found", TYPO),
        10: ("invalid", "年份"),
        11: ("applied", None),
        12: ("invalid", "第 11 行"),
    }
    assert dict(_statuses(out)) == {n: status for n, (status, _) in expected.items()}
    for number, (status, words) in expected.items():
        assert rows[number]["status"] == status, number
        if words:
            assert words in rows[number]["message"], number
            assert f"第 {number} 行" in printed
    assert "1 行未填更正值" in printed
    # the same season again with other corrections: nothing read, said so
    again = _csv(tmp_path / "again.csv", RATE_LINE)
    assert main(["ingest", str(folder), "--out", str(out), "--corrections", str(again)]) == 0
    printed = capsys.readouterr().out
    assert "未读取任何报送材料：只重新应用了更正" in printed and "更正 1 行：已应用 1" in printed
    assert _rate_row(out)["value_num"] == RIGHT_RATE


def test_a_corrections_file_that_cannot_be_used_is_a_usage_error(tmp_path, capsys):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    no_header = tmp_path / "c.csv"
    no_header.write_text("文件,指标,值\nexecution-rate.docx,执行率,95%\n", encoding="utf-8")
    assert main(["ingest", str(folder), "--out", str(out), "--corrections", str(no_header)]) == 2
    err = capsys.readouterr().err
    assert "更正值" in err and "更正人" in err and not out.exists()
    with pytest.raises(CorrectionFileError, match="不存在"):
        load_corrections(tmp_path / "missing.xlsx")
    with pytest.raises(CorrectionFileError, match=r"\.xlsx 或 \.csv"):
        load_corrections(tmp_path / "c.txt")


def test_an_xlsx_corrections_file_kept_inside_the_season_is_not_read_as_a_submission(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append([RATE_LINE.get(h, "") for h in HEADER])
    workbook.save(folder / "更正.xlsx")
    summary = ingest(folder, out, workers=1, corrections=load_corrections(folder / "更正.xlsx"))
    assert summary.files == 2 and [r.status for r in summary.corrections] == ["applied"]


# ------------------------------------------------------------------ the contract


def test_the_corrections_table_is_its_row_dataclass_and_schema_and_v3(tmp_path):
    import dataclasses

    folder, out = _season(tmp_path / "in", [TYPO]), tmp_path / "out"
    ingest(
        folder, out, workers=1, corrections=load_corrections(_csv(tmp_path / "c.csv", RATE_LINE))
    )
    schema = json.loads((ROOT / "schemas" / "corrections.schema.json").read_text(encoding="utf-8"))
    table = pq.read_table(out / "corrections.parquet")
    assert table.schema.names == [f.name for f in dataclasses.fields(CorrectionRow)]
    assert table.schema.names == list(schema["properties"]) == schema["required"]
    assert table.schema.metadata[b"contract_version"] == b"3"
    from pipeline.checks.validate import validator

    corrections_validator = validator("corrections")
    for row in table.to_pylist():
        assert not list(corrections_validator.iter_errors(row))
    # a v2 query means the same: the v2 columns are all there, in their order
    values = pq.read_schema(out / "values.parquet").names
    assert values[-2:] == ["corrected", "correction_id"]


# ------------------------------------------------------------------ views, workbook, report


def test_the_views_workbook_and_report_show_the_corrected_figure_with_who_and_why(tmp_path):
    from lxml import html
    from openpyxl import load_workbook

    from pipeline.publish.export import export_xlsx
    from pipeline.publish.report.page import write_report
    from pipeline.publish.views import memory_connection

    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    ingest(
        folder, out, workers=1, corrections=load_corrections(_csv(tmp_path / "c.csv", RATE_LINE))
    )
    con = memory_connection(out)
    try:
        rows = con.execute(
            "SELECT source_path, execution_rate, corrected_figures FROM project_summary "
            "ORDER BY source_path"
        ).fetchall()
        corrected = con.execute(
            'SELECT value_raw, value_num, author FROM "corrected_values"'
        ).fetchall()
    finally:
        con.close()
    assert (TYPO, RIGHT_RATE, "execution_rate") in rows
    assert all(r[2] is None for r in rows if r[0] != TYPO)
    assert corrected == [(RATE["value_raw"], RIGHT_RATE, "张三")]

    book = load_workbook(export_xlsx(out, tmp_path / "wb.xlsx"))
    sheet = book["项目汇总"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == TYPO)
    rate = row[header.index("执行率")]
    assert rate.value == pytest.approx(RIGHT_RATE / 100)
    assert "张三" in rate.comment.text and RATE_LINE["原因"] in rate.comment.text
    assert RATE["value_raw"] in rate.comment.text
    assert rate.fill.fgColor.rgb.endswith("FCE4D6")
    assert row[header.index("已更正")].value == "执行率"
    others = [c for r in sheet.iter_rows(min_row=2) for c in r if c.comment and c is not rate]
    assert others == []
    log = book["更正记录"]
    log_header = [c.value for c in log[1]]
    [line] = [
        dict(zip(log_header, r, strict=True)) for r in log.iter_rows(min_row=2, values_only=True)
    ]
    assert (line["行号"], line["状态"], line["更正人"], line["原因"]) == (
        2,
        "已应用",
        "张三",
        RATE_LINE["原因"],
    )
    assert (line["文件中的值"], line["更正后"]) == (RATE["value_raw"], "95.00%")

    page = html.parse(str(write_report(out)))
    [cell] = page.xpath('//table[@id="projects-table"]//td[@data-corrected]')
    assert cell.get("data-corrected") == "execution_rate"
    assert "张三" in cell.get("title") and RATE_LINE["原因"] in cell.get("title")
    [card] = page.xpath('//div[@data-corrections="applied"]')
    assert card.text_content() == "1"
    [logged] = page.xpath('//table[@id="corrections-table"]/tbody/tr')
    assert logged.get("data-status") == "applied"
    assert "张三" in logged.text_content()


KIND_LINE = {
    "文件": TYPO,
    "表": "项目支出绩效自评表",
    "指标": "表类型",
    "更正值": "转移支付区域绩效目标自评表",
    "更正人": "王五",
    "原因": "这是转移支付资金的自评表",
}


def _forms(out: Path, source_path: str = TYPO) -> dict[tuple[str, int], int]:
    values = _table(out, "values")
    mine = values[values.source_path == source_path]
    return {k: len(g) for k, g in mine.groupby(["form", "form_seq"])}


def test_a_form_read_as_the_wrong_kind_is_read_again_as_the_kind_it_is(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    ingest(folder, out, workers=1)
    as_read = _forms(out)
    assert ("project_eval", 0) in as_read and not any(k[0] == "transfer_eval" for k in as_read)
    missing = {**KIND_LINE, "表序号": "3", "原因": "没有这张表"}
    twice = {**KIND_LINE, "原因": "同一张表又写了一行"}
    corrections = load_corrections(_csv(tmp_path / "c.csv", KIND_LINE, missing, twice))
    read, on_file = _counting()
    ingest(folder, out, workers=1, corrections=corrections, on_file=on_file)
    assert read == [TYPO]  # the kind decides how the table is read: only that file again
    forms = _forms(out)
    assert ("transfer_eval", 0) in forms and ("project_eval", 0) not in forms
    values = _table(out, "values")
    transfer = values[(values.source_path == TYPO) & (values.form == "transfer_eval")]
    assert transfer.correction_id.notna().all() and not transfer.corrected.any()
    documents = _table(out, "documents").set_index("source_path")
    assert (documents.loc[TYPO, "n_transfer_eval"], documents.loc[TYPO, "n_project_eval"]) == (1, 0)
    assert _statuses(out) == [(2, "applied"), (3, "not_found"), (4, "invalid")]

    # unchanged: nothing read; a value line on the relabelled form: applied without a read
    read, on_file = _counting()
    assert ingest(folder, out, workers=1, corrections=corrections, on_file=on_file).run_id is None
    rate = {**RATE_LINE, "表": "转移支付区域绩效目标自评表", "原值": ""}
    rate.pop("部分")
    more = load_corrections(_csv(tmp_path / "more.csv", KIND_LINE, rate))
    ingest(folder, out, workers=1, corrections=more, on_file=on_file)
    assert read == []
    assert _statuses(out) == [(2, "applied"), (3, "applied")]
    values = _table(out, "values")
    transfer = values[(values.source_path == TYPO) & (values.form == "transfer_eval")]
    assert transfer.correction_id.notna().all() and transfer.corrected.sum() == 1

    # the line taken out: the file is read again as it reads
    ingest(folder, out, workers=1, on_file=on_file)
    assert read == [TYPO] and _forms(out) == as_read


def test_an_excel_percentage_is_read_as_excel_shows_it_and_a_rate_written_shorter_is_the_same(
    tmp_path,
):
    from datetime import datetime

    folder, out = _season(tmp_path / "in", [TYPO]), tmp_path / "out"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    # Excel stores a typed 95.00% as 0.95 under a percent format, and a date as a date
    line = {
        **RATE_LINE,
        "更正值": 0.95,
        "原值": RATE["value_num"] / 100,
        "日期": datetime(2026, 12, 7),
    }
    sheet.append([line.get(h, "") for h in HEADER])
    sheet.cell(2, HEADER.index("更正值") + 1).number_format = "0.00%"
    sheet.cell(2, HEADER.index("原值") + 1).number_format = "0.0%"  # 96.5%, the file's 96.50%
    workbook.save(tmp_path / "更正.xlsx")
    summary = ingest(folder, out, workers=1, corrections=load_corrections(tmp_path / "更正.xlsx"))
    [row] = summary.corrections
    assert (row.status, row.corrected_value, row.date) == ("applied", "95.00%", "2026-12-07")
    assert _rate_row(out)["value_num"] == RIGHT_RATE


def test_a_line_without_original_value_stays_stale_on_later_runs(tmp_path):
    folder, out = _season(tmp_path / "in"), tmp_path / "out"
    line = {**RATE_LINE, "原值": ""}
    ingest(folder, out, workers=1, corrections=load_corrections(_csv(tmp_path / "c.csv", line)))
    [audit] = frame_rows(_table(out, "corrections"))
    assert (audit["status"], audit["value_expected"]) == ("applied", RATE["value_raw"])
    shutil.copy(CONTRADICTIONS / CLEAN, folder / TYPO)  # the department's new file
    ingest(folder, out, workers=1, corrections=load_corrections(_csv(tmp_path / "c.csv", line)))
    new_rate = _built_value(CLEAN, "project_eval", "年度资金总额", "execution_rate")
    # the reason reworded: a corrections-only change; the line is still against 96.50%
    reworded = load_corrections(_csv(tmp_path / "c2.csv", {**line, "原因": "再核对"}))
    for corrections in (reworded, reworded):
        read, on_file = _counting()
        ingest(folder, out, workers=1, corrections=corrections, on_file=on_file)
        assert read == []
        [audit] = frame_rows(_table(out, "corrections"))
        assert (audit["status"], audit["value_expected"]) == ("stale", RATE["value_raw"])
        assert audit["value_in_file"] == new_rate["value_raw"]
        assert _rate_row(out)["value_num"] == new_rate["value_num"]
        assert len(findings_of(out, "correction_stale")) == 1


def test_a_blank_project_name_found_is_answered_by_a_template_line_for_the_project(tmp_path):
    from openpyxl import load_workbook

    from pipeline.corrections.template import write_template

    folder, out = _season(tmp_path / "in", ["missing-project-name.docx"]), tmp_path / "out"
    ingest(folder, out, workers=1)
    assert _rules(out, "missing-project-name.docx") == ["missing_required"]
    template = write_template(out, tmp_path / "模板.xlsx")
    workbook = load_workbook(template)
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    [line] = list(sheet.iter_rows(min_row=2))
    assert (
        line[header.index("指标")].value == "项目" and line[header.index("record_id")].value is None
    )
    line[header.index("更正值")].value = "城市公交运营补贴"
    line[header.index("更正人")].value = "赵六"
    line[header.index("原因")].value = "项目名称漏填，按预算批复补上"
    workbook.save(template)
    ingest(folder, out, workers=1, corrections=load_corrections(template))
    assert _statuses(out) == [(2, "applied")]
    values = _table(out, "values")
    project = values[values.form == "project_eval"]
    assert set(project.project) == {"城市公交运营补贴"}
    assert _rules(out, "missing-project-name.docx") == []  # the rule ran on the corrected form
