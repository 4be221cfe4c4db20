"""`python -m pipeline export OUT --corrections-template F.xlsx`: a corrections file to fill in,
one line per finding, its place and the value the file gives there already written.

The analyst fills 更正值, 更正人 and 原因 on the lines to correct (a line left without 更正值 is
passed over) and gives the workbook back to `ingest --corrections`. The columns after 日期 (the
finding's rule and message) are there to read, not read back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from extractors.own_output import GENERATOR
from pipeline.definitions import load_catalog
from pipeline.names import FORM_NAMES, SECTION_NAMES, measure_names
from pipeline.publish.store import table_path

HEADER = (
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
    "问题（规则）",
    "问题说明",
    "应为",
)
TO_FILL = ("更正值", "更正人", "原因", "日期")


def reading_of(finding: dict[str, Any]) -> str | None:
    """The 指标 of a reading correction that answers a finding about a form's head (a blank
    unit, year or project name: `missing_required` on the header), or None."""
    if finding["rule"] != "missing_required" or finding["section"] != "header":
        return None
    if finding["item"] is None:
        return next((w for w in ("单位", "年度") if w in finding["message"]), None)
    definition = load_catalog().forms.get(finding["form"])
    carrier = definition.carries("project") if definition else None
    return "项目" if carrier is not None and carrier.item == finding["item"] else None


_SQL = """
WITH f AS (
    SELECT row_number() OVER () AS n, * FROM read_parquet($findings)
),
v AS (SELECT * FROM read_parquet($values)),
m AS (
    SELECT f.n, count(v.record_id) AS matches, min(v.record_id) AS record_id,
           min(v.value_raw) AS value_raw, min(v.unit) AS unit, min(v.fiscal_year) AS year
    FROM f LEFT JOIN v ON v.source_path = f.source_path AND v.form = f.form
        AND v.form_seq = f.form_seq AND v.section = f.section AND v.item = f.item
        AND v.measure = f.measure AND (f.page IS NULL OR v.page IS NULL OR v.page = f.page)
    GROUP BY f.n
)
SELECT f.*, m.matches, m.record_id, m.value_raw FROM f JOIN m USING (n)
ORDER BY f.source_path, f.form NULLS FIRST, f.form_seq NULLS FIRST, f.n
"""


def template_lines(out_dir: Path) -> list[list[Any]]:
    """One line per finding of the tables under `out_dir`, in the header's columns."""
    import duckdb

    con = duckdb.connect()
    try:
        cursor = con.execute(
            _SQL,
            {
                "findings": str(table_path(out_dir, "findings")),
                "values": str(table_path(out_dir, "values")),
            },
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    measures = measure_names()
    return [_line(row, measures) for row in rows]


def _line(row: dict[str, Any], measures: dict[str, str]) -> list[Any]:
    reading = reading_of(row)
    one_cell = row["matches"] == 1 and reading is None
    measure = reading or measures.get(row["measure"], row["measure"])
    return [
        row["record_id"] if one_cell else None,
        row["source_path"],
        FORM_NAMES.get(row["form"], row["form"]),
        row["form_seq"],
        row["project"],
        None if reading else SECTION_NAMES.get(row["section"], row["section"]),
        None if reading else row["item"],
        measure,
        row["value_raw"] if one_cell else None,
        None,
        None,
        None,
        None,
        row["rule"],
        row["message"],
        row["expected"],
    ]


def write_template(out_dir: Path, path: Path) -> Path:
    """Write the corrections template of the tables under `out_dir` to `path`."""
    out_dir = Path(out_dir)
    missing = [n for n in ("findings", "values") if not table_path(out_dir, n).exists()]
    if missing:
        raise FileNotFoundError(
            f"{out_dir} 中没有 {'、'.join(f'{n}.parquet' for n in missing)}：请先运行 ingest"
        )
    workbook = Workbook()
    workbook.properties.creator = GENERATOR  # a copy left under IN is never read as a submission
    sheet = workbook.active
    sheet.title = "更正"
    sheet.append(list(HEADER))
    fill = PatternFill("solid", fgColor="FFF2CC")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center")
        if cell.value in TO_FILL:
            cell.fill = fill
    for line in template_lines(out_dir):
        sheet.append(line)
    for column, width in zip(
        "ABCDEFGHIJKLMNOP",
        (34, 28, 24, 8, 22, 10, 22, 12, 12, 12, 10, 24, 12, 24, 60, 10),
        strict=True,
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    workbook.save(tmp)
    os.replace(tmp, path)
    return path
