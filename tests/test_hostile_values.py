"""`export` and `report` survive any value a submission (or a damaged file) can put in the
tables: a text beginning with `=` is a text cell, never a formula; a name holding `<!--<script>`
stays data inside the chart's script; control characters are removed; a box off its page is
clamped. The tables of one real PDF are ingested, then given the values a hostile sender chose."""

from __future__ import annotations

import json
import re
import shutil
from html import escape
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import FIXTURES
from lxml import html
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.publish.report.page import REPORT_NAME
from pipeline.run.ingest import ingest

PDF = FIXTURES / "families" / "cq-kexuecheng-2021-dept.pdf"  # has a total_score_mismatch
PROJECT = "维稳<!--<script>调研经费"
FORMULAS = [
    '=HYPERLINK("http://evil.example/x","y")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
]
BELL = "校园\x07安全\x00检查"
FAILED_NAME = "=1+2\x01.docx"


def _set(table: pa.Table, name: str, values: list) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(index), pa.array(values, table[name].type))


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("values-in")
    shutil.copy(PDF, folder / PDF.name)
    out = tmp_path_factory.mktemp("values-out")
    ingest(folder, out)
    values = pq.read_table(out / "values.parquet")
    n = values.num_rows
    raw = values["value_raw"].to_pylist()
    text = values["value_text"].to_pylist()
    shown = zip(values["section"].to_pylist(), values["measure"].to_pylist(), strict=True)
    # rows the 指标明细 sheet shows as written: an indicator's 年度指标值 or 实际完成值
    indicators = [
        i for i, (s, m) in enumerate(shown) if s == "indicators" and m in ("target", "actual")
    ]
    for i, formula in zip(indicators, [*FORMULAS, BELL], strict=False):
        raw[i] = text[i] = formula
    values = _set(values, "value_raw", raw)
    values = _set(values, "value_text", text)
    values = _set(values, "project", [PROJECT] * n)
    values = _set(values, "unit", [PROJECT] * n)
    # a box upside down and off the page, as a damaged PDF gave one
    values = _set(values, "bbox_x0", [-40.0] * n)
    values = _set(values, "bbox_top", [900.0] * n)
    values = _set(values, "bbox_bottom", [-50.0] * n)
    pq.write_table(values, out / "values.parquet")
    findings = pq.read_table(out / "findings.parquet")
    assert pc.any(pc.equal(findings["rule"], "total_score_mismatch")).as_py()
    findings = _set(findings, "project", [PROJECT] * findings.num_rows)
    findings = _set(findings, "message", [f"{m}\x1b[31m" for m in findings["message"].to_pylist()])
    pq.write_table(findings, out / "findings.parquet")
    documents = pq.read_table(out / "documents.parquet")
    failed = documents.to_pylist()[0] | {
        "source_path": FAILED_NAME,
        "status": "failed",
        "error_code": "corrupt",
        "error": "=cmd|' /C calc'!A0 \x00 cannot read",
        "n_values": 0,
    }
    documents = pa.Table.from_pylist(
        [failed, *documents.to_pylist()], schema=documents.schema
    ).replace_schema_metadata(documents.schema.metadata)
    pq.write_table(documents, out / "documents.parquet")
    return folder, out


def test_export_writes_no_formula_it_did_not_mean(hostile_out, tmp_path):
    _, out = hostile_out
    path = tmp_path / "x.xlsx"
    assert main(["export", str(out), "--xlsx", str(path)]) == 0
    book = load_workbook(path)
    texts = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    for formula in FORMULAS[:2]:
        assert formula in texts  # kept as the sender wrote it, as text
    assert "=1+2.docx" in texts  # the failed file's name, its control character removed
    assert "校园安全检查" in texts
    assert not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", t) for t in texts)


def test_report_keeps_every_part_whatever_the_names(hostile_out):
    folder, out = hostile_out
    assert main(["report", str(out), "--in", str(folder)]) == 0
    text = (out / REPORT_NAME).read_text(encoding="utf-8")
    # inside a script element, no `<` at all: nothing can open a comment or a nested script
    names = []
    for body in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text, re.S):
        assert "<" not in body
        names.append(json.dumps(json.loads(body), ensure_ascii=False))
    assert any(PROJECT in n for n in names)  # the chart's data holds the name as it was
    assert f"<td>{escape(PROJECT)}</td>" in text  # and the tables show it, escaped
    page = html.fromstring(text)
    findings = pq.read_table(out / "findings.parquet").num_rows
    assert len(page.xpath('//tr[@class="finding"]')) == findings
    assert page.xpath('//table[@id="failed"]//td[text()="=1+2.docx"]')
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text.replace("\x1b", "ESC"))
    assert "\x1b" not in text
    (row,) = page.xpath('//section[@data-rule="total_score_mismatch"]//tr[@class="finding"]')
    assert row.xpath(".//img")  # the box clamped to the page: the region is still drawn


def test_chart_data_in_a_script_round_trips():
    from pipeline.publish.report.page import script_json

    data = {"名称": PROJECT + "</script><script>alert(1)</script>&\u2028", "x": float("nan")}
    text = script_json(data)
    assert not re.search(r"[<>&\u2028]", text)
    assert json.loads(text) == {"名称": data["名称"], "x": None}


def test_export_and_report_that_cannot_be_written_are_said(
    hostile_out, tmp_path, monkeypatch, capsys
):
    import errno
    import os

    _, out = hostile_out
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert main(["export", str(out), "--xlsx", str(blocker / "x.xlsx")]) == 1
    assert "工作簿没有写入：无法写入" in capsys.readouterr().err

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["report", str(out)]) == 1
    err = capsys.readouterr().err
    assert "报告没有写入" in err and "所在的磁盘已满" in err
    assert not list(out.glob(".report.html.*.tmp"))
