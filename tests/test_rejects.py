"""A record that fails the JSON Schema is written to `rejects` with the schema's error."""

from __future__ import annotations

import docx
import pandas as pd
import pyarrow.parquet as pq

from pipeline.publish.store import VALUES_SCHEMA
from pipeline.run.ingest import ingest

ROWS = [
    ["项目支出名称", "污水管网改造", "", ""],
    ["项目资金（万元）", "全年预算数", "全年执行数", "绩效等级"],
    ["年度资金总额", "100", "90", "良"],
]


def _submission(path) -> None:
    document = docx.Document()
    document.add_paragraph("2024年度项目支出绩效自评表")
    table = document.add_table(rows=len(ROWS), cols=4)
    for r, row in enumerate(ROWS):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.save(str(path))


def test_a_value_under_an_unknown_column_is_rejected_not_dropped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _submission(folder / "variant.docx")
    ingest(folder, tmp_path / "out", workers=1)
    rejects = pd.read_parquet(tmp_path / "out" / "rejects.parquet")
    values = pd.read_parquet(tmp_path / "out" / "values.parquet")
    findings = pd.read_parquet(tmp_path / "out" / "findings.parquet")

    assert len(rejects) == 1
    reject = rejects.iloc[0]
    assert (reject["item"], reject.measure, reject.value_raw) == ("年度资金总额", "绩效等级", "良")
    assert "measure" in reject.error and "绩效等级" in reject.error
    assert set(values.measure) == {"budget_full_year", "executed", "value"}
    assert "绩效等级" in " ".join(findings[findings.rule == "unknown_header"].message)
    schema = pq.read_schema(tmp_path / "out" / "rejects.parquet")
    assert schema.names == [*VALUES_SCHEMA.names, "error"]
