"""`python -m pipeline report OUT [--in IN]`: OUT/report.html, the season in one offline page.

One self-contained file in Chinese (no CDN, no request when it is opened): the season at a glance
(files by status, the failed ones with the reason, forms, values, findings by severity), a
sortable table per department and per project, three plots drawn with Vega-Altair (execution
rates, self score against execution rate, findings by rule; the Vega, Vega-Lite and vega-embed
JavaScript inlined from the `vl-convert-python` package), and the findings grouped by rule with
the cell each one points at: for a PDF the page region rendered with pypdfium2 and the value's box
drawn on it (needs IN, where the files are), for any other file the form's row as a table.

The figures are read through the views' SQL (`pipeline/views.py`), so they are the views' and
the workbook's.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.own_output import GENERATOR

from .definitions import load_catalog
from .export import CORRECTION_STATUS, FIELD_NAMES
from .names import FORM_NAMES, SECTION_NAMES, SEVERITY_NAMES, STATUS_NAMES, measure_names
from .rule_catalogue import RULES
from .views import correction_notes, figure_notes, memory_connection

REPORT_NAME = "report.html"
MAX_IMAGES = 150  # page regions drawn in one report; past this a finding shows its row
RENDER_SCALE = 2.0  # 144 dpi
MARGIN_PT = 18.0  # page above and below the row shown with it
PDF_FORMATS = ("pdf", "pdf_scan")


@dataclass
class Cell:
    """What a finding points at, as HTML pieces for the template."""

    image: str | None = None  # data: URI of the page region (PDF)
    headers: list[str] = field(default_factory=list)  # the row's column names (other files)
    cells: list[str] = field(default_factory=list)
    marked: int | None = None  # index of the finding's own cell in `cells`
    label: str | None = None


def _rows(con: Any, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _fmt(value: Any, kind: str = "num") -> str:
    value = _clean(value)
    if value is None:
        return ""
    if kind == "pct":
        return f"{value:.2f}%"
    if kind == "int":
        return f"{int(value):,}"
    if isinstance(value, float | int):
        return f"{value:,.2f}"
    return str(value)


# ------------------------------------------------------------------ the cell of a finding


class PageImages:
    """Pages of the PDFs under IN rendered once each, and the regions cut from them."""

    def __init__(self, in_dir: Path | None) -> None:
        self.in_dir = in_dir
        self.pages: dict[tuple[str, int], Any] = {}
        self.drawn = 0

    def page(self, source_path: str, page: int) -> Any | None:
        key = (source_path, page)
        if key not in self.pages:
            self.pages[key] = self._render(source_path, page)
        return self.pages[key]

    def _render(self, source_path: str, page: int) -> Any | None:
        if self.in_dir is None:
            return None
        path = self.in_dir / source_path
        if not path.is_file():  # a member of a .zip bundle, or moved since
            return None
        try:
            import pypdfium2

            pdf = pypdfium2.PdfDocument(str(path))
            try:
                if not 1 <= page <= len(pdf):
                    return None
                bitmap = pdf[page - 1].render(scale=RENDER_SCALE)
                return bitmap.to_pil().convert("RGB")
            finally:
                pdf.close()
        except Exception:  # an unreadable PDF shows its row instead
            return None

    def region(
        self, source_path: str, page: int, band: tuple[float, float], box: tuple | None
    ) -> str | None:
        """The page across its width from band[0] to band[1] (points from the top), with `box`
        (x0, top, x1, bottom) outlined in red, as a data: URI; None past MAX_IMAGES."""
        if self.drawn >= MAX_IMAGES:
            return None
        image = self.page(source_path, page)
        if image is None:
            return None
        from PIL import ImageDraw

        s = RENDER_SCALE
        top = max(0, int((band[0] - MARGIN_PT) * s))
        bottom = min(image.height, int((band[1] + MARGIN_PT) * s))
        crop = image.crop((0, top, image.width, bottom))
        if box is not None:
            x0, y0, x1, y1 = box
            ImageDraw.Draw(crop).rectangle(
                (x0 * s - 3, y0 * s - top - 3, x1 * s + 3, y1 * s - top + 3),
                outline=(220, 0, 0),
                width=3,
            )
        buffer = io.BytesIO()
        crop.convert("P", palette=1, colors=64).save(buffer, format="PNG", optimize=True)
        self.drawn += 1
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_CELL_SQL = """
SELECT section, level1, level2, item, measure, item_seq, value_raw, page, "row", col,
       bbox_x0, bbox_top, bbox_x1, bbox_bottom
FROM "values" WHERE source_path = ? AND form = ? AND form_seq = ?
ORDER BY "row" NULLS LAST, col NULLS LAST
"""


class CellFinder:
    def __init__(self, con: Any, images: PageImages) -> None:
        self.con = con
        self.images = images
        self.forms: dict[tuple, list[dict[str, Any]]] = {}
        self.measures = measure_names()

    def _form(self, source_path: str, form: str, form_seq: int) -> list[dict[str, Any]]:
        key = (source_path, form, form_seq)
        if key not in self.forms:
            self.forms[key] = _rows(self.con, _CELL_SQL, list(key))
        return self.forms[key]

    def cell(self, finding: dict[str, Any], source_format: str | None) -> Cell | None:
        if not finding["form"] or finding["form_seq"] is None or not finding["item"]:
            return None
        rows = self._form(finding["source_path"], finding["form"], finding["form_seq"])
        mine = [
            r
            for r in rows
            if r["item"] == finding["item"]
            and (finding["section"] is None or r["section"] == finding["section"])
        ]
        target = next((r for r in mine if r["measure"] == finding["measure"]), None)
        anchor = target or (mine[0] if mine else None)
        if anchor is None:
            return None
        same_row = [
            r
            for r in rows
            if anchor["row"] is not None
            and r["row"] == anchor["row"]
            and r["page"] == anchor["page"]
        ] or [anchor]
        label = " / ".join(x for x in (anchor["level1"], anchor["level2"], anchor["item"]) if x)
        if source_format in PDF_FORMATS and anchor["page"] and anchor["bbox_top"] is not None:
            boxed = [r for r in same_row if r["bbox_top"] is not None]
            band = (min(r["bbox_top"] for r in boxed), max(r["bbox_bottom"] for r in boxed))
            box = None
            if target is not None and target["bbox_x0"] is not None:
                box = (
                    target["bbox_x0"],
                    target["bbox_top"],
                    target["bbox_x1"],
                    target["bbox_bottom"],
                )
            image = self.images.region(finding["source_path"], anchor["page"], band, box)
            if image is not None:
                return Cell(image=image, label=label)
        same_row = [r for r in same_row if r["item"] == anchor["item"]] or [anchor]
        return Cell(
            headers=[self.measures.get(r["measure"], r["measure"]) for r in same_row],
            cells=[r["value_raw"] or "" for r in same_row],
            marked=next((i for i, r in enumerate(same_row) if r is target), None),
            label=label,
        )


# ------------------------------------------------------------------ the plots


def _charts(dept: list[dict], projects: list[dict], findings: list[dict]) -> list[dict]:
    """Vega-Lite specs (as dicts) of the three plots."""
    import altair as alt

    forms = [
        {
            "表": kind,
            "名称": r.get("project") or r.get("unit") or r["source_path"],
            "执行率": _clean(r["execution_rate"]),
            "总分": _clean(r["total_score"]),
        }
        for kind, rows in (("部门整体", dept), ("项目", projects))
        for r in rows
    ]
    rates = [f for f in forms if f["执行率"] is not None]
    scored = [f for f in rates if f["总分"] is not None]
    by_rule = Counter(
        (f["rule"], SEVERITY_NAMES.get(f["severity"], f["severity"])) for f in findings
    )
    rules = [{"规则": rule, "级别": sev, "数量": n} for (rule, sev), n in sorted(by_rule.items())]
    colour = alt.Color("表:N", title="表")
    hist = (
        alt.Chart(alt.Data(values=rates), title="执行率分布")
        .mark_bar()
        .encode(
            alt.X("执行率:Q", bin=alt.Bin(step=5), title="执行率(%)"),
            alt.Y("count():Q", title="表数"),
            colour,
        )
        .properties(width=420, height=240)
    )
    scatter = (
        alt.Chart(alt.Data(values=scored), title="自评总分与执行率")
        .mark_circle(size=60, opacity=0.7)
        .encode(
            alt.X("执行率:Q", title="执行率(%)", scale=alt.Scale(zero=False)),
            alt.Y("总分:Q", title="自评总分", scale=alt.Scale(zero=False)),
            colour,
            tooltip=["名称:N", "执行率:Q", "总分:Q"],
        )
        .properties(width=420, height=240)
    )
    bars = (
        alt.Chart(alt.Data(values=rules), title="各规则问题数")
        .mark_bar()
        .encode(
            alt.Y("规则:N", sort="-x", title=None),
            alt.X("数量:Q", title="问题数"),
            alt.Color(
                "级别:N",
                scale=alt.Scale(domain=["错误", "提示"], range=["#d62728", "#ff9f0e"]),
            ),
            tooltip=["规则:N", "级别:N", "数量:Q"],
        )
        .properties(width=420, height=max(60, 22 * len({r["规则"] for r in rules})))
    )
    return [
        {"id": "chart-rates", "spec": hist.to_dict(), "empty": not rates},
        {"id": "chart-scores", "spec": scatter.to_dict(), "empty": not scored},
        {"id": "chart-rules", "spec": bars.to_dict(), "empty": not rules},
    ]


def vega_script() -> str:
    """vega, vega-lite and vega-embed as one script, from the installed vl-convert-python."""
    import altair as alt
    import vl_convert

    return vl_convert.javascript_bundle(vl_version="_".join(alt.SCHEMA_VERSION.split(".")[:2]))


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


def report_context(out_dir: Path, in_dir: Path | None = None) -> dict[str, Any]:
    con = memory_connection(out_dir)
    try:
        documents = _rows(con, "SELECT * FROM documents ORDER BY source_path")
        notes = correction_notes(con)
        dept = _marked(_rows(con, "SELECT * FROM dept_summary"), notes)
        projects = _marked(_rows(con, "SELECT * FROM project_summary"), notes)
        corrections = _corrections(_rows(con, "SELECT * FROM corrections ORDER BY line"))
        findings = _rows(
            con,
            "SELECT * FROM findings ORDER BY source_path, form NULLS FIRST, "
            "form_seq NULLS FIRST, section NULLS FIRST, item NULLS FIRST",
        )
        n_values = con.execute('SELECT count(*) FROM "values"').fetchone()[0]
        n_rejects = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
        formats = {d["source_path"]: d["source_format"] for d in documents}
        finder = CellFinder(con, PageImages(in_dir))
        groups = []
        for rule, spec in RULES.items():
            mine = [f for f in findings if f["rule"] == rule]
            if not mine:
                continue
            items = []
            for f in mine:
                items.append(
                    {
                        **f,
                        "form_name": FORM_NAMES.get(f["form"], f["form"] or ""),
                        "section_name": SECTION_NAMES.get(f["section"], f["section"] or ""),
                        "measure_name": finder.measures.get(f["measure"], f["measure"] or ""),
                        "expected_text": _fmt(f["expected"]),
                        "actual_text": _fmt(f["actual"]),
                        "cell": finder.cell(f, formats.get(f["source_path"])),
                    }
                )
            groups.append(
                {
                    "rule": rule,
                    "severity": SEVERITY_NAMES.get(spec.severity, spec.severity),
                    "severity_code": spec.severity,
                    "checks": spec.checks,
                    "findings": items,
                }
            )
        images_capped = finder.images.drawn >= MAX_IMAGES
    finally:
        con.close()
    catalog = load_catalog()
    statuses = Counter(d["status"] for d in documents)
    return {
        "out_dir": str(Path(out_dir).resolve()),
        "in_dir": str(in_dir.resolve()) if in_dir else None,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "n_files": len(documents),
        "statuses": [
            {"code": code, "name": name, "count": statuses.get(code, 0)}
            for code, name in STATUS_NAMES.items()
        ],
        "failed": [d for d in documents if d["status"] == "failed"],
        "forms": [
            {"name": FORM_NAMES[form], "count": sum(d[f"n_{form}"] or 0 for d in documents)}
            for form in catalog.form_order
        ],
        "n_values": n_values,
        "n_rejects": n_rejects,
        "n_findings": len(findings),
        "severities": [
            {"code": code, "name": name, "count": sum(f["severity"] == code for f in findings)}
            for code, name in SEVERITY_NAMES.items()
        ],
        "dept": dept,
        "projects": projects,
        "form_names": FORM_NAMES,
        "charts": _charts(dept, projects, findings),
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
        loader=jinja2.PackageLoader("pipeline", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _fmt
    env.filters["pct"] = lambda v: _fmt(v, "pct")
    env.filters["int"] = lambda v: _fmt(v, "int")
    env.filters["sortkey"] = lambda v: "" if _clean(v) is None else _clean(v)
    template = env.get_template("report.html.j2")
    charts = [
        {**c, "json": json.dumps(c["spec"], ensure_ascii=False).replace("</", "<\\/")}
        for c in context["charts"]
    ]
    return template.render(
        **{**context, "charts": charts},
        vega_script=script if script is not None else vega_script(),
        generator=GENERATOR,  # known as ours if it is ever found under IN
    )


def write_report(out_dir: Path, in_dir: Path | None = None) -> Path:
    """Write OUT/report.html (aside, then swapped in). Returns its path."""
    out_dir = Path(out_dir)
    html = render_report(report_context(out_dir, in_dir))
    target = out_dir / REPORT_NAME
    tmp = out_dir / f".{REPORT_NAME}.{os.getpid()}.tmp"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, target)
    return target
