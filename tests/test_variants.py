"""Real-world variance: forms inside a report, another province's wording, a form split over
two tables with its header repeated, Word-isms, old formats and a zip bundle — each gives
exactly the records it was built with, and no unknown labels."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from conftest import FIXTURES, assert_same_records, frame_rows

import extractors.office.legacy

VARIANTS = FIXTURES / "variants"
LEGACY = (".doc", ".wps")
DOCUMENTS = [
    p
    for p in sorted(VARIANTS.iterdir())
    if p.suffix in (".docx", ".pdf", *LEGACY) and p.with_suffix(".jsonl").exists()
]
BUNDLE = json.loads((VARIANTS / "bundle.expected.json").read_text(encoding="utf-8"))


def _expected(jsonl) -> list[dict]:
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def variants_out(tmp_path_factory):
    from pipeline.run.ingest import ingest

    out = tmp_path_factory.mktemp("variants-out")
    folder = tmp_path_factory.mktemp("variants-in")
    for path in VARIANTS.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    ingest(folder, out, workers=2)
    return out


@pytest.fixture(scope="module")
def variants_values(variants_out) -> pd.DataFrame:
    return pd.read_parquet(variants_out / "values.parquet")


def _needs_libreoffice(path) -> None:
    if path.suffix in LEGACY and extractors.office.legacy.soffice() is None:
        pytest.skip("LibreOffice is not installed")


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_each_variant_gives_its_records(variants_values, path):
    _needs_libreoffice(path)
    got = frame_rows(variants_values[variants_values.source_path == path.name])
    fmt = "pdf" if path.suffix == ".pdf" else "docx"
    assert_same_records(_expected(path.with_suffix(".jsonl")), got, fmt)


@pytest.mark.parametrize("member", sorted(BUNDLE["members"]), ids=str)
def test_each_bundle_member_gives_its_records(variants_values, member):
    got = frame_rows(variants_values[variants_values.source_path == f"bundle.zip/{member}"])
    fmt = "pdf" if member.endswith(".pdf") else "docx"
    assert_same_records(_expected(VARIANTS / BUNDLE["members"][member]), got, fmt)


def test_bundle_members_that_are_not_submissions_are_skipped(variants_out):
    docs = pd.read_parquet(variants_out / "documents.parquet").set_index("source_path")
    for name in BUNDLE["skipped"]:
        assert docs.loc[f"bundle.zip/{name}", "status"] == "skipped"


def test_no_false_findings(variants_out):
    findings = pd.read_parquet(variants_out / "findings.parquet")
    # the same document as .docx, .pdf, .doc and in the bundle is a duplicate by design
    real = findings[findings.rule != "duplicate_submission"]
    assert real.empty, real[["source_path", "rule", "message"]].to_string()


def test_legacy_formats_equal_their_docx(variants_values):
    if extractors.office.legacy.soffice() is None:
        pytest.skip("LibreOffice is not installed")
    columns = ["form", "form_seq", "section", "level1", "level2", "item", "measure", "value_text"]
    frames = [
        variants_values[variants_values.source_path == name][columns].reset_index(drop=True)
        for name in ("legacy-doc.doc", "legacy-wps.wps")
    ]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert len(frames[0]) > 100
