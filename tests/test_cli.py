"""The command an analyst runs: what it writes, what it prints, how it exits."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest
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
    for name in ("values", "documents", "findings", "rejects", "corrections"):
        metadata = pq.read_schema(out / f"{name}.parquet").metadata
        assert metadata[b"contract_version"] == b"3"
    docs = pd.read_parquet(out / "documents.parquet").set_index("source_path")
    assert docs.loc["sub/jiangcheng-wenlv-2023.docx", "status"] == "ok"
    assert docs.loc["readme.txt", "status"] == "skipped"
    values = pd.read_parquet(out / "values.parquet")
    assert set(values.source_path) == {"sub/jiangcheng-wenlv-2023.docx"}
    assert docs.loc["sub/jiangcheng-wenlv-2023.docx", "n_values"] == len(values)
    printed = capsys.readouterr().out
    assert "文件 2 个：读出表格 1，无表格 0，跳过 1，失败 0" in printed
    assert f"数值 {len(values)} 个" in printed
    assert "本次读取 2 个文件" in printed


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
    printed = capsys.readouterr().out
    assert "失败 broken.docx：" in printed
    assert "失败 1" in printed


def test_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2
    assert "不存在" in capsys.readouterr().err


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
    assert "表格 2 张" in done.stdout


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("错误：")
    return lines[0]


def _usage(argv, capsys) -> str:
    """Run the command; it must exit 2 with one line on standard error and no traceback."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own exit
        code = exc.code
    assert code == 2
    return _one_line_error(capsys)


def test_an_empty_folder_is_a_usage_error_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.txt").write_text("x", encoding="utf-8")
    line = _usage(["ingest", str(tmp_path / "in"), "--out", str(tmp_path / "out")], capsys)
    assert "没有可读取的文件" in line
    assert not (tmp_path / "out").exists()


def test_out_naming_a_file_is_a_usage_error(tmp_path, capsys):
    folder = _folder(tmp_path, "jiangcheng-wenlv-2023.docx")
    target = tmp_path / "out.txt"
    target.write_text("x", encoding="utf-8")
    assert "是一个文件" in _usage(["ingest", str(folder), "--out", str(target)], capsys)
    assert "无法创建" in _usage(["ingest", str(folder), "--out", str(target / "o")], capsys)
    assert "不能就是 IN" in _usage(["ingest", str(folder), "--out", str(folder)], capsys)


def test_one_file_as_in_is_refused_as_the_help_says(tmp_path, capsys):
    folder = _folder(tmp_path, "jiangcheng-wenlv-2023.docx")
    one = folder / "sub" / "jiangcheng-wenlv-2023.docx"
    assert "不是文件夹" in _usage(["ingest", str(one), "--out", str(tmp_path / "o")], capsys)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--workers", "abc"], "--workers 应为不小于 1 的整数"),
        (["--workers", "0"], "--workers 应为不小于 1 的整数"),
        (["--file-timeout", "soon"], "--file-timeout 应为大于 0 的数"),
        (["--wrokers", "2"], "是否想用 --workers"),
        (["--pdf-reader", "acrobat"], "--pdf-reader 的取值"),
    ],
    ids=["workers-not-a-number", "workers-zero", "timeout-word", "misspelt-option", "bad-choice"],
)
def test_a_bad_option_is_one_line_naming_it(tmp_path, capsys, extra, words):
    folder = _folder(tmp_path, "jiangcheng-wenlv-2023.docx")
    line = _usage(["ingest", str(folder), "--out", str(tmp_path / "o"), *extra], capsys)
    assert words in line
    assert "python -m pipeline ingest --help" in line  # the subcommand's help, not the top's


def test_an_unknown_command_names_the_commands(capsys):
    assert "ingest, views, export, report" in _usage(["injest"], capsys)


def test_export_to_a_name_that_is_not_xlsx_is_refused(tmp_path, capsys):
    folder = _folder(tmp_path, "jiangcheng-wenlv-2023.docx")
    out = tmp_path / "out"
    assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 0
    assert ".xlsx" in _usage(["export", str(out), "--xlsx", str(tmp_path / "x.csv")], capsys)
    assert not (tmp_path / "x.csv").exists()
    assert "请先运行 ingest" in _usage(["report", str(tmp_path / "in")], capsys)


def test_an_unchanged_rerun_says_nothing_was_written(tmp_path, capsys):
    folder = _folder(tmp_path, "jiangcheng-wenlv-2023.docx")
    out = tmp_path / "out"
    assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 0
    before = (out / "values.parquet").stat().st_mtime_ns
    assert main(["ingest", str(folder), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "没有新增或改动过的文件" in printed
    assert "已写入" not in printed
    assert (out / "values.parquet").stat().st_mtime_ns == before


def test_out_inside_in_and_the_pipelines_own_files_are_never_read(tmp_path):
    folder = _folder(tmp_path, "jiangcheng-wenlv-2023.docx")
    out = folder / "out"
    assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 0
    assert main(["export", str(out), "--xlsx", str(out / "selfeval.xlsx")]) == 0
    assert main(["report", str(out)]) == 0
    # copies of the workbook and the report elsewhere under IN, as a clerk files them
    shutil.copy(out / "selfeval.xlsx", folder / "sub" / "汇总.xlsx")
    shutil.copy(out / "report.html", folder / "报告.html")
    values_before = pd.read_parquet(out / "values.parquet")
    assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 0
    docs = pd.read_parquet(out / "documents.parquet").set_index("source_path")
    assert not any(path.startswith("out/") for path in docs.index)
    assert docs.loc["sub/汇总.xlsx", ["status", "error_code"]].tolist() == ["skipped", "own_output"]
    assert docs.loc["报告.html", ["status", "error_code"]].tolist() == ["skipped", "own_output"]
    assert len(pd.read_parquet(out / "values.parquet")) == len(values_before)
