"""`python -m pipeline report OUT --in IN`: OUT/report.html, one offline page in Chinese, read
back with an HTML parser (and, where Debian's chromium-headless-shell is installed, opened in it
with the network shut off: the plots draw and a table sorts)."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, SEASON, frame_rows
from lxml import html

from extractors.errors import ERROR_NAMES
from pipeline.checks.catalogue import RULES
from pipeline.cli import main
from pipeline.names import format_name
from pipeline.publish.report.page import REPORT_NAME
from pipeline.run.ingest import ingest

FAMILIES = FIXTURES / "families"
DOCS = [
    SEASON / "yueyang-2024.docx",  # a Word file with a cross_form_mismatch
    FAMILIES / "holdout-f06-xiyang.docx",
    FAMILIES / "cq-kexuecheng-2021-dept.pdf",  # a PDF with a total_score_mismatch
]
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("report-in")
    for doc in DOCS:
        shutil.copy(doc, folder / doc.name)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 cut short")
    out = tmp_path_factory.mktemp("report-out")
    ingest(folder, out)
    assert main(["report", str(out), "--in", str(folder)]) == 0
    return folder, out


@pytest.fixture(scope="module")
def page(season):
    _, out = season
    return html.parse(str(out / REPORT_NAME)).getroot()


@pytest.fixture(scope="module")
def tables(season) -> dict[str, pd.DataFrame]:
    _, out = season
    return {n: pd.read_parquet(out / f"{n}.parquet") for n in ("documents", "findings", "values")}


def test_the_page_is_self_contained(page):
    for element in page.iter():
        for attribute in ("src", "href"):
            link = element.get(attribute)
            assert link is None or link.startswith(("data:", "#")), (element.tag, link)
    assert not page.xpath("//link")
    scripts = page.xpath("//script")
    assert all(s.get("src") is None for s in scripts)
    inline = "".join(s.text or "" for s in scripts)
    assert "vegaEmbed" in inline and len(inline) > 300_000  # vega, vega-lite, vega-embed inlined
    assert page.get("lang") == "zh-CN"


def test_the_overview_counts_the_tables(page, tables):
    documents = tables["documents"]
    assert page.xpath('string(//*[@data-count="files"])') == str(len(documents))
    for status, count in Counter(documents.status).items():
        assert page.xpath(f'string(//*[@data-status="{status}"])') == str(count)
    assert page.xpath('string(//*[@data-count="values"])') == f"{len(tables['values']):,}"
    findings = tables["findings"]
    assert page.xpath('string(//*[@data-count="findings"])') == str(len(findings))
    for severity, count in Counter(findings.severity).items():
        assert page.xpath(f'string(//*[@data-severity="{severity}"])') == str(count)
    assert page.xpath('string(//*[@data-form="部门整体支出绩效自评表"])') == str(
        documents.n_dept_eval.sum()
    )


def test_failed_files_are_listed_with_the_reason(page, tables):
    documents = tables["documents"]
    (broken,) = frame_rows(documents[documents.status == "failed"])
    (row,) = page.xpath('//table[@id="failed"]//tr[@class="failed"]')
    cells = [td.text_content() for td in row.xpath("td")]
    assert cells == [
        broken["source_path"],
        format_name(broken["source_format"]),  # the format in words (PDF 文件)
        ERROR_NAMES[broken["error_code"]],
        broken["error"],
    ]
    assert page.xpath('string(//table[@id="failed"]//th[3])') == "错误类型"


def test_department_and_project_tables_give_the_views_figures(page, tables):
    values = tables["values"]

    def slot(path: str, form: str, section: str, item: str, measure: str) -> float:
        hit = values[
            (values.source_path == path)
            & (values.form == form)
            & (values.section == section)
            & (values["item"] == item)
            & (values.measure == measure)
            & (values.item_seq == 0)
        ]
        return float(hit.value_num.iloc[0])

    rows = page.xpath('//table[@id="dept"]/tbody/tr')
    assert len(rows) == values[values.form == "dept_eval"].source_path.nunique()
    yueyang = next(r for r in rows if r.xpath("string(td[last()])") == "yueyang-2024.docx")
    cells = [td.text_content() for td in yueyang.xpath("td")]
    assert cells[0] == "中共岳阳市委办公室"
    assert (
        cells[3]
        == f"{slot('yueyang-2024.docx', 'dept_eval', 'funds', '年度资金总额', 'budget_full_year'):,.2f}"
    )
    assert cells[5] == "91.02%"
    assert float(cells[8]) == slot("yueyang-2024.docx", "dept_eval", "total", "总分", "score")
    projects = page.xpath('//table[@id="projects-table"]/tbody/tr')
    forms = values[~values.form.isin(["dept_eval", "base_data"])]
    assert len(projects) == forms.groupby(["source_path", "form", "form_seq"]).ngroups
    assert page.xpath('//table[contains(@class, "sortable")]/thead/tr/th[text()="执行率"]')


def test_findings_are_grouped_by_rule_with_their_message(page, tables):
    findings = tables["findings"]
    groups = page.xpath('//section[@class="rule-group"]')
    assert [g.get("data-rule") for g in groups] == [r for r in RULES if r in set(findings.rule)]
    for group in groups:
        rule = group.get("data-rule")
        mine = findings[findings.rule == rule]
        rows = group.xpath('.//tr[@class="finding"]')
        assert len(rows) == len(mine)
        assert sorted(r.xpath('string(td[@class="message"])') for r in rows) == sorted(mine.message)


def test_a_pdf_finding_shows_its_page_region_with_the_box(page):
    (row,) = page.xpath('//section[@data-rule="total_score_mismatch"]//tr[@class="finding"]')
    (image,) = row.xpath(".//img")
    src = image.get("src")
    assert src.startswith("data:image/png;base64,")
    from PIL import Image

    picture = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB")
    assert picture.width > 800 and 40 < picture.height < 400
    red = sum(
        1
        for x in range(picture.width)
        for y in range(picture.height)
        if (p := picture.getpixel((x, y)))[0] > 180 and p[1] < 60 and p[2] < 60
    )
    assert red > 100  # the value's box is drawn


def test_a_word_finding_shows_its_row_as_a_table(page):
    (row,) = page.xpath('//section[@data-rule="cross_form_mismatch"]//tr[@class="finding"]')
    assert not row.xpath(".//img")
    (marked,) = row.xpath('.//table[@class="row"]//td[@class="mark"]')
    assert marked.text_content() == "579.45"
    assert "项目支出" in row.xpath('string(.//div[@class="label"])')


def test_without_in_pdf_findings_show_their_row(season, tmp_path):
    _, out = season
    moved = tmp_path / "out"
    shutil.copytree(out, moved)
    assert main(["report", str(moved)]) == 0
    page = html.parse(str(moved / REPORT_NAME)).getroot()
    (row,) = page.xpath('//section[@data-rule="total_score_mismatch"]//tr[@class="finding"]')
    assert not row.xpath(".//img") and row.xpath('.//td[@class="mark"]')


def test_charts_carry_their_data(page, tables):
    specs = {
        s.get("id"): s.text
        for s in page.xpath('//script[@type="application/json"]')
        if s.get("id").endswith("-spec")
    }
    assert set(specs) == {"chart-rates-spec", "chart-scores-spec", "chart-rules-spec"}
    import json

    rules = json.loads(specs["chart-rules-spec"])
    data = (
        next(iter(rules["datasets"].values())) if "datasets" in rules else rules["data"]["values"]
    )
    assert sum(d["数量"] for d in data) == len(tables["findings"])


def test_report_of_a_folder_without_tables_is_a_usage_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "请先运行 ingest" in capsys.readouterr().err


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium-headless-shell is not installed")
def test_the_page_draws_offline_in_chromium(season, tmp_path):
    _, out = season
    text = (out / REPORT_NAME).read_text(encoding="utf-8")
    # click 执行率 in the department table once the page has loaded: ascending order
    probe = (
        "<script>window.addEventListener('load', function () {"
        "var th = Array.prototype.find.call(document.querySelectorAll('#dept th'),"
        " function (h) { return h.textContent === '执行率'; }); th.click();"
        " document.body.setAttribute('data-rates', Array.prototype.map.call("
        "document.querySelectorAll('#dept tbody tr td:nth-child(6)'),"
        " function (td) { return td.textContent; }).join('|'));"
        " var box = document.getElementById('filter'); box.value = '岳阳';"
        " box.dispatchEvent(new Event('input')); });</script></body>"
    )
    head, _, tail = text.rpartition("</body>")  # the last one: the bundle holds the word too
    (tmp_path / "probe.html").write_text(head + probe + tail, encoding="utf-8")
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--proxy-server=127.0.0.1:9",  # no request could leave the machine
            "--proxy-bypass-list=<-loopback>",
            "--virtual-time-budget=15000",
            "--dump-dom",
            (tmp_path / "probe.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    dom = html.fromstring(done.stdout)
    for chart in ("chart-rates", "chart-scores", "chart-rules"):
        (div,) = dom.xpath(f'//div[@id="{chart}"]')
        assert div.xpath(".//svg"), f"{chart} not drawn: {done.stderr[-2000:]}"
    (body,) = dom.xpath("//body")
    rates = [float(re.sub(r"[%,]", "", t)) for t in body.get("data-rates").split("|") if t]
    assert rates == sorted(rates) and len(rates) >= 2
    # the filter box: only the rows that name 岳阳 stay shown
    before = html.fromstring(text).xpath('//table[@id="projects-table"]/tbody/tr')
    shown = dom.xpath('//table[@id="projects-table"]/tbody/tr')
    assert shown and len(shown) < len(before)
    assert all("岳阳" in r.text_content() for r in shown)


def test_the_contents_bar_links_to_every_part(page):
    links = [a.get("href") for a in page.xpath('//nav[@id="contents"]/a')]
    assert len(links) >= 6
    for link in links:
        assert link.startswith("#") and page.xpath(f'//*[@id="{link[1:]}"]'), link


def test_each_unit_has_its_files_and_findings_together(page, tables):
    values, documents = tables["values"], tables["documents"]
    rows = page.xpath('//table[@id="units"]//tr[@class="unit"]')
    by_unit = {r.xpath("string(td[1])"): r for r in rows}
    assert set(values.unit.dropna()) <= set(by_unit)
    failed = documents[documents.status == "failed"].source_path.tolist()
    assert failed and all(
        any(path in r.xpath("string(td[2])") for r in rows) for path in failed
    )  # a failed file is listed under a unit too (the unknown one, at the top of IN)
    for unit, row in by_unit.items():
        files = set(values[values.unit == unit].source_path)
        assert all(f in row.xpath("string(td[2])") for f in files), unit


def test_long_tables_carry_every_row_for_the_page_to_show(page, tables):
    """The department, project and unit tables carry all their rows as JSON (the page shows
    them a page at a time); the first page is in the HTML as well."""
    import json

    values = tables["values"]
    for table_id, forms in (
        ("dept", {"dept_eval"}),
        ("projects-table", {"project_eval", "transfer_eval"}),
    ):
        (script,) = page.xpath(f'//script[@id="{table_id}-rows"]')
        rows = json.loads(script.text)
        instances = values[values.form.isin(forms)].groupby(["source_path", "form", "form_seq"])
        assert len(rows) == instances.ngroups
        shown = page.xpath(f'//table[@id="{table_id}"]/tbody/tr')
        assert [[td.text_content() for td in tr.xpath("td")] for tr in shown] == [
            [c if isinstance(c, str) else c[0] for c in r] for r in rows[: len(shown)]
        ]


def test_a_rule_with_many_findings_lists_the_first_and_says_where_the_rest_are(
    season, tmp_path, monkeypatch
):
    import pipeline.publish.report.page

    _, out = season
    findings = pd.read_parquet(out / "findings.parquet")
    rule, total = findings.rule.value_counts().index[0], int(findings.rule.value_counts().iloc[0])
    assert total >= 2
    monkeypatch.setattr(pipeline.publish.report.page, "FINDINGS_SHOWN", 1)
    page = html.fromstring(
        pipeline.publish.report.page.render_report(pipeline.publish.report.page.report_context(out))
    )
    (group,) = page.xpath(f'//section[@data-rule="{rule}"]')
    assert len(group.xpath('.//tr[@class="finding"]')) == 1
    assert group.xpath(f'string(.//*[@data-rule-count="{rule}"])') == str(total)
    assert f"全部 {total} 条见工作簿" in group.text_content()
