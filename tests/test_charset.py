"""A web page whose meta tag declares a charset that makes nonsense of its bytes (big5 over
GB18030, as a site's template leaves it) is read as GB18030 and says so in a finding; a page
whose declared charset is right is read as it says, without one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import FIXTURES, SEASON, expected_records

from extractors.web.html_access import common_hanzi, decode_page_said
from pipeline.definitions import load_catalog
from pipeline.run.read import ingest_file


def test_a_page_declared_big5_in_gb18030_is_read_and_said():
    path = FIXTURES / "hostile" / "wrong-charset.html"
    result = ingest_file(path, path.name, load_catalog(), datetime.now(UTC))
    assert result.document.status == "ok"
    assert len(result.values) == len(expected_records("yueyang-2024"))
    (finding,) = [f for f in result.findings if f.rule == "charset_guessed"]
    assert "big5" in finding.message and "GB18030" in finding.message
    assert finding.severity == "warning"


@pytest.mark.parametrize("charset", ["utf-8", "gb18030", "big5"])
def test_a_page_in_its_declared_charset_is_read_as_declared(charset):
    text = "<html><head><meta charset={}></head><body><p>{}</p></body></html>"
    words = (
        "部門整體支出績效自評表 項目支出績效目標自評表 預算執行率 產出指標 數量指標 質量指標 "
        "效益指標 社會效益 滿意度指標 年度資金總額 其中：當年財政撥款 上年結轉資金 總分 自評等級"
        if charset == "big5"  # a real traditional page: big5 is right, GB18030 would be wrong
        else "部门整体支出绩效自评表 项目支出绩效目标自评表 预算执行率 产出指标 年度资金总额"
    )
    data = text.format(charset, words).encode(charset)
    decoded, said = decode_page_said(data)
    assert said is None and words in decoded


def test_mojibake_is_not_common_chinese():
    data = (SEASON / "yueyang-2024.html").read_text(encoding="utf-8").encode("gb18030")
    assert common_hanzi(data.decode("gb18030")) > 0.9
    assert common_hanzi(data.decode("big5", errors="replace")) < 0.5
