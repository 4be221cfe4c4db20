"""Bundles: each member of a .zip is a submission of its own, named bundle.zip/member; what is
not a submission is listed as skipped; a damaged or oversized bundle fails alone."""

from __future__ import annotations

import zipfile

import pandas as pd
from conftest import SEASON

from pipeline.run.ingest import ingest


class _GbkName(zipfile.ZipInfo):
    """A member name as Windows tools write it: GBK bytes and no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _zip(path, members: dict[str, bytes], flag_utf8: bool = True) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            info = zipfile.ZipInfo(name) if flag_utf8 else _GbkName(name)
            bundle.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def test_members_are_submissions_of_their_own(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    docx = (SEASON / "jiangcheng-wenlv-2023.docx").read_bytes()
    pdf = (SEASON / "jiangcheng-wenlv-2023.pdf").read_bytes()
    _zip(
        folder / "报送材料.zip",
        {"部门A/文旅局.docx": docx, "部门B/文旅局.pdf": pdf, "说明.txt": b"x"},
    )
    _zip(folder / "windows.zip", {"卫健委.docx": docx}, flag_utf8=False)
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    ingest(folder, tmp_path / "out", workers=2)
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_path")
    values = pd.read_parquet(tmp_path / "out" / "values.parquet")

    assert docs.loc["报送材料.zip/部门A/文旅局.docx", "status"] == "ok"
    assert docs.loc["报送材料.zip/部门B/文旅局.pdf", "source_format"] == "pdf"
    assert docs.loc["报送材料.zip/说明.txt", "status"] == "skipped"
    assert docs.loc["windows.zip/卫健委.docx", "status"] == "ok"  # GBK name decoded
    assert docs.loc["broken.zip", "status"] == "failed"
    assert "broken.zip" in docs.loc["broken.zip", "error"]
    member = values[values.source_path == "报送材料.zip/部门A/文旅局.docx"]
    alone = (SEASON.parent / "expected" / "jiangcheng-wenlv-2023.jsonl").read_text().count("\n")
    assert len(member) == alone
    assert set(member.unit) == {"江城市文化旅游广电局"}


def test_a_bundle_that_would_inflate_too_far_is_refused(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _zip(folder / "bomb.zip", {"a.docx": bytes(300 * 2**20)})
    ingest(folder, tmp_path / "out", workers=1)
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet").set_index("source_path")
    assert (docs.loc["bomb.zip", "status"], docs.loc["bomb.zip", "error_code"]) == (
        "failed",
        "zip_bomb",
    )
