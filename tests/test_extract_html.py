"""Saved web pages: tables with their spans, text as a browser shows it, the charset of the
page, prose around the tables as lines; pages saved other ways (a government site in GBK,
LibreOffice's export, Excel saved as a web page, a .mht archive) give the records of their
document."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, SEASON, assert_same_records, expected_records, frame_rows, record_key

from extractors import Grid, TextLine, extract, fill_covered_slots

WEB = FIXTURES / "web"
WEB_EXPECTED: dict[str, str] = json.loads((WEB / "expected.json").read_text(encoding="utf-8"))
HOSTILE = FIXTURES / "hostile"


def _texts(grid: Grid) -> list[list[str]]:
    return [[c.text if c else "" for c in row] for row in fill_covered_slots(grid)]


def _page(tmp_path: Path, body: str, charset: str = "utf-8", name: str = "p.html") -> Path:
    path = tmp_path / name
    head = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    path.write_bytes((head + f"</head><body>{body}</body></html>").encode(charset))
    return path


@pytest.fixture(scope="module")
def web_run(tmp_path_factory):
    """fixtures/web/ ingested as a folder, as an analyst's season would hold it."""
    from pipeline.run.ingest import ingest

    folder = tmp_path_factory.mktemp("web-in")
    for path in WEB.iterdir():
        if path.is_dir():
            shutil.copytree(path, folder / path.name)
        elif path.name != "expected.json":
            shutil.copy(path, folder / path.name)
    out = tmp_path_factory.mktemp("web-out")
    ingest(folder, out, workers=2)
    return (
        pd.read_parquet(out / "documents.parquet").set_index("source_path"),
        pd.read_parquet(out / "values.parquet"),
        pd.read_parquet(out / "findings.parquet"),
    )


@pytest.mark.parametrize("name", sorted(WEB_EXPECTED))
def test_a_page_saved_any_way_gives_its_documents_records(web_run, name):
    documents, values, _ = web_run
    assert documents.loc[name].status == "ok"
    got = frame_rows(values[values.source_path == name])
    assert_same_records(
        expected_records(WEB_EXPECTED[name]), got, documents.loc[name].source_format
    )


def test_the_excel_web_page_is_one_workbook(web_run):
    documents, _, findings = web_run
    book = documents.loc["jiangcheng-jiaotong-2023.htm"]
    assert book.pages == 6  # five forms a sheet and the hidden 填表说明
    # its sheet pages are read through the book, not listed as submissions of their own
    assert not documents.index.str.startswith("jiangcheng-jiaotong-2023.files/").any()
    hidden = findings[(findings.source_path == book.name) & (findings.rule == "hidden_sheet")]
    assert len(hidden) == 1 and "填表说明" in hidden.iloc[0].message and hidden.iloc[0].page == 6


def test_html_rows_have_no_page_or_bbox(season_values):
    rows = season_values[season_values.source_path.str.endswith(".html")]
    assert len(rows) > 0
    assert rows[["page", "bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom"]].isna().all().all()


@pytest.mark.parametrize("name", sorted(p.stem for p in SEASON.glob("*.html")))
def test_value_raw_is_the_cell_text_as_shown(season_values, name):
    got = {
        record_key(r): r["value_raw"]
        for r in frame_rows(season_values[season_values.source_path == f"{name}.html"])
    }
    wrong = [
        (record_key(w), w["value_raw"], got.get(record_key(w)))
        for w in expected_records(name)
        if got.get(record_key(w)) != w["value_raw"]
    ]
    assert not wrong, wrong[:5]


def test_spans_as_a_browser_places_them(tmp_path):
    path = _page(
        tmp_path,
        "<table><tr><td rowspan=2>绩效指标</td><td colspan=2>产出指标</td></tr>"
        "<tr><td>数量</td><td>质量</td></tr><tr><td>总分</td><td colspan=2 rowspan=5>100</td></tr></table>",
    )
    (grid,) = extract(path).blocks
    assert _texts(grid) == [
        ["绩效指标", "产出指标", "产出指标"],
        ["绩效指标", "数量", "质量"],
        ["总分", "100", "100"],
    ]
    hundred = next(c for c in grid.cells if c.text == "100")
    assert (hundred.row, hundred.col, hundred.rowspan, hundred.colspan) == (2, 1, 1, 2)


def test_text_as_a_browser_shows_it(tmp_path):
    path = _page(
        tmp_path,
        "<p>附件2</p><p align=center><b>2024年度部门整体支出绩效自评表</b></p>"
        "<p>单位名称：江城市统计局&nbsp;&nbsp;&nbsp;单位：万元</p>"
        "<table><tr><td>年初\n    预算数</td><td>&nbsp;91.02%&nbsp;</td>"
        "<td><p>第一行</p><p>第二行</p></td><td>甲<br>乙<br/>丙</td><td>&nbsp;</td>"
        "<td><span style='font-family:宋体'>产出</span><font>指标</font><script>x()</script></td>"
        "<td><table><tr><td>≥</td><td>95</td><td>%</td></tr></table></td></tr></table>"
        "<p>填表人：张三</p>",
    )
    blocks = extract(path).blocks
    lines = [b.text for b in blocks if isinstance(b, TextLine)]
    assert lines == [
        "附件2",
        "2024年度部门整体支出绩效自评表",
        "单位名称：江城市统计局   单位：万元",
        "填表人：张三",
    ]
    (grid,) = [b for b in blocks if isinstance(b, Grid)]
    assert _texts(grid) == [
        ["年初 预算数", " 91.02% ", "第一行\n第二行", "甲\n乙\n丙", "", "产出指标", "≥ 95 %"]
    ]


def test_a_layout_table_around_the_form_is_read_through(tmp_path):
    path = _page(
        tmp_path,
        "<table width=100%><tr><td><p>2024年度项目支出绩效自评表</p>"
        "<table border=1><tr><td>项目名称</td><td>道路维修</td></tr></table>"
        "<p>填表人：李四</p></td></tr></table>",
    )
    blocks = extract(path).blocks
    assert [type(b).__name__ for b in blocks] == ["TextLine", "Grid", "TextLine"]
    assert _texts(blocks[1]) == [["项目名称", "道路维修"]]


@pytest.mark.parametrize("charset", ["gb2312", "gbk", "gb18030", "utf-8"])
def test_the_charset_of_the_meta_tag(tmp_path, charset):
    path = _page(
        tmp_path, "<table><tr><td>项目支出绩效自评表</td><td>≥95%</td></tr></table>", charset
    )
    (grid,) = extract(path).blocks
    assert _texts(grid) == [["项目支出绩效自评表", "≥95%"]]


def test_the_charset_of_a_bom_or_a_guess(tmp_path):
    body = "<html><body><p>部门整体支出绩效自评表</p></body></html>"
    (tmp_path / "bom.html").write_bytes("\ufeff".encode("utf-16-le") + body.encode("utf-16-le"))
    (tmp_path / "nometa.html").write_bytes(body.encode("gbk"))
    for name in ("bom.html", "nometa.html"):
        (line,) = extract(tmp_path / name).blocks
        assert line.text == "部门整体支出绩效自评表", name


def test_the_government_page_is_gbk_with_its_prose_as_lines():
    raw = (WEB / "jiangcheng-wenlv-2023.gov.html").read_bytes()
    assert b"charset=gb2312" in raw and "附件1".encode("gbk") in raw
    document = extract(WEB / "jiangcheng-wenlv-2023.gov.html")
    lines = [b.text for b in document.blocks if isinstance(b, TextLine)]
    assert "附件1" in lines and "单位名称：江城市文化旅游广电局" in lines
    assert "2023年度部门整体支出绩效自评表" in lines
    assert document.source_format == "html" and document.pages is None


def test_a_truncated_page_gives_what_it_holds(tmp_path):
    """fixtures/hostile/truncated.html is yueyang-2024.html cut in a table of its third form:
    the forms before the cut come out whole."""
    from pipeline.run.ingest import ingest

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(HOSTILE / "truncated.html", folder / "truncated.html")
    ingest(folder, tmp_path / "out", workers=1)
    values = frame_rows(pd.read_parquet(tmp_path / "out" / "values.parquet"))
    forms = sorted({(r["form"], r["form_seq"]) for r in values})
    whole = [f for f in forms if f != forms[-1]]
    assert len(whole) >= 2
    want = [r for r in expected_records("yueyang-2024") if (r["form"], r["form_seq"]) in whole]
    got = [r for r in values if (r["form"], r["form_seq"]) in whole]
    assert_same_records(want, got, "html")


def test_an_excel_workbook_saved_as_one_mht_file_is_one_workbook(tmp_path):
    """Excel's single-file web page: the workbook page and each sheet page as MIME parts
    (here the parts of fixtures/web/jiangcheng-jiaotong-2023.htm and its folder, GBK,
    base64 as Excel writes them)."""
    import base64

    stem = "jiangcheng-jiaotong-2023"
    pages = [WEB / f"{stem}.htm", *sorted((WEB / f"{stem}.files").glob("sheet*.htm"))]
    boundary = "----=_NextPart_01DB2C5A.7E1F3B40"
    parts = []
    for page in pages:
        where = page.name if page.suffix and page.parent == WEB else f"{stem}.files/{page.name}"
        parts.append(
            f"--{boundary}\r\nContent-Location: file:///C:/D4A1/{where}\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            'Content-Type: text/html; charset="gb2312"\r\n\r\n'
            + base64.encodebytes(page.read_bytes()).decode("ascii").replace("\n", "\r\n")
            + "\r\n"
        )
    archive = (
        "MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\n"
        f'Content-Type: multipart/related; boundary="{boundary}"\r\n\r\n'
        + "".join(parts)
        + f"--{boundary}--\r\n"
    )
    path = tmp_path / "book.mht"
    path.write_bytes(archive.encode("ascii"))
    document = extract(path)
    from_folder = extract(WEB / f"{stem}.htm")
    assert document.source_format == "mht" and document.pages == from_folder.pages == 6
    assert [_texts(b) if isinstance(b, Grid) else b.text for b in document.blocks] == [
        _texts(b) if isinstance(b, Grid) else b.text for b in from_folder.blocks
    ]
    assert [n.rule for n in document.notes] == ["hidden_sheet"]
    assert len([b for b in document.blocks if isinstance(b, Grid)]) == 5


def test_a_caption_is_a_line_above_its_table_and_office_tags_are_inline(tmp_path):
    path = _page(
        tmp_path,
        "<p class=MsoNormal><span>附件3</span><o:p></o:p></p>"
        "<table><caption>2024年度项目支出绩效自评表</caption>"
        "<tr><td><p class=MsoNormal>项目<o:p>名称</o:p></p></td><td>道路维修</td></tr></table>",
    )
    blocks = extract(path).blocks
    assert [b.text for b in blocks if isinstance(b, TextLine)] == [
        "附件3",
        "2024年度项目支出绩效自评表",
    ]
    assert isinstance(blocks[2], Grid) and _texts(blocks[2]) == [["项目名称", "道路维修"]]


CONTRADICTIONS = FIXTURES / "contradictions"
FINDING_FIELDS = ("rule", "severity", "form", "form_seq", "section", "item", "measure")


def _rendered_run(specs: Path, fmt: str, tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every spec of a fixture set rendered as `fmt` through fixtures/build_web.py's adapter
    and ingested in one run; its values and findings."""
    import importlib.util
    import sys

    from pipeline.run.ingest import ingest

    sys.path.insert(0, str(FIXTURES))
    spec = importlib.util.spec_from_file_location("build_web", FIXTURES / "build_web.py")
    build_web = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_web)
    folder = tmp_path_factory.mktemp(f"{specs.parent.name}-{fmt}")
    for path in sorted(specs.glob("*.json")):
        blocks = build_web.spec_to_blocks(json.loads(path.read_text(encoding="utf-8")))
        render = getattr(build_web.render_web, f"blocks_to_{fmt}")
        render(blocks, folder / f"{path.stem}.{fmt}")
    out = tmp_path_factory.mktemp(f"{specs.parent.name}-{fmt}-out")
    ingest(folder, out, workers=2)
    return pd.read_parquet(out / "values.parquet"), pd.read_parquet(out / "findings.parquet")


@pytest.fixture(scope="module", params=["xlsx", "html"])
def contradictions_run(request, tmp_path_factory):
    """The contradiction documents as workbooks or as web pages, one format a run (dup-a meets
    dup-b)."""
    return (
        request.param,
        *_rendered_run(CONTRADICTIONS / "specs", request.param, tmp_path_factory),
    )


def _clean(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (CONTRADICTIONS / "specs").glob("*.json")), ids=str
)
def test_a_contradiction_as_a_workbook_or_page_gives_its_records_and_findings(
    contradictions_run, name
):
    fmt, values, findings = contradictions_run
    source = f"{name}.{fmt}"
    lines = (CONTRADICTIONS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    want_records = [json.loads(line) for line in lines if line.strip()]
    assert_same_records(want_records, frame_rows(values[values.source_path == source]), fmt)
    declared = json.loads((CONTRADICTIONS / f"{name}.findings.json").read_text(encoding="utf-8"))
    want = sorted((tuple(w[f] for f in FINDING_FIELDS) for w in declared), key=repr)
    rows = findings[findings.source_path == source]
    got = sorted(
        (tuple(_clean(row[f]) for f in FINDING_FIELDS) for _, row in rows.iterrows()), key=repr
    )
    assert got == want


VARIANTS = FIXTURES / "variants"


@pytest.fixture(scope="module", params=["xlsx", "html"])
def variants_run(request, tmp_path_factory):
    """The variants (a report around the forms, other wording, a form split in two tables, Word
    markup) as workbooks (every block on one sheet) or web pages."""
    return (request.param, *_rendered_run(VARIANTS / "specs", request.param, tmp_path_factory))


@pytest.mark.parametrize(
    "name",
    sorted(
        p.stem
        for p in (VARIANTS / "specs").glob("*.json")
        if (VARIANTS / f"{p.stem}.jsonl").exists()
    ),
    ids=str,
)
def test_a_variant_as_a_workbook_or_page_gives_its_records(variants_run, name):
    fmt, values, _ = variants_run
    lines = (VARIANTS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    want = [json.loads(line) for line in lines if line.strip()]
    assert_same_records(want, frame_rows(values[values.source_path == f"{name}.{fmt}"]), fmt)


def test_hidden_rows_and_cells_of_a_saved_workbook_are_said(tmp_path):
    stem = "jiangcheng-jiaotong-2023"
    shutil.copy(WEB / f"{stem}.htm", tmp_path)
    shutil.copytree(WEB / f"{stem}.files", tmp_path / f"{stem}.files")
    sheet = tmp_path / f"{stem}.files" / "sheet002.htm"
    page = sheet.read_bytes().decode("gb18030")
    page = page.replace(
        "<tr height=20><td>附件3</td>", "<tr height=0 style='display:none'><td>附件3</td>"
    )
    page = page.replace(
        "<td class=xl66>　</td>", "<td class=xl66 style='display:none'>测算</td>", 1
    )
    sheet.write_bytes(page.encode("gb18030"))
    document = extract(tmp_path / f"{stem}.htm")
    assert "附件3" not in [b.text for b in document.blocks if isinstance(b, TextLine)]
    hidden = [n for n in document.notes if n.rule == "hidden_cells"]
    assert [(n.page, n.message) for n in hidden] == [
        (
            2,
            f"{stem}.htm：第 2 个工作表（表2）中隐藏的 1 行和 1 个单元格有文字，"
            "Excel 既不显示也不打印它们，未读取",
        )
    ]
