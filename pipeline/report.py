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

Whatever a submission holds stays text on the page: the chart data inside `<script>` has every
`<`, `>` and `&` escaped (a project named `…<!--<script>…` would otherwise make the browser take
the rest of the page for script), control characters are removed, and a value's box is clamped
to its page.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractors.errors import error_name
from extractors.own_output import GENERATOR

from .definitions import load_catalog
from .export import CORRECTION_STATUS, FIELD_NAMES
from .names import FORM_NAMES, SECTION_NAMES, SEVERITY_NAMES, STATUS_NAMES, measure_names
from .report_tables import PAGE_ROWS, dept_table, project_table, units_table
from .report_units import units_overview, unread_files
from .roster import check_roster
from .rule_catalogue import RULES
from .store import OutputError, unwritable
from .views import correction_notes, figure_notes, memory_connection, units_sent

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


SVG_MARKS = 2000  # a chart of more points than this is drawn on a canvas
FINDINGS_SHOWN = 100  # findings listed per rule; a province's season has tens of thousands


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SCRIPT_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(data: Any) -> str:
    """`data` as JSON that can stand inside a `<script>` element whatever its strings hold:
    no `<` (so no `</script`, `<script` or `<!--`), `>` or `&` in it, escaped as JSON escapes,
    and no NaN or infinity (which JSON.parse refuses)."""
    text = json.dumps(_finite(data), ensure_ascii=False, allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group()], text)


def _finite(data: Any) -> Any:
    """`data` with every NaN or infinite number made null, and control characters removed."""
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    if isinstance(data, str):
        return _CONTROL.sub("", data)
    return _clean(data)


def _printable(value: Any) -> Any:
    """What the page shows of a value: a text without control characters."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return _CONTROL.sub("", value)
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
        if not path.resolve().is_relative_to(self.in_dir.resolve()):  # a link out of IN
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
        band = sorted(_on_page(v, image.height / s) for v in band)
        top = max(0, int((band[0] - MARGIN_PT) * s))
        bottom = max(top + 1, min(image.height, int((band[1] + MARGIN_PT) * s)))
        crop = image.crop((0, top, image.width, bottom))
        if box is not None:
            x0, x1 = sorted(_on_page(v, image.width / s) for v in (box[0], box[2]))
            y0, y1 = sorted(_on_page(v, image.height / s) for v in (box[1], box[3]))
            ImageDraw.Draw(crop).rectangle(
                (x0 * s - 3, y0 * s - top - 3, x1 * s + 3, y1 * s - top + 3),
                outline=(220, 0, 0),
                width=3,
            )
        buffer = io.BytesIO()
        crop.convert("P", palette=1, colors=64).save(buffer, format="PNG", optimize=True)
        self.drawn += 1
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _on_page(value: float | None, size: float) -> float:
    """A coordinate in points clamped to the page (a damaged PDF can give one off the page,
    negative, or none)."""
    value = _clean(value)
    return 0.0 if value is None else min(max(float(value), 0.0), size)


_CELL_SQL = """
SELECT section, level1, level2, item, measure, item_seq, value_raw, page, "row", col,
       bbox_x0, bbox_top, bbox_x1, bbox_bottom
FROM "values" WHERE source_path = ? AND form = ? AND form_seq = ?
ORDER BY "row" NULLS LAST, col NULLS LAST
"""


def _has_box(row: dict[str, Any]) -> bool:
    return all(
        _clean(row[k]) is not None for k in ("bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom")
    )


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
        boxed = [r for r in same_row if _has_box(r)]
        if source_format in PDF_FORMATS and anchor["page"] and boxed:
            band = (min(r["bbox_top"] for r in boxed), max(r["bbox_bottom"] for r in boxed))
            box = None
            if target is not None and _has_box(target):
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
        (RULES[f["rule"]].name if f["rule"] in RULES else f["rule"],
         SEVERITY_NAMES.get(f["severity"], f["severity"]))
        for f in findings
    )  # fmt: skip
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
        # SVG draws a node per mark: a province's tens of thousands of forms go on a canvas
        {
            "id": "chart-rates",
            "spec": hist.to_dict(),
            "empty": not rates,
            "renderer": "canvas" if len(rates) > SVG_MARKS else "svg",
        },
        {
            "id": "chart-scores",
            "spec": scatter.to_dict(),
            "empty": not scored,
            "renderer": "canvas" if len(scored) > SVG_MARKS else "svg",
        },
        {"id": "chart-rules", "spec": bars.to_dict(), "empty": not rules, "renderer": "svg"},
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


def report_context(
    out_dir: Path, in_dir: Path | None = None, roster: tuple[str, ...] | None = None
) -> dict[str, Any]:
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
        # forms as submissions: a copy another file replaces is listed under 重复报送 instead
        submissions = dict(
            con.execute(
                'SELECT v.form, count(*) FROM (SELECT DISTINCT source_path, form, form_seq FROM "values") v '
                "ANTI JOIN (SELECT source_path, form, form_seq FROM duplicate_copies) d "
                "ON d.source_path = v.source_path AND d.form = v.form AND d.form_seq = v.form_seq "
                "GROUP BY v.form"
            ).fetchall()
        )
        duplicates = _rows(con, "SELECT * FROM duplicate_copies")
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
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
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
        "dept_table": dept_table(dept, _fmt, lambda v: _fmt(v, "pct")),
        "project_table": project_table(projects, FORM_NAMES, _fmt, lambda v: _fmt(v, "pct")),
        "units_table": units_table(units),
        "page_rows": PAGE_ROWS,
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
        finalize=_printable,
    )
    env.filters["num"] = _fmt
    env.filters["pct"] = lambda v: _fmt(v, "pct")
    env.filters["int"] = lambda v: _fmt(v, "int")
    env.filters["sortkey"] = lambda v: "" if _clean(v) is None else _clean(v)
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
