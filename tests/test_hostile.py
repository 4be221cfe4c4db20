"""Nothing lost, nothing fatal: broken and hostile files each end as a documents row with a
precise error, and the good files beside them come out whole."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time

import pandas as pd
import pytest
from conftest import FIXTURES, SEASON
from test_hostile_folders import hostile_bundle

import pipeline.run.read
from pipeline.cli import main
from pipeline.run.ingest import ingest
from pipeline.run.workers import Limits

HOSTILE = FIXTURES / "hostile"
EXPECTED = json.loads((FIXTURES / "hostile.expected.json").read_text(encoding="utf-8"))
GOOD = "jiangcheng-wenlv-2023.docx"


# beside the hostile files, what a careless or hostile folder holds besides: a bundle with a
# damaged, an encrypted and a method-99 member among good ones (and `../../x.docx`, a name
# twice), a GBK file name, a link out of IN
EXTRAS = {
    "报送.zip/a.docx": "ok",
    "报送.zip/b.docx": "failed",
    "报送.zip/c.docx": "failed",
    "报送.zip/d.docx": "failed",
    "报送.zip/../../x.docx": "ok",
    "报送.zip/a.docx#2": "ok",
    "报送.zip/e.docx": "ok",
    "\\xb2\\xbf\\xc3\\xc5.docx": "ok",
    "elsewhere.docx": "skipped",
}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-in")
    for name in EXPECTED:
        shutil.copy(HOSTILE / name, folder / name)
    shutil.copy(SEASON / GOOD, folder / GOOD)
    (folder / "报送.zip").write_bytes(hostile_bundle())
    with open(os.path.join(os.fsencode(folder), "部门.docx".encode("gbk")), "wb") as handle:
        handle.write((SEASON / GOOD).read_bytes())
    (folder / "elsewhere.docx").symlink_to(SEASON / GOOD)
    out = tmp_path_factory.mktemp("hostile-out")
    code = main(["ingest", str(folder), "--out", str(out), "--quiet"])
    documents = pd.read_parquet(out / "documents.parquet").set_index("source_path")
    return code, documents, pd.read_parquet(out / "values.parquet")


def test_a_season_of_every_kind_runs_to_the_end_with_every_file_listed(hostile_run):
    code, documents, _ = hostile_run
    assert code == 1
    assert set(documents.index) == {*EXPECTED, GOOD, *EXTRAS}
    assert dict(documents.loc[list(EXTRAS), "status"]) == EXTRAS
    assert "internal_error" not in set(documents.error_code.dropna())


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=str)
def test_each_hostile_file_gets_its_status_and_error(hostile_run, name):
    _, documents, _ = hostile_run
    row = documents.loc[name]
    want = EXPECTED[name]
    assert row.status == want["status"]
    assert (None if pd.isna(row.error_code) else row.error_code) == want["error_code"]
    if want["status"] == "failed":
        assert name in row.error  # the clerk is told which file
        assert pd.isna(row.n_values) or row.n_values == 0


def test_the_run_goes_on_and_exits_non_zero(hostile_run):
    code, documents, values = hostile_run
    assert code == 1
    assert len(documents) == len(EXPECTED) + 1 + len(EXTRAS)
    good = documents.loc[GOOD]
    assert good.status == "ok"
    expected_rows = (FIXTURES / "expected" / "jiangcheng-wenlv-2023.jsonl").read_text().count("\n")
    assert (values.source_path == GOOD).sum() == good.n_values == expected_rows


# words a clerk meets in Chinese text too: the products, formats and units the messages name
KNOWN_WORDS = {
    "word",
    "pdf",
    "excel",
    "wps",
    "xml",
    "mib",
    "libreoffice",
    "ocr",
    "office",
    "pdfium",
    "pdfplumber",
    "zip",
    "ole",
    "ray",
    "html",
}
FILE_NAME = re.compile(r"[\w./#-]*\.[A-Za-z0-9]{1,5}\b")  # a.docx, xl/worksheets/sheet1.xml
QUOTED = re.compile(r"“[^”]*”")  # a name from inside the file: 工作表“Sheet1”


def test_every_error_is_told_in_chinese(hostile_run):
    """Past its file names, extensions and the products it names, no error has an English word:
    the analyst reads each in a clerk's Chinese."""
    _, documents, _ = hostile_run
    errors = documents.error.dropna()
    assert len(errors) >= len([e for e in EXPECTED.values() if e["status"] == "failed"])
    for path, error in errors.items():
        assert re.search(r"[\u4e00-\u9fff]{2}", error), (path, error)
        text = FILE_NAME.sub(" ", QUOTED.sub(" ", error.replace(path, " ")))
        english = {w for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() not in KNOWN_WORDS}
        assert not english, (path, error)


def test_owner_password_only_pdf_is_read(hostile_run):
    _, documents, values = hostile_run
    assert documents.loc["owner-password-only.pdf"].n_dept_eval == 1
    assert (values.source_path == "owner-password-only.pdf").sum() > 100


def _slow(path):
    time.sleep(30)


def _greedy(path):
    hoard = bytearray(600 * 2**20)
    for i in range(0, len(hoard), 4096):
        hoard[i] = 1
    time.sleep(30)


def _crash(path):
    os.kill(os.getpid(), signal.SIGKILL)  # a reader killed outright (an OOM kill, a crash)


@pytest.mark.parametrize(
    ("reader", "limits", "code", "words"),
    [
        (_slow, Limits(timeout=1.0), "timeout", "读取超过了每个文件允许的 1 秒"),
        (_greedy, Limits(max_rss_mib=300), "memory", "超过了每个文件允许的 300 MiB"),
        (_crash, Limits(), "crashed", "读取程序在此文件上崩溃（信号 9）"),
    ],
    ids=["timeout", "memory", "crash"],
)
def test_a_file_that_hangs_hoards_or_crashes_fails_alone(
    tmp_path, monkeypatch, reader, limits, code, words
):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEASON / GOOD, folder / "a-good.docx")
    shutil.copy(SEASON / GOOD, folder / "b-bad.docx")
    real = pipeline.run.read.extract

    def extract(path, *options):
        return reader(path) if path.name == "b-bad.docx" else real(path, *options)

    monkeypatch.setattr(pipeline.run.read, "extract", extract)  # the forked workers inherit it
    # the bad file's code says the watcher stopped it: left alone, its reader would return
    # nothing after 30 s and fail some other way (no wall-clock bound: the machine may be busy)
    summary = ingest(folder, tmp_path / "out", limits=limits, workers=2)
    documents = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_path")
    assert documents.loc["a-good.docx"].status == "ok"
    bad = documents.loc["b-bad.docx"]
    assert (bad.status, bad.error_code) == ("failed", code)
    assert words in bad.error and "b-bad.docx" in bad.error
    assert summary.failed == 1 and summary.ok == 1


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("encrypted.xlsx", "工作簿已加密：encrypted.xlsx 需要密码才能打开"),
        ("zip-bomb.xlsx", "解压后将有 300 MiB（超过允许的 256 MiB）"),
        ("entity-expansion.xlsx", "声明了 XML 实体"),
        ("too-many-rows.xlsx", "的工作表“Sheet1”有 100,001 行（超过 100,000 行）"),
        ("truncated.xlsx", "被截断"),
        ("not-a-workbook.xlsx", "既不是 zip 压缩包也不是 OLE 文件"),
    ],
)
def test_a_hostile_workbook_is_told_in_words(hostile_run, name, words):
    _, documents, _ = hostile_run
    assert words in documents.loc[name].error


def test_a_page_without_a_form_and_a_cut_page_are_read(hostile_run):
    _, documents, values = hostile_run
    assert documents.loc["no-form.html"].status == "no_forms"
    cut = documents.loc["truncated.html"]
    whole = (FIXTURES / "expected" / "yueyang-2024.jsonl").read_text().count("\n")
    assert cut.status == "ok" and 0 < cut.n_values < whole  # the page cut from yueyang-2024.html
    assert (values.source_path == "truncated.html").sum() == cut.n_values


def test_the_web_page_limit_fits_the_memory_cap(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    page = (FIXTURES / "season" / "yueyang-2024.html").read_bytes()
    padding = b"<!-- " + b"x" * (9 * 2**20) + b" -->"  # 9 MiB: past 512 MiB / 64
    (folder / "big.html").write_bytes(page.replace(b"<body>", b"<body>" + padding, 1))
    ingest(folder, tmp_path / "out", limits=Limits(max_rss_mib=512), workers=1)
    documents = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_path")
    row = documents.loc["big.html"]
    assert (row.status, row.error_code) == ("failed", "too_large")
    assert "（超过允许的 8 MiB）" in row.error


@pytest.mark.parametrize(("depth", "status"), [(50, "ok"), (300, "failed")], ids=["50", "300"])
def test_a_form_nested_deep_is_read_or_refused_never_lost(tmp_path, depth, status):
    from datetime import UTC, datetime

    from pipeline.definitions import load_catalog
    from pipeline.run.read import ingest_file

    page = (SEASON / "yueyang-2024.html").read_text(encoding="utf-8")
    start, end = page.index("<body>") + len("<body>"), page.index("</body>")
    body = "<table><tr><td>" * depth + page[start:end] + "</td></tr></table>" * depth
    path = tmp_path / "nested.html"
    path.write_text(page[:start] + body + page[end:], encoding="utf-8")
    row = ingest_file(path, path.name, load_catalog(), datetime.now(UTC)).document
    assert row.status == status
    if status == "ok":
        assert row.n_values == (FIXTURES / "expected" / "yueyang-2024.jsonl").read_text().count(
            "\n"
        )
    else:
        assert row.error_code == "too_large" and "nested.html" in row.error
        assert "嵌套了" in row.error and "（超过 255 层）" in row.error
