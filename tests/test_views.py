"""OUT/selfeval.duckdb: views over the Parquet tables, queried from another working directory,
give the figures of the values table (and of the numbers a fixture was built with)."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import FIXTURES, ROOT, SEASON, expected_records, frame_rows

from pipeline.checks.catalogue import RULES
from pipeline.cli import main
from pipeline.publish.views import DB_NAME
from pipeline.run.ingest import ingest

FAMILIES = FIXTURES / "families"
DOCS = [
    SEASON / "yueyang-2024.docx",  # a dept form, seven project forms, base data
    FAMILIES / "holdout-f06-xiyang.docx",  # a transfer form
    FAMILIES / "cq-kexuecheng-2021-dept.pdf",  # a dept form with findings, a PDF
]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("views-in")
    for doc in DOCS:
        shutil.copy(doc, folder / doc.name)
    out = tmp_path_factory.mktemp("views-out")
    ingest(folder, out)
    return out


@pytest.fixture
def query(out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run SQL against the views file from a working directory that is neither OUT nor the repo."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    con = duckdb.connect(str(out / DB_NAME), read_only=True)
    yield lambda sql: con.execute(sql).df()
    con.close()


@pytest.fixture(scope="module")
def values(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "values.parquet")


def _num(x: object) -> float | None:
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return None
    return float(x)


def _slot(values: pd.DataFrame, section: str, item: str, measure: str) -> dict:
    """(source_path, form, form_seq) → value_num of one slot, from values.parquet."""
    rows = values[
        (values.section == section)
        & (values["item"] == item)
        & (values.measure == measure)
        & (values.item_seq == 0)
    ]
    return {(r.source_path, r.form, r.form_seq): _num(r.value_num) for r in rows.itertuples()}


FUNDS = {
    "budget_initial": "budget_initial",
    "budget_full_year": "budget_full_year",
    "executed": "executed",
    "execution_rate": "execution_rate",
    "weight": "weight",
    "score": "score",
}


def _assert_figures(view: pd.DataFrame, values: pd.DataFrame, forms: set[str]) -> None:
    funds = {col: _slot(values, "funds", "年度资金总额", m) for col, m in FUNDS.items()}
    total = {
        "total_weight": _slot(values, "total", "总分", "weight"),
        "total_score": _slot(values, "total", "总分", "score"),
    }
    instances = values[values.form.isin(forms)].groupby(["source_path", "form", "form_seq"])
    assert len(view) == instances.ngroups
    for row in frame_rows(view):
        key = (row["source_path"], row.get("form", "dept_eval"), row["form_seq"])
        group = instances.get_group(key)
        assert row["unit"] == (group.unit.dropna().iloc[0] if group.unit.notna().any() else None)
        for column, by_key in {**funds, **total}.items():
            assert _num(row[column]) == by_key.get(key), (key, column)


def test_the_file_is_written_by_every_ingest_beside_the_tables(out: Path):
    assert (out / DB_NAME).is_file()
    assert not list(out.glob(f".{DB_NAME}*"))


def test_views_are_views_over_the_parquet_files(query):
    kinds = query("SELECT table_name, table_type FROM information_schema.tables")
    assert dict(zip(kinds.table_name, kinds.table_type, strict=True)) == {
        name: "VIEW"
        for name in (
            "values",
            "documents",
            "findings",
            "rejects",
            "corrections",
            "dept_summary",
            "project_summary",
            "duplicate_copies",
            "indicators_wide",
            "findings_by_document",
            "corrected_values",
        )
    }


def test_base_views_are_the_tables(query, out: Path):
    for name in ("values", "documents", "findings", "rejects"):
        frame = pd.read_parquet(out / f"{name}.parquet")
        got = query(f'SELECT * FROM "{name}"')
        assert list(got.columns) == list(frame.columns)
        assert len(got) == len(frame)


def test_dept_summary_gives_the_values_tables_figures(query, values: pd.DataFrame, out: Path):
    view = query("SELECT * FROM dept_summary")
    assert list(view.columns) == [
        "source_path",
        "form_seq",
        "unit",
        "fiscal_year",
        *FUNDS,
        "amount_unit",
        "total_weight",
        "total_score",
        "rating",
        "n_projects",
        "findings",
        "errors",
        "document_findings",
        "copies",
        "corrected_figures",  # contract v3: no corrections here, so none
        "corrections",
    ]
    assert view.corrected_figures.isna().all() and (view.corrections == 0).all()
    assert sorted(view.source_path) == ["cq-kexuecheng-2021-dept.pdf", "yueyang-2024.docx"]
    _assert_figures(view, values, {"dept_eval"})
    findings = pd.read_parquet(out / "findings.parquet")
    for row in frame_rows(view):
        on_form = findings[
            (findings.source_path == row["source_path"])
            & (findings.form == "dept_eval")
            & (findings.form_seq == row["form_seq"])
        ]
        assert row["findings"] == len(on_form)
        assert row["errors"] == int((on_form.severity == "error").sum())
        assert row["document_findings"] == int((findings.source_path == row["source_path"]).sum())
        projects = values[
            (values.source_path == row["source_path"])
            & values.form.isin(["project_eval", "transfer_eval"])
        ]
        assert row["n_projects"] == projects.groupby(["form", "form_seq"]).ngroups


def test_dept_summary_gives_the_numbers_the_fixture_was_built_with(query):
    expected = expected_records("yueyang-2024")

    def built(section: str, item: str, measure: str) -> float:
        (value,) = [
            r["value_num"]
            for r in expected
            if r["form"] == "dept_eval"
            and (r["section"], r["item"], r["measure"]) == (section, item, measure)
        ]
        return value

    (row,) = frame_rows(query("SELECT * FROM dept_summary WHERE source_path = 'yueyang-2024.docx'"))
    assert row["unit"] == "中共岳阳市委办公室" and row["fiscal_year"] == 2024
    for measure in FUNDS:
        assert row[measure] == built("funds", "年度资金总额", measure), measure
    assert row["budget_full_year"] == 8017.61 and row["execution_rate"] == 91.02
    assert row["total_score"] == built("total", "总分", "score")
    assert row["n_projects"] == len(
        {r["form_seq"] for r in expected if r["form"] == "project_eval"}
    )


def test_project_summary_gives_the_values_tables_figures(query, values: pd.DataFrame):
    view = query("SELECT * FROM project_summary")
    assert {"unit", "project", *FUNDS, "total_score"} <= set(view.columns)
    _assert_figures(view, values, {"project_eval", "transfer_eval"})
    assert set(view.form) == {"project_eval", "transfer_eval"}
    for row in frame_rows(view):
        group = values[
            (values.source_path == row["source_path"])
            & (values.form == row["form"])
            & (values.form_seq == row["form_seq"])
        ]
        assert row["project"] == group.project.dropna().iloc[0]
    yueyang = expected_records("yueyang-2024")
    built = {
        r["project"]: r["value_num"]
        for r in yueyang
        if r["form"] == "project_eval" and (r["section"], r["measure"]) == ("total", "score")
    }
    got = view[view.source_path == "yueyang-2024.docx"]
    assert dict(zip(got.project, got.total_score, strict=True)) == built


def test_indicators_wide_has_a_row_per_indicator_with_its_measures(query, values: pd.DataFrame):
    view = query("SELECT * FROM indicators_wide")
    indicators = values[values.section == "indicators"]
    key = ["source_path", "form", "form_seq", "level1", "level2", "item", "item_seq"]
    assert len(view) == indicators.groupby(key, dropna=False).ngroups
    by_key = {tuple(r[k] for k in key): r for r in frame_rows(view)}
    for r in frame_rows(indicators):
        row = by_key[tuple(r[k] for k in key)]
        measure = r["measure"]
        if measure in ("weight", "score", "completion_rate", "review_score"):
            assert _num(row[measure]) == r["value_num"], (r, measure)
        elif measure in ("target", "actual"):
            assert row[measure] == r["value_text"]
            assert _num(row[f"{measure}_num"]) == r["value_num"]
            assert row[f"{measure}_unit"] == r["value_unit"]
            assert row[f"{measure}_comparator"] == r["comparator"]
        elif measure == "deviation_note":
            assert row[measure] == r["value_text"]
    for column in ("target", "actual", "weight", "score", "deviation_note"):
        assert column in view.columns


def test_findings_by_document_counts_the_findings_table(query, out: Path):
    view = query("SELECT * FROM findings_by_document")
    documents = pd.read_parquet(out / "documents.parquet")
    findings = pd.read_parquet(out / "findings.parquet")
    assert list(view.source_path) == sorted(documents.source_path)
    for row in frame_rows(view):
        mine = findings[findings.source_path == row["source_path"]]
        assert row["findings"] == len(mine)
        assert row["errors"] == int((mine.severity == "error").sum())
        assert row["warnings"] == int((mine.severity == "warning").sum())
        for rule in RULES:
            assert row[rule] == int((mine.rule == rule).sum()), rule
    assert view.findings.sum() == len(findings)


def test_the_file_opens_from_any_working_directory_in_another_process(out: Path, tmp_path: Path):
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(con.execute('SELECT count(*) FROM indicators_wide').fetchone()[0])"
    )
    relative = os.path.relpath(out / DB_NAME, tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script, relative],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(done.stdout) > 0


def test_views_command_rewrites_the_file_after_out_moves(out: Path, tmp_path: Path, capsys):
    moved = tmp_path / "moved"
    shutil.copytree(out, moved)
    (moved / DB_NAME).unlink()
    assert main(["views", str(moved)]) == 0
    assert str(moved / DB_NAME) in capsys.readouterr().out
    con = duckdb.connect(str(moved / DB_NAME), read_only=True)
    sql = con.execute(
        "SELECT sql FROM duckdb_views() WHERE view_name = 'values' AND NOT internal"
    ).fetchone()[0]
    con.close()
    assert str(moved.resolve() / "values.parquet") in sql


def test_views_command_on_a_folder_without_tables_is_a_usage_error(tmp_path: Path, capsys):
    assert main(["views", str(tmp_path)]) == 2
    assert "请先运行 ingest" in capsys.readouterr().err


def test_duckdb_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dep.startswith("duckdb") for dep in project["dependencies"])


def test_a_submission_sent_twice_counts_once(tmp_path: Path):
    """The same department's forms as .docx and .pdf: the summaries hold one row per form, so
    a plain SUM is the department's budget; the .pdf copy is listed as not counted."""
    folder = tmp_path / "in"
    folder.mkdir()
    for suffix in (".docx", ".pdf"):
        shutil.copy(SEASON / f"jiangcheng-jiaotong-2023{suffix}", folder)
    ingest(folder, tmp_path / "out", workers=2)
    con = duckdb.connect(str(tmp_path / "out" / DB_NAME), read_only=True)
    built = expected_records("jiangcheng-jiaotong-2023")
    budget = next(
        r["value_num"]
        for r in built
        if (r["form"], r["section"], r["item"], r["measure"])
        == ("dept_eval", "funds", "年度资金总额", "budget_full_year")
    )
    total, rows, copies = con.execute(
        "SELECT sum(budget_full_year), count(*), max(copies) FROM dept_summary"
    ).fetchone()
    assert (total, rows, copies) == (budget, 1, 2)
    projects = {r["form_seq"] for r in built if r["form"] == "project_eval"}
    assert con.execute("SELECT count(*) FROM project_summary").fetchone()[0] == len(projects)
    left_out = con.execute("SELECT DISTINCT source_path FROM duplicate_copies").fetchall()
    assert left_out == [("jiangcheng-jiaotong-2023.pdf",)]


def test_the_demo_season_is_each_department_once(tmp_path: Path):
    """What `make ingest` reads by default: five departments, no copy counted twice."""
    ingest(FIXTURES / "demo", tmp_path, workers=2)
    con = duckdb.connect(str(tmp_path / DB_NAME), read_only=True)
    units = [u for (u,) in con.execute("SELECT unit FROM dept_summary").fetchall()]
    assert len(units) == len(set(units)) == 5
    assert con.execute("SELECT count(*) FROM duplicate_copies").fetchone()[0] == 0
    built = {r["unit"] for name in _DEMO_SOURCES for r in expected_records(name) if r["unit"]}
    assert set(units) == built


_DEMO_SOURCES = (
    "yueyang-2024",
    "jiangcheng-jiaoyu-2024",
    "jiangcheng-jiaotong-2023",
    "jiangcheng-wenlv-2023",
    "jiangcheng-weijian-2024",
)
