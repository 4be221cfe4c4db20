"""OUT/selfeval.duckdb: DuckDB views over the four Parquet tables, for BI tools and analysts.

The file holds views only, never copies, so it can never disagree with the Parquet files. DuckDB
resolves a relative path in a view against the working directory of whoever opens the file
(its `file_search_path` setting is per connection, not stored in the database), so the four base
views name their Parquet files by absolute path, written afresh at the end of every ingest run.
Moving OUT means running `python -m pipeline views OUT` again.

Views: the tables themselves (`values`, `documents`, `findings`, `rejects`, `corrections`) and,
over them, `dept_summary`, `project_summary` (one row per submission: a copy another file
replaces is left out, so a plain SUM is right; `copies` says how many were received),
`duplicate_copies` (the copies left out, each naming the one that counts), `indicators_wide`,
`findings_by_document` and `corrected_values` (each value an analyst's correction changed, with
who, why and what the file says). A figure an analyst corrected is marked: `corrected_figures`
in the summaries, `corrected_measures` in `indicators_wide`.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from pipeline.checks.catalogue import RULES
from pipeline.definitions import Catalog, load_catalog
from pipeline.publish.store import TABLES, table_path

DB_NAME = "selfeval.duckdb"
# DuckDB 1.0 and later (the BI tools' drivers lag behind the Python package) open the file
STORAGE_VERSION = "v1.0.0"

# the funds row and the total row every eval form has (schemas/forms/*.json)
FUNDS_TOTAL = "年度资金总额"
TOTAL = "总分"

# measures of the funds total row, in the summaries' column names
FUNDS_COLUMNS = (
    ("budget_initial", "budget_initial"),  # 年初预算数
    ("budget_full_year", "budget_full_year"),  # 全年预算数
    ("executed", "executed"),  # 全年执行数
    ("execution_rate", "execution_rate"),  # 执行率 (in %, as the form shows it)
    ("weight", "weight"),  # 分值 of budget execution
    ("score", "score"),  # 得分 of budget execution
)


def db_path(out_dir: Path) -> Path:
    return out_dir / DB_NAME


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source(out_dir: Path, name: str) -> str:
    """read_parquet of a table by absolute path (a dataset folder as its files)."""
    path = table_path(out_dir, name).resolve()
    if path.is_dir():
        return f"read_parquet({_literal(str(path / '**' / '*.parquet'))})"
    return f"read_parquet({_literal(str(path))})"


def _project_forms(catalog: Catalog) -> list[str]:
    return [f.form for f in catalog.forms.values() if f.carries("project") is not None]


def _slot(section: str, item: str, measure: str, column: str, text: bool = False) -> str:
    field = "value_text" if text else "value_num"
    return (
        f"max({field}) FILTER (WHERE section = {_literal(section)} AND item = {_literal(item)}"
        f" AND measure = {_literal(measure)} AND item_seq = 0) AS {column}"
    )


# each summary figure column and the slot it is read from (section, item, measure)
FIGURE_SLOTS = {
    **{column: ("funds", FUNDS_TOTAL, measure) for measure, column in FUNDS_COLUMNS},
    "total_weight": ("total", TOTAL, "weight"),
    "total_score": ("total", TOTAL, "score"),
    "rating": ("total", TOTAL, "rating"),
}


def _where(section: str, item: str, measure: str) -> str:
    return (
        f"section = {_literal(section)} AND item = {_literal(item)}"
        f" AND measure = {_literal(measure)} AND item_seq = 0"
    )


def _corrected_figures() -> str:
    """The summary figures an analyst's correction changed, by column name, `,` between."""
    flags = ", ".join(
        f"CASE WHEN bool_or(corrected) FILTER (WHERE {_where(*slot)}) THEN {_literal(column)} END"
        for column, slot in FIGURE_SLOTS.items()
    )
    return f"nullif(concat_ws(',', {flags}), '') AS corrected_figures"


def _form_figures(forms: list[str]) -> str:
    """One row per form instance of `forms`: its labels and the funds and total figures."""
    slots = [_slot("funds", FUNDS_TOTAL, m, c) for m, c in FUNDS_COLUMNS]
    slots.append(
        f"max(value_unit) FILTER (WHERE section = 'funds' AND item = {_literal(FUNDS_TOTAL)} "
        "AND value_num IS NOT NULL AND measure IN ('budget_initial', 'budget_full_year', "
        "'executed') AND item_seq = 0) AS amount_unit"
    )
    slots += [
        _slot("total", TOTAL, "weight", "total_weight"),
        _slot("total", TOTAL, "score", "total_score"),
        _slot("total", TOTAL, "rating", "rating", text=True),
        _corrected_figures(),
        "count(*) FILTER (WHERE corrected) AS corrections",
    ]
    names = ", ".join(map(_literal, forms))
    return (
        "SELECT source_path, form, form_seq, max(unit) AS unit, max(project) AS project, "
        "max(fiscal_year) AS fiscal_year, " + ", ".join(slots) + ' FROM "values" '
        f"WHERE form IN ({names}) GROUP BY source_path, form, form_seq"
    )


# the form instances a later copy of the same submission replaces (pipeline/checks/rules.py:
# duplicates.submissions picks the copy that counts); the summaries leave them out
_NOT_COUNTED = (
    "SELECT DISTINCT source_path, form, form_seq FROM findings WHERE rule = 'duplicate_submission'"
)


def _counted(figures: str) -> str:
    """The form instances of `figures` that count, each with how many copies were received."""
    return (
        "SELECT c.* FROM (SELECT s.*, CASE WHEN s.unit IS NULL THEN 1 ELSE count(*) OVER "
        "(PARTITION BY s.unit, s.fiscal_year, s.form, s.project) END AS copies "
        f"FROM ({figures}) s) c ANTI JOIN ({_NOT_COUNTED}) n "
        "ON n.source_path = c.source_path AND n.form = c.form AND n.form_seq = c.form_seq"
    )


# every value a correction changed (its value, or its unit, project or year), once per
# correction applied to it
CORRECTED_VALUES = (
    "SELECT v.source_path, v.form, v.form_seq, v.unit, v.project, v.fiscal_year, v.section, "
    'v.level1, v.level2, v.item, v.item_seq, v.measure, v.page, v."row", v.col, v.value_raw, '
    "v.value_text, v.value_num, v.value_unit, v.record_id, c.correction_id, c.line, c.field, "
    "c.value_before, c.value_num_before, c.author, c.reason, c.date "
    'FROM "values" v JOIN corrections c '
    "ON list_contains(string_split(v.correction_id, ';'), c.correction_id) "
    "ORDER BY v.source_path, v.form, v.form_seq, c.line"
)


_FORM_FINDINGS = (
    "SELECT source_path, form, form_seq, count(*) AS findings, "
    "count(*) FILTER (WHERE severity = 'error') AS errors FROM findings "
    "GROUP BY source_path, form, form_seq"
)


def view_sql(out_dir: Path, catalog: Catalog | None = None) -> dict[str, str]:
    """Each view's name and its SELECT, in the order they are created."""
    catalog = catalog or load_catalog()
    sql = {name: f"SELECT * FROM {_source(out_dir, name)}" for name in TABLES}
    projects = _project_forms(catalog)
    n_projects = " + ".join(f"coalesce(d.n_{form}, 0)" for form in projects) or "0"
    funds = ", ".join(f"s.{c}" for _, c in FUNDS_COLUMNS)
    doc_findings = "SELECT source_path, count(*) AS n FROM findings GROUP BY source_path"
    sql["dept_summary"] = (
        "SELECT s.source_path, s.form_seq, s.unit, s.fiscal_year, "
        f"{funds}, s.amount_unit, s.total_weight, s.total_score, s.rating, "
        f"CAST({n_projects} AS INTEGER) AS n_projects, "
        "coalesce(f.findings, 0) AS findings, coalesce(f.errors, 0) AS errors, "
        "coalesce(df.n, 0) AS document_findings, s.copies, s.corrected_figures, s.corrections "
        f"FROM ({_counted(_form_figures(['dept_eval']))}) s "
        "LEFT JOIN documents d ON d.source_path = s.source_path "
        f"LEFT JOIN ({_FORM_FINDINGS}) f ON f.source_path = s.source_path "
        "AND f.form = s.form AND f.form_seq = s.form_seq "
        f"LEFT JOIN ({doc_findings}) df ON df.source_path = s.source_path "
        "ORDER BY s.source_path, s.form_seq"
    )
    sql["project_summary"] = (
        "SELECT s.source_path, s.form, s.form_seq, s.unit, s.project, s.fiscal_year, "
        f"{funds}, s.amount_unit, s.total_weight, s.total_score, s.rating, "
        "coalesce(f.findings, 0) AS findings, coalesce(f.errors, 0) AS errors, s.copies, "
        "s.corrected_figures, s.corrections "
        f"FROM ({_counted(_form_figures(projects))}) s "
        f"LEFT JOIN ({_FORM_FINDINGS}) f ON f.source_path = s.source_path "
        "AND f.form = s.form AND f.form_seq = s.form_seq "
        "ORDER BY s.source_path, s.form, s.form_seq"
    )
    sql["duplicate_copies"] = (
        "SELECT f.source_path, f.form, f.form_seq, f.project, d.source_format, f.message "
        "FROM findings f LEFT JOIN documents d ON d.source_path = f.source_path "
        "WHERE f.rule = 'duplicate_submission' ORDER BY f.source_path, f.form, f.form_seq"
    )
    sql["indicators_wide"] = _indicators_wide(catalog)
    by_rule = ", ".join(
        f"count(f.rule) FILTER (WHERE f.rule = {_literal(rule)}) AS {rule}" for rule in RULES
    )
    sql["findings_by_document"] = (
        "SELECT d.source_path, d.source_format, d.status, d.error_code, "
        "count(f.rule) AS findings, "
        "count(f.rule) FILTER (WHERE f.severity = 'error') AS errors, "
        "count(f.rule) FILTER (WHERE f.severity = 'warning') AS warnings, "
        f"{by_rule} FROM documents d LEFT JOIN findings f ON f.source_path = d.source_path "
        "GROUP BY d.source_path, d.source_format, d.status, d.error_code "
        "ORDER BY d.source_path"
    )
    sql["corrected_values"] = CORRECTED_VALUES
    return sql


def indicator_columns(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(column, measure, field) of indicators_wide's measure columns. A number with a default
    unit (分值, 得分, 完成率) is its number; a target or actual value, which may be words
    (`一月一总结`), is its text beside `_num`, `_unit` and `_comparator`; any other its text."""
    measures: list[str] = []
    for form in catalog.forms.values():
        for section in form.sections:
            if section.section == "indicators":
                measures += [m for m in section.measures if m not in measures]
    columns = []
    for measure in measures:
        spec = catalog.vocabulary.measures[measure]
        if spec.numeric and spec.unit:
            columns.append((measure, measure, "value_num"))
        elif spec.numeric:
            columns += [
                (measure, measure, "value_text"),
                (f"{measure}_num", measure, "value_num"),
                (f"{measure}_unit", measure, "value_unit"),
                (f"{measure}_comparator", measure, "comparator"),
            ]
        else:
            columns.append((measure, measure, "value_text"))
    return columns


def _indicators_wide(catalog: Catalog) -> str:
    pivots = ", ".join(
        f"max({field}) FILTER (WHERE measure = {_literal(measure)}) AS {column}"
        for column, measure, field in indicator_columns(catalog)
    )
    return (
        "SELECT source_path, form, form_seq, max(unit) AS unit, max(project) AS project, "
        "max(fiscal_year) AS fiscal_year, level1, level2, item, item_seq, min(page) AS page, "
        f'min("row") AS "row", {pivots}, '
        "string_agg(measure, ',' ORDER BY measure) FILTER (WHERE corrected) AS corrected_measures "
        "FROM \"values\" WHERE section = 'indicators' "
        "GROUP BY source_path, form, form_seq, level1, level2, item, item_seq "
        'ORDER BY source_path, form, form_seq, "row" NULLS LAST, level1, level2, item, item_seq'
    )


def write_views(out_dir: Path) -> Path:
    """Write OUT/selfeval.duckdb afresh (aside, then swapped in) with the views over the
    Parquet files under `out_dir` as they are now. Returns its path."""
    import duckdb

    out_dir = Path(out_dir)
    missing = [n for n in TABLES if not table_path(out_dir, n).exists()]
    if missing:
        raise FileNotFoundError(
            f"{out_dir} 中没有 {'、'.join(f'{n}.parquet' for n in missing)}：请先运行 ingest"
        )
    target = db_path(out_dir)
    for stale in out_dir.glob(f".{DB_NAME}.*.tmp*"):
        with contextlib.suppress(OSError):
            stale.unlink()
    tmp = out_dir / f".{DB_NAME}.{os.getpid()}.tmp"
    con = duckdb.connect(str(tmp), config={"storage_compatibility_version": STORAGE_VERSION})
    try:
        for name, select in view_sql(out_dir).items():
            con.execute(f'CREATE VIEW "{name}" AS {select}')
        for name in (
            "dept_summary",
            "project_summary",
            "duplicate_copies",
            "indicators_wide",
            "findings_by_document",
            "corrected_values",
        ):
            con.execute(f'SELECT * FROM "{name}" LIMIT 0')  # binds: a mistake fails here, not in BI
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, target)
    with contextlib.suppress(FileNotFoundError):
        Path(f"{tmp}.wal").unlink()
    return target


def refresh_views(out_dir: Path) -> None:
    """Write the views again where a run was stopped after committing its tables but before
    its views were in place: the database missing or older than a table, or a half-written
    one left aside. Nothing to do (and nothing written) otherwise."""
    out_dir = Path(out_dir)
    tables = [table_path(out_dir, n) for n in TABLES]
    if not all(t.exists() for t in tables):
        return
    target = db_path(out_dir)
    stale = any(out_dir.glob(f".{DB_NAME}.*.tmp*"))
    if (
        stale
        or not target.exists()
        or target.stat().st_mtime < max(t.stat().st_mtime for t in tables)
    ):
        write_views(out_dir)


def units_sent(con) -> dict[str, list[str]]:
    """Each unit with forms in the season (on a connection with the views), with its files."""
    rows = con.execute(
        'SELECT unit, list(DISTINCT source_path ORDER BY source_path) FROM "values" '
        "WHERE unit IS NOT NULL GROUP BY unit"
    ).fetchall()
    return {unit: list(files) for unit, files in rows}


def memory_connection(out_dir: Path):
    """An in-memory DuckDB connection with the views over the tables under `out_dir` (for the
    workbook and the report: the same SQL as the file, whatever state the file is in)."""
    import duckdb

    out_dir = Path(out_dir)
    missing = [n for n in TABLES if not table_path(out_dir, n).exists()]
    if missing:
        raise FileNotFoundError(
            f"{out_dir} 中没有 {'、'.join(f'{n}.parquet' for n in missing)}：请先运行 ingest"
        )
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # no English progress bar on a clerk's screen
    for name, select in view_sql(out_dir).items():
        con.execute(f'CREATE VIEW "{name}" AS {select}')
    return con


def correction_notes(con: Any) -> dict[tuple, str]:
    """What an analyst's correction did to each value it changed, in words, by the value's
    place (source_path, form, form_seq, section, level1, level2, item, item_seq, measure): for
    the workbook's cell comments and the report's marks."""
    notes: dict[tuple, list[str]] = {}
    cursor = con.execute('SELECT * FROM "corrected_values"')
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        r = dict(zip(names, row, strict=True))
        if r["field"] != "value":  # a unit, project or year: said in 更正记录, not on each cell
            continue
        key = tuple(r[k] for k in NOTE_KEY)
        notes.setdefault(key, []).append(correction_words(r))
    return {key: "；".join(words) for key, words in notes.items()}


NOTE_KEY = (
    "source_path",
    "form",
    "form_seq",
    "section",
    "level1",
    "level2",
    "item",
    "item_seq",
    "measure",
)
FIELD_WORDS = {"value": "值", "unit": "单位", "project": "项目", "fiscal_year": "年度"}


def correction_words(r: dict[str, Any]) -> str:
    """`已更正（第 2 行，张三 2026-12-07：原因）：文件为 96.50%，现为 95.00%`."""
    who = "，".join(x for x in (f"更正文件第 {r['line']} 行", r["author"], r["date"]) if x)
    if r["field"] == "value":
        what = f"文件为 {r['value_raw'] or '（空）'}，现为 {r['value_text'] or '（空）'}"
    else:
        now = r["fiscal_year"] if r["field"] == "fiscal_year" else r[r["field"]]
        what = f"{FIELD_WORDS[r['field']]}原为 {r['value_before'] or '（空）'}，现为 {now}"
    return f"已更正（{who}：{r['reason'] or ''}）：{what}"


def figure_notes(row: dict[str, Any], notes: dict[tuple, str]) -> dict[str, str]:
    """A dept_summary or project_summary row's figures an analyst corrected: column → note."""
    key = (row["source_path"], row.get("form", "dept_eval"), row["form_seq"])
    out = {}
    for column in (row.get("corrected_figures") or "").split(","):
        if column in FIGURE_SLOTS:
            section, item, measure = FIGURE_SLOTS[column]
            note = notes.get((*key, section, None, None, item, 0, measure))
            if note:
                out[column] = note
    return out


def indicator_notes(row: dict[str, Any], notes: dict[tuple, str]) -> dict[str, str]:
    """An indicators_wide row's measures an analyst corrected: measure → note."""
    key = (row["source_path"], row["form"], row["form_seq"], "indicators", row["level1"])
    key += (row["level2"], row["item"], row["item_seq"])
    measures = (row.get("corrected_measures") or "").split(",")
    return {m: notes[(*key, m)] for m in measures if (*key, m) in notes}
