"""A control character inside a document's text (no document shows one: a damaged or doctored
file) is removed from the value and said in a `damaged_part` finding: a value never changes in
silence."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from conftest import SEASON, expected_records

from pipeline.definitions import load_catalog
from pipeline.run.read import ingest_file

GOOD = SEASON / "jiangcheng-wenlv-2023.docx"


def test_a_control_character_in_a_value_is_removed_and_said(tmp_path):
    records = expected_records("jiangcheng-wenlv-2023")
    unit = next(r["unit"] for r in records if r["unit"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(GOOD) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert text.count(unit[2:]) >= 1
                # DEL (U+007F), which XML 1.0 lets stand raw (the C0 controls it refuses, and
                # such a file fails as corrupt): inside the unit's name
                text = text.replace(unit[2:], unit[2:3] + "\x7f" + unit[3:], 1)
                data = text.encode("utf-8")
            dst.writestr(info, data)
    path = tmp_path / "damaged.docx"
    path.write_bytes(buffer.getvalue())
    result = ingest_file(path, path.name, load_catalog(), datetime.now(UTC))
    assert result.document.status == "ok"
    assert all("\x7f" not in (v.value_raw or "") for v in result.values)
    assert {v.unit for v in result.values} == {unit}  # the value as it was meant
    (finding,) = [f for f in result.findings if f.rule == "damaged_part"]
    assert (
        "有 1 处文字含有文档中不会显示的控制字符" in finding.message
        and "damaged.docx" in finding.message
    )
