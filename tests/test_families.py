"""Golden tests of the layout families (fixtures/families/, built by fixtures/build_families.py):
every real example form re-laid in its family's layout, and one synthetic document per family,
in each format built. Each document gives exactly its expected records and findings.

The folder is ingested once per session. These tests describe what the pipeline must read; they
fail where it does not read a family yet."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, assert_same_records, frame_rows

from pipeline.run.ingest import ingest

FAMILIES = FIXTURES / "families"
SPECS = FAMILIES / "specs"
DOCUMENT_FORMATS = ("docx", "pdf", "html", "xlsx")
FINDING_FIELDS = ("rule", "severity", "form", "form_seq", "section", "item", "measure")
RENDER_WEB = FIXTURES / "render_web.py"

DOCUMENTS = sorted(
    path
    for path in FAMILIES.glob("*")
    if path.suffix.lstrip(".") in DOCUMENT_FORMATS and path.with_suffix(".jsonl").exists()
)
CASES = [pytest.param(path.stem, path.suffix.lstrip("."), id=path.name) for path in DOCUMENTS]
SPEC_NAMES = sorted(path.stem for path in SPECS.glob("*.json"))


def _expected(name: str) -> list[dict]:
    lines = (FAMILIES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _clean(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _finding_rows(findings: list[dict]) -> list[tuple]:
    return sorted((tuple(_clean(f[k]) for k in FINDING_FIELDS) for f in findings), key=repr)


@pytest.fixture(scope="session")
def families_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("families-out")
    ingest(FAMILIES, out)
    return out


@pytest.fixture(scope="session")
def families_values(families_out: Path) -> pd.DataFrame:
    return pd.read_parquet(families_out / "values.parquet")


@pytest.fixture(scope="session")
def families_findings(families_out: Path) -> pd.DataFrame:
    return pd.read_parquet(families_out / "findings.parquet")


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_every_spec_is_built(name):
    """Each spec's documents, expected records and findings are on disk (run
    `python fixtures/build_families.py` after changing a spec)."""
    spec = json.loads((SPECS / f"{name}.json").read_text(encoding="utf-8"))
    formats = spec.get("formats", ["docx", "pdf"])
    if not RENDER_WEB.exists():  # the builder skips web formats until their renderer exists
        formats = [fmt for fmt in formats if fmt not in ("html", "xlsx")]
    wanted = [f"{name}.{fmt}" for fmt in formats] + [f"{name}.jsonl", f"{name}.findings.json"]
    missing = [file for file in wanted if not (FAMILIES / file).exists()]
    assert not missing, f"not built: {missing}"


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_every_expected_value_and_nothing_else(families_values, name, fmt):
    got = frame_rows(families_values[families_values.source_path == f"{name}.{fmt}"])
    assert_same_records(_expected(name), got, fmt)


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_exactly_the_expected_findings(families_findings, name, fmt):
    """The file's findings equal its .findings.json. duplicate_submission is left aside: the
    .docx and .pdf (and other formats) of one document are duplicates of each other by design."""
    rows = families_findings[
        (families_findings.source_path == f"{name}.{fmt}")
        & (families_findings.rule != "duplicate_submission")
    ]
    got = _finding_rows(frame_rows(rows))
    want = _finding_rows(json.loads((FAMILIES / f"{name}.findings.json").read_text("utf-8")))
    assert got == want
