"""The command an analyst runs: what it writes, what it prints, how it exits."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
from conftest import ROOT, SEASON

from pipeline.cli import main


def _folder(tmp_path, *names: str):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for name in names:
        shutil.copy(SEASON / name, folder / "sub" / name)
    return folder


def test_ingest_writes_four_tables_with_the_contract_version(tmp_path, capsys):
    folder = _folder(tmp_path, "jiangcheng-wenlv-2023.docx")
    (folder / "readme.txt").write_text("not a form", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["ingest", str(folder), "--out", str(out)]) == 0
    for name in ("values", "documents", "findings", "rejects"):
        metadata = pq.read_schema(out / f"{name}.parquet").metadata
        assert metadata[b"contract_version"] == b"2"
    docs = pd.read_parquet(out / "documents.parquet").set_index("source_path")
    assert docs.loc["sub/jiangcheng-wenlv-2023.docx", "status"] == "ok"
    assert docs.loc["readme.txt", "status"] == "skipped"
    values = pd.read_parquet(out / "values.parquet")
    assert set(values.source_path) == {"sub/jiangcheng-wenlv-2023.docx"}
    assert docs.loc["sub/jiangcheng-wenlv-2023.docx", "n_values"] == len(values)
    printed = capsys.readouterr().out
    assert "files: 2 (ok 1, no forms 0, skipped 1, failed 0)" in printed
    assert f"values: {len(values)}" in printed


def test_a_broken_file_fails_alone_and_the_run_exits_non_zero(tmp_path, capsys):
    folder = _folder(tmp_path, "jiangcheng-wenlv-2023.pdf")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 truncated")
    out = tmp_path / "out"
    assert main(["ingest", str(folder), "--out", str(out)]) == 1
    docs = pd.read_parquet(out / "documents.parquet").set_index("source_path")
    assert docs.loc["broken.docx", "status"] == "failed"
    assert "broken.docx" in docs.loc["broken.docx", "error"]
    assert docs.loc["sub/jiangcheng-wenlv-2023.pdf", "status"] == "ok"
    assert len(pd.read_parquet(out / "values.parquet")) > 0
    assert "FAILED broken.docx" in capsys.readouterr().out


def test_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_python_dash_m_pipeline_runs(tmp_path):
    folder = _folder(tmp_path, "jiangcheng-wenlv-2023.docx")
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "ingest", str(folder), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "forms: 2" in done.stdout
