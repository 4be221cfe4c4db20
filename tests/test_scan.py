"""Scanned submissions: pages without a usable text layer are read by OCR into the same rows as
their born-digital twin; every misread number carries a finding or a low-confidence flag.

The scans under fixtures/scans/ are made by fixtures/build_scans.py from the season PDFs (150 dpi,
grey, rotated by up to 1°, noise, blur, JPEG); each has its expected records beside it.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pdfplumber
import pypdfium2
import pytest
from conftest import FIXTURES, SEASON

from extractors.scan.crops import (
    WIDEN_LEFT,
    WIDEN_LEFT_INK_CELL,
    WIDEN_RIGHT,
    _text_rows,
    ink_lines,
    is_slash,
    lines_across_edges,
    widen,
)
from extractors.scan.crops import unread_ink as _unread_ink
from extractors.scan.page import TextBox, cell_score, clean_text, needs_ocr
from extractors.scan.recognise import (
    PACK_GAP,
    PACK_WIDTH,
    SUSPECT_SCORE,
    _ctc_decode,
    _pack,
    doubt_digit_skips,
    doubt_skips,
    text_score,
)
from extractors.scan.ruling import Rect, Table
from pipeline.run.ingest import ingest

SCANS = FIXTURES / "scans"
SCAN_NAMES = sorted(p.stem for p in SCANS.glob("*.pdf"))
KEY = ("form", "form_seq", "section", "level1", "level2", "item", "measure")
MIN_EXACT = 0.98
CONSISTENCY_RULES = {
    "execution_rate_mismatch",
    "budget_score_mismatch",
    "total_score_mismatch",
    "weights_mismatch",
    "score_exceeds_weight",
    "subtotal_mismatch",
    "control_rate_mismatch",
    "cross_form_mismatch",
}


@pytest.fixture(scope="module")
def scan_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every scan fixture ingested in one run, two workers as on the machines it runs on."""
    folder = tmp_path_factory.mktemp("scans-in")
    for name in SCAN_NAMES:
        shutil.copy(SCANS / f"{name}.pdf", folder / f"{name}.pdf")
    out = tmp_path_factory.mktemp("scans-out")
    ingest(folder, out, workers=2)
    return out


@pytest.fixture(scope="module")
def scan_values(scan_out: Path) -> pd.DataFrame:
    return pd.read_parquet(scan_out / "values.parquet")


@pytest.fixture(scope="module")
def scan_findings(scan_out: Path) -> pd.DataFrame:
    return pd.read_parquet(scan_out / "findings.parquet")


def _clean(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def rows_by_key(values: pd.DataFrame) -> dict[tuple, dict]:
    """Value rows by their record key, as plain Python values."""
    return {
        tuple(_clean(row[k]) for k in KEY): {k: _clean(v) for k, v in row.items()}
        for row in values.to_dict("records")
    }


def _expected(name: str) -> list[dict]:
    lines = (SCANS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _no_space(text: object) -> str | None:
    return None if text is None else "".join(str(text).split())


def _right(expected: dict, got: dict | None) -> bool:
    """Exactly right: the number equal for a number, else the text without white space."""
    if got is None:
        return False
    if expected["value_num"] is not None:
        return got["value_num"] is not None and math.isclose(
            got["value_num"], expected["value_num"], abs_tol=1e-9
        )
    return got["value_num"] is None and _no_space(got["value_text"]) == _no_space(
        expected["value_text"]
    )


def _flagged(wrong: dict, findings: pd.DataFrame) -> bool:
    """A low-confidence or consistency finding on the same cell, or an error on the same form."""
    same_form = findings[
        (findings.form == wrong["form"]) & (findings.form_seq == wrong["form_seq"])
    ]
    same_cell = same_form[
        (same_form.section == wrong["section"])
        & (same_form.item == wrong["item"])
        & (same_form.measure == wrong["measure"])
    ]
    rules = set(same_cell.rule)
    return (
        "low_confidence" in rules
        or bool(rules & CONSISTENCY_RULES)
        or bool((same_form.severity == "error").any())
    )


# ------------------------------------------------------------------------------------------
# Detection


@pytest.mark.parametrize("name", SCAN_NAMES)
def test_scanned_and_garbage_pages_go_to_ocr(name):
    with pdfplumber.open(SCANS / f"{name}.pdf") as pdf:
        assert all(needs_ocr(_texts(page), bool(page.images)) for page in pdf.pages)


def test_garbage_text_layer_is_cid_glyphs():
    with pdfplumber.open(SCANS / "garbage-text-layer.pdf") as pdf:
        page = pdf.pages[0]
        assert page.chars, "the fixture must have a text layer"
        assert all(ch["text"].startswith("(cid:") for ch in page.chars)


@pytest.mark.parametrize("path", sorted(SEASON.glob("*.pdf")), ids=lambda p: p.name)
def test_born_digital_pages_are_read_as_text(path):
    with pdfplumber.open(path) as pdf:
        assert not any(needs_ocr(_texts(page), bool(page.images)) for page in pdf.pages)


def _texts(page) -> list[str]:
    return [ch["text"] for ch in page.chars]


@pytest.mark.parametrize(
    ("texts", "images", "ocr"),
    [
        ([], 1, True),  # an image and no text: a scan
        ([], 0, False),  # an empty page
        (list("年度资金总额"), 1, False),  # a text layer over a letterhead image
        (["\ue000", "\ue001", "\ue002", "年"], 0, True),  # private-use glyphs
        (["\ufffd"] * 8 + list("年度"), 0, True),  # mostly replacement characters
        ([*"年度资金总额年度资金总额", "(cid:12)"], 0, False),  # one odd glyph
    ],
)
def test_detection_rules(texts, images, ocr):
    assert needs_ocr(texts, bool(images)) is ocr


def test_ocr_text_fixes_are_of_form_only():
    assert clean_text("达到 99%") == "达到99%"
    assert clean_text("达到90.6%;") == "达到90.6%；"
    assert clean_text("0~6岁儿童") == "0～6岁儿童"
    assert clean_text("3,357.52") == "3,357.52"
    assert clean_text("8:30") == "8:30"
    # a speck after a number reads as a point: dropped (the score still flags the value)
    assert clean_text("9.80.") == "9.80"
    assert clean_text("87.3%.") == "87.3%"
    assert clean_text("1756.50.万元") == "1756.50万元"
    assert clean_text("1.完成") == "1.完成"  # an enumeration, not a number
    assert clean_text("2025.6.25") == "2025.6.25"
    assert clean_text("2023.年决算数") == "2023年决算数"  # a speck between a year and its 年
    assert clean_text("1.年度目标") == "1.年度目标"
    assert clean_text("89·42") == "89.42"  # a decimal point read as a middle dot
    assert clean_text("元/户·年") == "元/户·年"  # between characters it is the text's own


def test_a_cell_with_a_bracket_left_open_scores_low():
    line = [TextBox(rect=Rect(0, 0, 10, 10), text="", score=0.99)]
    assert cell_score("效益指标(30", line) < 0.8
    assert cell_score("效益指标（30分）", line) == 0.99
    assert cell_score("1）完成调研；2）机要文件", line) == 0.99


def test_misshapen_numbers_score_low():
    assert text_score("1352:66", 0.98, []) < 0.8
    assert text_score("0.", 0.98, []) < 0.8
    assert text_score("87.3%.", 0.98, []) < 0.8
    assert text_score("89·42", 0.98, []) < 0.8  # made 89.42, but flagged
    assert text_score("3,357.52", 0.98, []) == 0.98
    assert text_score("2025.6.25", 0.98, []) == 0.98
    assert text_score("", 0.98, []) == 0.0
    assert text_score("91.02%", 0.99, [0.99, 0.99, 0.5, 0.99, 0.99, 0.99]) == 0.5


@pytest.mark.parametrize("font", [0, 2, 3], ids=["simplex", "duplex", "complex"])
@pytest.mark.parametrize(("char", "slash"), [("/", True), ("1", False), ("l", False), ("7", False)])
def test_a_leaning_stroke_is_a_slash_and_an_upright_one_not(font, char, slash):
    import cv2

    ink = np.zeros((40, 40), np.uint8)
    cv2.putText(ink, char, (10, 32), font, 1.0, 255, 2)  # a character 22-24 px high
    assert is_slash(ink, glyph=24.0) is slash


def _line(ink_at: tuple[int, int] | None) -> np.ndarray:
    """A recogniser input 48 px high, white, with a dark blot over the columns `ink_at`."""
    image = np.ones((48, 200), np.float32)
    if ink_at is not None:
        image[14:34, ink_at[0] : ink_at[1]] = -1.0
    return image


def test_a_character_passed_over_makes_its_neighbours_doubtful():
    # 挤占挪用款项 read 挤挪用款项: characters every 24 px, none read where 占 stands (24-48)
    text, confs, at = "挤挪用款项", [0.99] * 5, np.array([12.0, 60.0, 84.0, 108.0, 132.0])
    doubted = doubt_skips(text, confs, at, _line((30, 42)))
    assert doubted[:2] == [0.5, 0.5] and doubted[2:] == [0.99] * 3
    assert text_score(text, 0.99, doubted) == 0.5


def test_a_character_read_where_two_stand_is_doubtful():
    # 施工未能按期 read 施木能按期: 木 read between 工 and 未 (at 48), no gap wide enough alone
    text, confs = "施木能按期完成", [0.99] * 7
    at = np.array([12.0, 48.0, 84.0, 108.0, 132.0, 156.0, 180.0])
    doubted = doubt_skips(text, confs, at, _line((0, 192)))
    assert doubted == [0.99, 0.5, *[0.99] * 5]
    # characters at their even pitch, a little uneven as the recogniser places them: all sure
    even = np.array([12.0, 44.0, 76.0, 92.0, 108.0, 132.0, 156.0])
    assert doubt_skips(text, confs, even, _line((0, 168))) == confs


def test_a_space_or_the_grey_between_crops_is_no_character_passed_over():
    text, confs, at = "填表人王芳", [0.99] * 5, np.array([12.0, 36.0, 60.0, 108.0, 132.0])
    assert doubt_skips(text, confs, at, _line(None)) == confs  # a blank gap: a space
    grey = _line(None)
    grey[:, 72:96] = 0.0  # the grey a crop is packed beside
    assert doubt_skips(text, confs, at, grey) == confs


def test_a_letter_read_unsure_makes_its_line_unsure():
    # 卫 read as U, 适 as 造: one doubtful letter in a long label barely moves the mean
    assert text_score("公共U生服务", 0.95, [1.0, 1.0, 0.68, 1.0, 1.0, 1.0]) == 0.68
    assert text_score("不造用群众", 0.9, [1.0, 0.47, 1.0, 1.0, 1.0]) == 0.47
    # a long text's mean hides one character read at 0.8 (施工未能 read 施木能): not its score
    assert text_score("施木能按期完成", 0.97, [1.0, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0]) == 0.8
    # a sure reading, and an unsure mark that is no letter (、), keep the mean
    assert text_score("群众满意度", 0.99, [1.0, 0.98, 0.99, 1.0, 0.98]) == 0.99
    assert text_score("培训、宣传", 0.9, [1.0, 1.0, 0.49, 1.0, 1.0]) == 0.9
    # the letters of a note are no word's: 执行率(B/A) read with a doubtful B is still 执行率
    assert text_score("执行率(B/A)", 0.91, [1, 1, 1, 1, 0.57, 1, 0.69, 1]) == 0.91


# ------------------------------------------------------------------------------------------
# Crops: no line of a cell lost, no neighbour's line read into a crop

GLYPH = 20.0


def _ink(height: int, width: int, blocks: list[tuple[int, int, int, int]]) -> np.ndarray:
    ink = np.zeros((height, width), dtype=np.uint8)
    for y0, y1, x0, x1 in blocks:
        ink[y0:y1, x0:x1] = 255
    return ink


def test_a_line_the_detector_missed_is_read_from_the_cells_ink():
    # a narrow cell holding `效益指标` / `(30` / `分)`: the detector found the first two lines only
    ink = _ink(160, 100, [(10, 30, 20, 80), (40, 60, 30, 70), (100, 120, 35, 65)])
    cell = Rect(0, 0, 100, 160)
    crops = [Rect(15, 8, 85, 32), Rect(25, 38, 75, 62)]
    extra = _unread_ink(ink, [Table(rect=cell, cells=(cell,))], crops, GLYPH)
    assert len(extra) == 1
    assert extra[0].y0 <= 100 and extra[0].y1 >= 120
    assert extra[0].x0 <= 35 and extra[0].x1 >= 65


def test_a_cell_read_in_full_gives_no_extra_crop():
    ink = _ink(60, 100, [(10, 30, 20, 80)])
    cell = Rect(0, 0, 100, 60)
    assert _unread_ink(ink, [Table(rect=cell, cells=(cell,))], [Rect(15, 6, 85, 34)], GLYPH) == []


def test_the_foot_of_the_line_above_is_cut_from_a_crop():
    ink = _ink(30, 40, [(0, 2, 5, 35), (6, 26, 10, 30)])
    pieces, slivers = _text_rows(ink, GLYPH)
    assert pieces == [(6, 26)]
    assert slivers == [(0, 2)]


def test_the_strokes_of_one_character_are_one_line():
    # 三: three bars inside one character's height, the top one at the crop's edge
    ink = _ink(24, 30, [(0, 3, 5, 25), (9, 11, 7, 23), (17, 20, 3, 27)])
    assert _text_rows(ink, GLYPH) == ([(0, 20)], [])
    # the same 三 under the foot of the line above: the foot goes, the character stays whole
    ink = _ink(30, 30, [(0, 2, 5, 25), (6, 8, 5, 25), (13, 15, 7, 23), (21, 24, 3, 27)])
    assert _text_rows(ink, GLYPH) == ([(6, 24)], [(0, 2)])


def _one_cell(ink):
    cell = Rect(0, 0, ink.shape[1], ink.shape[0])
    return [Table(rect=cell, cells=(cell,))]


def test_the_lines_of_a_cell_are_found_from_its_ink():
    # `≤6200万` over `元`, set tight: the top bar of 元 is the next line's, not this one's foot
    ink = _ink(50, 120, [(6, 23, 15, 100), (29, 30, 45, 70), (33, 44, 48, 66)])
    lines = ink_lines(ink, ink, _one_cell(ink), GLYPH)
    assert len(lines) == 2
    assert lines[0].y1 < 33 and lines[1].y0 <= 29 and lines[1].y1 >= 44
    assert lines[1].x0 <= 45 and lines[1].x1 >= 70


def test_a_line_found_in_a_cells_ink_is_widened_less_than_a_detected_one():
    # a 20 px high line in a cell 0..300: found from the ink, a tenth of its height on the left
    # and nothing on the right (its box already has its margin); boxed by the detector on a
    # page without a grid, a third on the left and more on the right
    cell = Table(Rect(0, 0, 300, 40), (Rect(0, 0, 300, 40),))
    line = Rect(100, 10, 200, 30)
    (from_ink,) = widen([line], [cell], (40, 300), glyph=14.0, from_ink=True)
    assert (from_ink.x0, from_ink.x1) == (100 - WIDEN_LEFT_INK_CELL * 20, 200)
    (detected,) = widen([line], [], (40, 300), glyph=14.0)
    assert (detected.x0, detected.x1) == (100 - WIDEN_LEFT * 20, 200 + WIDEN_RIGHT * 20)


def test_an_ink_free_cell_has_no_lines_and_a_wide_gap_splits_a_line():
    assert (
        ink_lines(_ink(40, 100, []), _ink(40, 100, []), _one_cell(_ink(40, 100, [])), GLYPH) == []
    )
    ink = _ink(40, 300, [(10, 30, 10, 80), (10, 30, 80 + int(3 * GLYPH), 290)])
    assert len(ink_lines(ink, ink, _one_cell(ink), GLYPH)) == 2


def test_a_mark_too_small_for_a_stroke_stays_in_its_line():
    # the 、 after 档 is a speck to the stroke filter, but the box reaches over it
    ink = _ink(40, 200, [(10, 30, 10, 100)])
    raw = _ink(40, 200, [(10, 30, 10, 100), (24, 28, 104, 108)])
    (line,) = ink_lines(ink, raw, _one_cell(ink), GLYPH)
    assert line.x1 >= 108


def _two_cells() -> list[Table]:
    left, right = Rect(0, 0, 200, 60), Rect(200, 0, 400, 60)
    return [Table(rect=Rect(0, 0, 400, 60), cells=(left, right))]


def test_a_text_line_a_column_edge_cut_in_two_is_found():
    # one line of text running from the left cell into the right one, cut at x=200 by a column
    # line the grid made of the text's own upright strokes: line ink on some rows only
    lines = [Rect(10, 15, 198, 45), Rect(201, 15, 330, 45)]
    strokes = _ink(60, 400, [(18, 26, 197, 203), (32, 42, 197, 203)])
    assert lines_across_edges(lines, _two_cells(), strokes, GLYPH) == lines
    # a ruling line there, down the whole row: two cells' texts that fill them, not one text
    ruled = _ink(60, 400, [(0, 60, 199, 202)])
    assert lines_across_edges(lines, _two_cells(), ruled, GLYPH) == []
    # texts apart from the edge (the cells' padding between them): nothing cut
    apart = [Rect(10, 15, 170, 45), Rect(230, 15, 330, 45)]
    assert lines_across_edges(apart, _two_cells(), strokes, GLYPH) == []


# ------------------------------------------------------------------------------------------
# Recogniser runs: short crops packed, each decoded from its own columns


def test_short_crops_share_a_run_and_long_ones_run_alone():
    widths = [100, 400, 150, 60, 320, 90]
    groups = _pack(widths)
    assert sorted(i for g in groups for i in g) == list(range(len(widths)))
    assert [1] in groups and [4] in groups  # wider than PACK_WIDTH, or filling it
    for group in groups:
        if len(group) > 1:
            assert sum(widths[i] for i in group) + PACK_GAP * (len(group) - 1) <= PACK_WIDTH
    assert len(groups) == 4  # 150+100, 90+60 (widest first, first fit)


def test_ctc_columns_decode_to_text_and_character_scores():
    charset = ["blank", "8", ".", "4", "0"]
    columns = [1, 1, 0, 2, 3, 0, 4, 4, 0]  # 8 8 _ . 4 _ 0 0 _
    probs = np.full((len(columns), len(charset)), 0.01)
    for step, k in enumerate(columns):
        probs[step, k] = 0.9 if step != 4 else 0.6
    text, mean, confs = _ctc_decode(probs, charset)
    assert text == "8.40"
    assert confs == pytest.approx([0.9, 0.9, 0.6, 0.9])
    assert mean == pytest.approx(0.825)
    assert _ctc_decode(np.zeros((0, len(charset))), charset) == ("", 0.0, [])


# ------------------------------------------------------------------------------------------
# The scans, end to end


def test_scans_are_read_as_pdf_scan(scan_out):
    documents = pd.read_parquet(scan_out / "documents.parquet")
    assert set(documents.status) == {"ok"}
    assert set(documents.source_format) == {"pdf_scan"}


@pytest.mark.parametrize("name", SCAN_NAMES)
def test_scan_values_are_right_or_flagged(scan_values, scan_findings, name):
    values = scan_values[scan_values.source_path == f"{name}.pdf"]
    findings = scan_findings[scan_findings.source_path == f"{name}.pdf"]
    got = rows_by_key(values)
    expected = _expected(name)
    wrong = [e for e in expected if not _right(e, got.get(tuple(e[k] for k in KEY)))]
    share = 1 - len(wrong) / len(expected)
    assert share >= MIN_EXACT, f"{share:.2%} exactly right; wrong: {wrong[:5]}"
    unflagged = [
        (tuple(e[k] for k in KEY), e["value_text"])
        for e in wrong
        if e["value_num"] is not None and not _flagged(e, findings)
    ]
    assert not unflagged, f"wrong numbers without a finding: {unflagged}"


@pytest.mark.parametrize("name", SCAN_NAMES)
def test_scan_rows_have_page_bbox_and_ocr_confidence(scan_values, name):
    values = scan_values[scan_values.source_path == f"{name}.pdf"]
    assert (values.source_format == "pdf_scan").all()
    with pdfplumber.open(SCANS / f"{name}.pdf") as pdf:
        sizes = {n: (float(p.width), float(p.height)) for n, p in enumerate(pdf.pages, start=1)}
    assert values.page.notna().all()
    for row in values.itertuples():
        width, height = sizes[int(row.page)]
        assert 0 <= row.bbox_x0 < row.bbox_x1 <= width
        assert 0 <= row.bbox_top < row.bbox_bottom <= height
    assert ((values.confidence > 0) & (values.confidence < 1)).all()


def test_each_worker_takes_its_share_of_the_cores(monkeypatch):
    from extractors.scan import recognise as scan

    monkeypatch.delenv(scan.THREADS_ENV, raising=False)
    monkeypatch.setattr(scan, "_threads_share", None)
    assert scan.ocr_threads() == 0  # the main process: onnxruntime's own default
    scan.share_cores(2)
    assert scan.ocr_threads() == 2
    monkeypatch.setenv(scan.THREADS_ENV, "1")  # the user's setting wins
    assert scan.ocr_threads() == 1


def test_canvases_read_in_one_batch_read_as_one_by_one(monkeypatch):
    from extractors.scan import recognise as scan_recognise
    from extractors.scan.ruling import deskew, find_tables, render

    grey = deskew(render(pypdfium2.PdfDocument(SCANS / f"{SCAN_NAMES[0]}.pdf")[0]))
    tables, _ = find_tables(grey)
    cells = [c for c in tables[0].cells if c.x1 - c.x0 > 40 and c.y1 - c.y0 > 20][:24]
    images = [grey[int(c.y0) + 4 : int(c.y1) - 4, int(c.x0) + 4 : int(c.x1) - 4] for c in cells]
    batched = scan_recognise.recognise(images)
    monkeypatch.setattr(scan_recognise, "REC_BATCH", 1)
    alone = scan_recognise.recognise(images)
    assert [t for t, _, _ in batched] == [t for t, _, _ in alone]
    assert any(t for t, _, _ in alone)
    for (_, a, _), (_, b, _) in zip(batched, alone, strict=True):
        assert abs(a - b) < 1e-4


def test_runs_side_by_side_read_as_one_after_another(monkeypatch):
    from extractors.scan import recognise as scan_recognise
    from extractors.scan.ruling import deskew, find_tables, render

    grey = deskew(render(pypdfium2.PdfDocument(SCANS / f"{SCAN_NAMES[0]}.pdf")[0]))
    tables, _ = find_tables(grey)
    cells = [c for c in tables[0].cells if c.x1 - c.x0 > 40 and c.y1 - c.y0 > 20][:24]
    images = [grey[int(c.y0) + 4 : int(c.y1) - 4, int(c.x0) + 4 : int(c.x1) - 4] for c in cells]
    monkeypatch.setattr(scan_recognise, "REC_BATCH", 2)  # several runs to share out
    monkeypatch.setenv(scan_recognise.THREADS_ENV, "3")
    assert scan_recognise.rec_streams() == 3
    side_by_side = scan_recognise.recognise(images)
    monkeypatch.setenv(scan_recognise.THREADS_ENV, "1")
    assert scan_recognise.rec_streams() == 1
    in_turn = scan_recognise.recognise(images)
    assert side_by_side == in_turn
    assert any(t for t, _, _ in in_turn)


def test_a_page_without_a_grid_has_its_lines_found_by_the_detector():
    from extractors.scan.page import read_text
    from extractors.scan.ruling import deskew, find_tables, render

    grey = deskew(render(pypdfium2.PdfDocument(SCANS / f"{SCAN_NAMES[0]}.pdf")[0]))
    tables, _ = find_tables(grey)
    head = np.ascontiguousarray(grey[: max(int(min(t.rect.y0 for t in tables)) - 8, 40)])
    boxes = read_text(head, [])  # the text above the first table: no grid to find lines in
    assert boxes and any(box.text.strip() for box in boxes)


def test_a_sentence_mark_read_unsure_makes_its_line_unsure():
    # ；read as ： at 0.82: the text is another, though the mean hardly moves
    text = "控制规模和天数：办公用品"
    confs = [1.0] * 7 + [0.82] + [1.0] * 4
    assert text_score(text, 0.98, confs) == SUSPECT_SCORE
    # read sure, or a 、 (no twin) read unsure: the mean
    assert text_score(text, 0.98, [1.0] * 7 + [0.97] + [1.0] * 4) == 0.98
    assert text_score("培训、宣传", 0.9, [1.0, 1.0, 0.6, 1.0, 1.0]) == 0.9


def test_a_mark_passed_over_between_digits_makes_them_doubtful():
    # 0736-7252183 read 07367252183: digits every 12 px, none read where - stands (48-60)
    text, confs = "07367252183", [0.99] * 11
    at = np.array([6.0, 18.0, 30.0, 42.0, 66.0, 78.0, 90.0, 102.0, 114.0, 126.0, 138.0])
    doubted = doubt_digit_skips(text, confs, at, _line((50, 58)))
    assert doubted[3:5] == [0.5, 0.5] and doubted[:3] + doubted[5:] == [0.99] * 9
    # digits at their even pitch: all sure; a blank gap (a space between numbers) too
    even = np.array([6.0 + 12 * k for k in range(11)])
    assert doubt_digit_skips(text, confs, even, _line((0, 140))) == confs
    assert doubt_digit_skips(text, confs, at, _line(None)) == confs
