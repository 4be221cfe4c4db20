"""What a careless or hostile sender's folder holds cannot end the run or be lost in silence:
a bundle's members each get their own status (a damaged one fails alone, every member is listed
whatever its name), a file name that is not UTF-8 is kept escaped and read, and links under IN
never lead outside it."""

from __future__ import annotations

import io
import os
import struct
import zipfile

import pandas as pd
import pytest
from conftest import SEASON

from pipeline.cli import main
from pipeline.run.ingest import ingest

GOOD = SEASON / "jiangcheng-wenlv-2023.docx"
GOOD_ROWS = (SEASON.parent / "expected" / "jiangcheng-wenlv-2023.jsonl").read_text().count("\n")


def _patched(data: bytes, name: str, local_at: int, central_at: int, value: int) -> bytes:
    """The zip with a 2-byte field of `name`'s local and central headers set to `value`
    (offset 6 / 8 is the flags, 8 / 10 the compression method)."""
    out = bytearray(data)
    encoded = name.encode()
    for signature, offset, name_at in (
        (b"PK\x03\x04", local_at, 30),
        (b"PK\x01\x02", central_at, 46),
    ):
        start = 0
        while (start := out.find(signature, start)) != -1:
            if out[start + name_at : start + name_at + len(encoded)] == encoded:
                struct.pack_into("<H", out, start + offset, value)
            start += 4
    return bytes(out)


def _damaged_deflate(data: bytes, name: str) -> bytes:
    """The zip with the middle of `name`'s compressed data overwritten."""
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        info = bundle.getinfo(name)
    out = bytearray(data)
    start = info.header_offset + 30 + len(name.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    out[middle : middle + 64] = bytes(range(64))
    return bytes(out)


def hostile_bundle() -> bytes:
    """Members in this order: a good one, one with damaged deflate data, one flagged encrypted,
    one with compression method 99, then good ones named `../../x.docx`, `a.docx` again and
    `e.docx`."""
    docx = GOOD.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("a.docx", docx, compress_type=zipfile.ZIP_DEFLATED)
        bundle.writestr("b.docx", docx, compress_type=zipfile.ZIP_DEFLATED)
        bundle.writestr("c.docx", docx, compress_type=zipfile.ZIP_STORED)
        bundle.writestr("d.docx", docx, compress_type=zipfile.ZIP_STORED)
        bundle.writestr("../../x.docx", docx, compress_type=zipfile.ZIP_DEFLATED)
        with pytest.warns(UserWarning, match="Duplicate name"):
            bundle.writestr("a.docx", docx, compress_type=zipfile.ZIP_DEFLATED)
        bundle.writestr("e.docx", docx, compress_type=zipfile.ZIP_DEFLATED)
    data = _damaged_deflate(buffer.getvalue(), "b.docx")
    data = _patched(data, "c.docx", 6, 8, 0x1)  # the encryption flag
    return _patched(data, "d.docx", 8, 10, 99)  # AES (method 99), which zipfile cannot read


@pytest.fixture(scope="module")
def bundle_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundle-in")
    (folder / "报送.zip").write_bytes(hostile_bundle())
    out = tmp_path_factory.mktemp("bundle-out")
    code = main(["ingest", str(folder), "--out", str(out), "--quiet", "--workers", "2"])
    documents = pd.read_parquet(out / "documents.parquet").set_index("source_path")
    return code, documents, pd.read_parquet(out / "values.parquet")


@pytest.mark.parametrize(
    ("member", "status", "code"),
    [
        ("a.docx", "ok", None),
        ("b.docx", "failed", "corrupt"),
        ("c.docx", "failed", "encrypted"),
        ("d.docx", "failed", "corrupt"),
        ("../../x.docx", "ok", None),
        ("a.docx#2", "ok", None),
        ("e.docx", "ok", None),
    ],
    ids=[
        "good",
        "bad-deflate",
        "encrypted-flag",
        "method-99",
        "dot-dot-name",
        "same-name",
        "after",
    ],
)
def test_every_member_has_its_own_status(bundle_run, member, status, code):
    _, documents, values = bundle_run
    row = documents.loc[f"报送.zip/{member}"]
    assert row.status == status
    assert (None if pd.isna(row.error_code) else row.error_code) == code
    if status == "ok":
        assert (values.source_path == f"报送.zip/{member}").sum() == GOOD_ROWS
    else:
        assert f"报送.zip/{member}" in row.error
        assert "Error -3" not in row.error and "zlib" not in row.error  # the clerk's words


def test_the_bundle_run_ends_with_every_member_listed(bundle_run):
    code, documents, _ = bundle_run
    assert code == 1  # some members failed; the run itself ran to the end
    assert len(documents) == 7


def test_a_name_that_is_not_utf8_is_kept_escaped_and_read(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    gbk = "部门.docx".encode("gbk")  # a GBK name off a Windows share
    with open(os.path.join(os.fsencode(folder), gbk), "wb") as handle:
        handle.write(GOOD.read_bytes())
    out = tmp_path / "out"
    assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 0
    documents = pd.read_parquet(out / "documents.parquet").set_index("source_path")
    escaped = "".join(f"\\x{b:02x}" for b in gbk[:4]) + ".docx"
    assert documents.loc[escaped].status == "ok"
    assert documents.loc[escaped].n_values == GOOD_ROWS
    assert main(["ingest", str(folder), "--out", str(out), "--quiet"]) == 0  # and again


def test_links_never_lead_outside_in(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.docx").write_bytes(GOOD.read_bytes())
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "real.docx").write_bytes(GOOD.read_bytes())
    (folder / "out-link.docx").symlink_to(outside / "secret.docx")
    (folder / "in-link.docx").symlink_to(folder / "real.docx")
    (folder / "folder-link").symlink_to(outside)
    (folder / "gone.docx").symlink_to(folder / "nothing.docx")
    os.mkfifo(folder / "pipe.docx")  # reading it would block the run for ever
    ingest(folder, tmp_path / "out")
    documents = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_path")
    assert set(documents.index) == {
        "real.docx",
        "out-link.docx",
        "in-link.docx",
        "folder-link",
        "gone.docx",
        "pipe.docx",
    }
    assert documents.loc["real.docx"].status == documents.loc["in-link.docx"].status == "ok"
    for name, words in (
        ("out-link.docx", "是指向所读文件夹以外位置的链接，未跟随读取"),
        ("folder-link", "是指向所读文件夹以外位置的链接，未跟随读取"),
        ("gone.docx", "是指向不存在文件的链接"),
        ("pipe.docx", "不是普通文件"),
    ):
        row = documents.loc[name]
        assert (row.status, row.error_code) == ("skipped", "not_followed"), name
        assert words in row.error and name in row.error
    values = pd.read_parquet(tmp_path / "out" / "values.parquet")
    assert not values.source_path.str.contains("secret").any()


def test_a_folder_that_cannot_be_listed_is_said(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "a.docx").write_bytes(GOOD.read_bytes())
    (folder / "b.docx").write_bytes(GOOD.read_bytes())
    real = os.scandir

    def scandir(path="."):  # as a folder without read permission answers (root ignores modes)
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    ingest(folder, tmp_path / "out", workers=1)
    documents = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_path")
    assert documents.loc["b.docx"].status == "ok"
    row = documents.loc["locked"]
    assert (row.status, row.error_code) == ("failed", "unreadable")
    assert row.error == "无法列出文件夹 locked 中的文件：没有读取权限"
