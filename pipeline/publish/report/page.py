"""`python -m pipeline report OUT [--in IN]`: OUT/report.html, the season in one offline page.

One self-contained file in Chinese (no CDN, no request when it is opened): the season at a glance
(files by status, the failed ones with the reason, forms, values, findings by severity), a
sortable table per department and per project, three plots drawn with Vega-Altair (execution
rates, self score against execution rate, findings by rule; the Vega, Vega-Lite and vega-embed
JavaScript inlined from the `vl-convert-python` package), and the findings grouped by rule with
the cell each one points at: for a PDF the page region rendered with pypdfium2 and the value's box
drawn on it (needs IN, where the files are), for any other file the form's row as a table.

The figures are read through the views' SQL (`pipeline/publish/views.py`), so they are the views' and
the workbook's.

Whatever a submission holds stays text on the page: the chart data inside `<script>` has every
`<`, `>` and `&` escaped (a project named `…<!--<script>…` would otherwise make the browser take
the rest of the page for script), control characters are removed, and a value's box is clamped
to its page.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from extractors.errors import error_name
from extractors.own_output import GENERATOR
from pipeline.checks.catalogue import RULES
from pipeline.definitions import load_catalog
from pipeline.names import (
    BEIJING,
    FORM_NAMES,
    SECTION_NAMES,
    SEVERITY_NAMES,
    STATUS_NAMES,
    format_name,
    measure_names,
)
from pipeline.publish.report.cells import MAX_IMAGES, CellFinder, PageImages, query_rows
from pipeline.publish.report.charts import charts, vega_script
from pipeline.publish.report.tables import PAGE_ROWS, dept_table, project_table, units_table
from pipeline.publish.report.text import clean_number, figure_text, printable, script_json
from pipeline.publish.report.units import units_overview, unread_files
from pipeline.publish.roster import check_roster
from pipeline.publish.sheets import CORRECTION_STATUS, FIELD_NAMES
from pipeline.publish.store import OutputError, unwritable
from pipeline.publish.views import correction_notes, figure_notes, memory_connection, units_sent

REPORT_NAME = "report.html"
FINDINGS_SHOWN = 100  # findings listed per rule; a province's season has tens of thousands


# ------------------------------------------------------------------ the report


def _marked(rows: list[dict[str, Any]], notes: dict[tuple, str]) -> list[dict[str, Any]]:
    """Summary rows with `marks`: each figure an analyst corrected → what the correction did."""
    return [{**r, "marks": figure_notes(r, notes)} for r in rows]


def _corrections(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The corrections table's lines in words, for 更正记录."""
    measures = measure_names()
    return [
        {
            **r,
            "status_name": CORRECTION_STATUS.get(r["status"], r["status"]),
            "field_name": FIELD_NAMES.get(r["field"], r["field"]),
            "form_name": FORM_NAMES.get(r["form"], r["form"] or ""),
            "place": " / ".join(
                x
                for x in (
                    SECTION_NAMES.get(r["section"], r["section"]),
                    r["item"],
                    measures.get(r["measure"], r["measure"]),
                )
                if x
            ),
        }
        for r in rows
    ]


def report_context(
    out_dir: Path, in_dir: Path | None = None, roster: tuple[str, ...] | None = None
) -> dict[str, Any]:
    con = memory_connection(out_dir)
    try:
        documents = query_rows(con, "SELECT * FROM documents ORDER BY source_path")
        notes = correction_notes(con)
        dept = _marked(query_rows(con, "SELECT * FROM dept_summary"), notes)
        projects = _marked(query_rows(con, "SELECT * FROM project_summary"), notes)
        corrections = _corrections(query_rows(con, "SELECT * FROM corrections ORDER BY line"))
        findings = query_rows(
            con,
            "SELECT * FROM findings ORDER BY source_path, form NULLS FIRST, "
            "form_seq NULLS FIRST, section NULLS FIRST, item NULLS FIRST",
        )
        n_values = con.execute('SELECT count(*) FROM "values"').fetchone()[0]
        # forms as submissions: a copy another file replaces is listed under 重复报送 instead
        submissions = dict(
            con.execute(
                'SELECT v.form, count(*) FROM (SELECT DISTINCT source_path, form, form_seq FROM "values") v '
                "ANTI JOIN (SELECT source_path, form, form_seq FROM duplicate_copies) d "
                "ON d.source_path = v.source_path AND d.form = v.form AND d.form_seq = v.form_seq "
                "GROUP BY v.form"
            ).fetchall()
        )
        duplicates = query_rows(con, "SELECT * FROM duplicate_copies")
        sent = units_sent(con)
        check = check_roster(roster, sent) if roster is not None else None
        n_rejects = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
        formats = {d["source_path"]: d["source_format"] for d in documents}
        finder = CellFinder(con, PageImages(in_dir))
        groups = []
        for rule, spec in RULES.items():
            mine = [f for f in findings if f["rule"] == rule]
            if not mine:
                continue
            items = []
            for f in mine[:FINDINGS_SHOWN]:  # all of them are in the workbook and the views
                items.append(
                    {
                        **f,
                        "form_name": FORM_NAMES.get(f["form"], f["form"] or ""),
                        "section_name": SECTION_NAMES.get(f["section"], f["section"] or ""),
                        "measure_name": finder.measures.get(f["measure"], f["measure"] or ""),
                        "expected_text": figure_text(f["expected"]),
                        "actual_text": figure_text(f["actual"]),
                        "cell": finder.cell(f, formats.get(f["source_path"])),
                    }
                )
            groups.append(
                {
                    "rule": rule,
                    "severity": SEVERITY_NAMES.get(spec.severity, spec.severity),
                    "severity_code": spec.severity,
                    "name": spec.name,
                    "explains": spec.explains,
                    "findings": items,
                    "total": len(mine),
                }
            )
        images_capped = finder.images.drawn >= MAX_IMAGES
    finally:
        con.close()
    catalog = load_catalog()
    statuses = Counter(d["status"] for d in documents)
    units = units_overview(documents, findings, sent, STATUS_NAMES)
    return {
        "out_dir": str(Path(out_dir).resolve()),
        "in_dir": str(in_dir.resolve()) if in_dir else None,
        "generated": datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M（北京时间）"),
        "n_files": len(documents),
        "statuses": [
            {"code": code, "name": name, "count": statuses.get(code, 0)}
            for code, name in STATUS_NAMES.items()
        ],
        "failed": [
            {**d, "error_name": error_name(d["error_code"])}
            for d in documents
            if d["status"] == "failed"
        ],
        "forms": [
            {"name": FORM_NAMES[form], "count": submissions.get(form, 0)}
            for form in catalog.form_order
        ],
        "duplicates": duplicates,
        "units": units,
        "unread": unread_files(documents, STATUS_NAMES),
        "roster": check,
        "roster_size": len(roster) if roster is not None else 0,
        "n_values": n_values,
        "n_rejects": n_rejects,
        "n_findings": len(findings),
        "severities": [
            {"code": code, "name": name, "count": sum(f["severity"] == code for f in findings)}
            for code, name in SEVERITY_NAMES.items()
        ],
        "dept": dept,
        "projects": projects,
        "dept_table": dept_table(dept, figure_text, lambda v: figure_text(v, "pct")),
        "project_table": project_table(
            projects, FORM_NAMES, figure_text, lambda v: figure_text(v, "pct")
        ),
        "units_table": units_table(units),
        "page_rows": PAGE_ROWS,
        "form_names": FORM_NAMES,
        "charts": charts(dept, projects, findings),
        "groups": groups,
        "corrections": corrections,
        "correction_counts": [
            {"code": code, "name": name, "count": sum(c["status"] == code for c in corrections)}
            for code, name in CORRECTION_STATUS.items()
        ],
        "images_capped": images_capped,
        "max_images": MAX_IMAGES,
    }


def render_report(context: dict[str, Any], script: str | None = None) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.publish.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=printable,
    )
    env.filters["num"] = figure_text
    env.filters["pct"] = lambda v: figure_text(v, "pct")
    env.filters["int"] = lambda v: figure_text(v, "int")
    env.filters["format_name"] = format_name
    env.filters["sortkey"] = lambda v: "" if clean_number(v) is None else clean_number(v)
    template = env.get_template("report.html.j2")
    charts = [{**c, "json": script_json(c["spec"])} for c in context["charts"]]
    return template.render(
        **{**context, "charts": charts},
        vega_script=script if script is not None else vega_script(),
        generator=GENERATOR,  # known as ours if it is ever found under IN
    )


def write_report(
    out_dir: Path, in_dir: Path | None = None, roster: tuple[str, ...] | None = None
) -> Path:
    """Write OUT/report.html (aside, then swapped in). Returns its path. With a `roster` (the
    units the season expects), the units that sent nothing and those not on it are listed."""
    out_dir = Path(out_dir)
    html = render_report(report_context(out_dir, in_dir, roster))
    target = out_dir / REPORT_NAME
    tmp = out_dir / f".{REPORT_NAME}.{os.getpid()}.tmp"
    try:
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:  # a read-only OUT, a full disk: said, nothing half written
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(f"报告没有写入：{unwritable(out_dir, exc)}") from exc
    return target
