"""The report as an analyst works from it, opened in headless Chromium (network shut off): a
season where one department sent its submission three times, one copy revised
(fixtures/duplicates), read against a roster with a unit that sent nothing. The page shows the
revised copy's differing cells as a finding, the unit that sent nothing under 未报送, a contents
bar whose links reach their parts, and no English word beside file names and commands."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES
from lxml import html

from pipeline.checks.catalogue import RULES
from pipeline.cli import main
from pipeline.publish.report.page import REPORT_NAME
from pipeline.run.ingest import ingest

CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")
EXPECTED = json.loads((FIXTURES / "duplicates.expected.json").read_text(encoding="utf-8"))
MISSING = "江城市民政局"  # on the roster, sent nothing
# ASCII words the page may show: product and format names, and the commands and view it names
ALLOWED = {"PDF", "Word", "Excel", "WPS", "SHA", "python", "pipeline", "export", "ingest",
           "corrections", "selfeval", "duckdb", "findings", "m"}  # fmt: skip

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium-headless-shell is not installed"
)


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("workbench-out")
    roster = tmp_path_factory.mktemp("roster") / "名单.csv"
    roster.write_text(f"单位名称\n{EXPECTED['unit']}\n{MISSING}\n", encoding="utf-8")
    ingest(FIXTURES / "duplicates", out, workers=2)
    args = ["report", str(out), "--in", str(FIXTURES / "duplicates"), "--roster", str(roster)]
    assert main(args) == 0
    return out


# once loaded: the page's text as a reader sees it, then a click on each contents link, noting
# where its part's heading then stands below the contents bar (which stays at the top)
PROBE = """<script>window.addEventListener('load', function () { setTimeout(function () {
  var body = document.body;
  body.setAttribute('data-text', body.innerText);
  var reached = [];
  document.querySelectorAll('nav#contents a').forEach(function (a) {
    a.click();
    var target = document.getElementById(a.getAttribute('href').slice(1));
    var bar = document.getElementById('contents').getBoundingClientRect().bottom;
    reached.push([a.getAttribute('href'), location.hash,
                  Math.round(target.getBoundingClientRect().top - bar), window.innerHeight]);
  });
  body.setAttribute('data-reached', JSON.stringify(reached));
}, 0); });</script></body>"""


@pytest.fixture(scope="module")
def opened(season: Path, tmp_path_factory: pytest.TempPathFactory):
    text = (season / REPORT_NAME).read_text(encoding="utf-8")
    head, _, tail = text.rpartition("</body>")
    probe = tmp_path_factory.mktemp("probe") / "probe.html"
    probe.write_text(head + PROBE + tail, encoding="utf-8")
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--proxy-server=127.0.0.1:9",  # no request could leave the machine
            "--proxy-bypass-list=<-loopback>",
            "--window-size=1280,900",
            "--virtual-time-budget=15000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    dom = html.fromstring(done.stdout)
    (body,) = dom.xpath("//body")
    assert body.get("data-reached"), done.stderr[-2000:]
    return dom, body


def test_the_revised_copy_is_shown_as_a_finding_naming_its_cells(opened):
    dom, _ = opened
    (group,) = dom.xpath('//section[@data-rule="duplicate_differs"]')
    assert RULES["duplicate_differs"].name in group.xpath("string(.//h3)")
    assert RULES["duplicate_differs"].explains in group.text_content()
    (row,) = group.xpath('.//tr[@class="finding"]')
    assert EXPECTED["counted"] in row.xpath("string(td[1])")
    message = row.xpath('string(td[@class="message"])')
    assert EXPECTED["differs"]["other"] in message
    for cell in EXPECTED["differs"]["cells"]:
        assert cell["item"] in message
        assert f"本文件 {cell['counted']}" in message and cell["other"] in message


def test_the_unit_that_sent_nothing_is_listed(opened):
    dom, _ = opened
    assert [td.text_content() for td in dom.xpath('//table[@id="missing"]//td')] == [MISSING]
    (card,) = dom.xpath('//*[@data-count="missing"]')
    assert card.text_content() == "1"


def test_the_left_out_copies_are_listed_and_the_unit_counted_once(opened):
    dom, _ = opened
    listed = {tr.xpath("string(td[1])") for tr in dom.xpath('//table[@id="duplicates"]//tr')[1:]}
    assert listed == set(EXPECTED["left_out"])
    units = dom.xpath('//table[@id="units"]/tbody/tr')
    assert [tr.xpath("string(td[1])") for tr in units] == [EXPECTED["unit"]]


def test_each_contents_link_brings_its_part_into_the_window(opened):
    _, body = opened
    reached = json.loads(body.get("data-reached"))
    assert {href for href, *_ in reached} >= {"#overview", "#roster", "#files", "#findings"}
    for href, hash_, top, height in reached:
        assert hash_ == href
        assert 0 <= top < height, (href, top)  # the heading is in view, not under the bar


def test_the_page_shows_no_english_word(opened):
    _, body = opened
    text = body.get("data-text")
    assert MISSING in text and "重复报送内容不一致" in text
    # file names and paths are the departments' own and the folder's: left aside
    words = " ".join(t for t in text.split() if "/" not in t and "." not in t)
    english = set(re.findall(r"[A-Za-z]+", words)) - ALLOWED
    assert not english, english
