"""pdfplumber's side of a PDF (the reference reader): a page's characters, lines, rectangles,
curves and images as the neutral page of pdf_page.py. pdfplumber's pages and object dicts
never leave this module.

A character keeps pdfminer's advance for x0/x1; vertically it is the em square on its baseline
(the text matrix's origin), as pdfium_access.py gives it, so both readers place text alike
whatever a font's descriptor says its descent is.
"""

from __future__ import annotations

from .pdf_page import Char, PageContent, Piece

NO_UNICODE = "\ufffd"


def page_content(page, number: int) -> PageContent:
    """One pdfplumber page as its characters, path pieces and image presence."""
    return PageContent(
        number=number,
        width=float(page.width),
        height=float(page.height),
        chars=tuple(_char(ch) for ch in page.chars),
        pieces=tuple(_pieces(page)),
        has_images=bool(page.images),
    )


def _char(ch: dict) -> Char:
    # a glyph with no Unicode is "(cid:N)" to pdfminer, U+FFFD here as from PDFium
    text = NO_UNICODE if ch["text"].startswith("(cid:") else ch["text"]
    if not ch.get("upright", True):
        return Char(text, ch["x0"], ch["x1"], ch["top"], ch["bottom"], ch["size"], False)
    # the baseline: the origin's y, from the top (pdfminer's y0 sits a descent below it)
    baseline = ch["bottom"] + ch["y0"] - ch["matrix"][5]
    return Char(text, ch["x0"], ch["x1"], baseline - ch["size"], baseline, ch["size"])


def _pieces(page) -> list[Piece]:
    pieces = [Piece("line", tuple(line["pts"][:2])) for line in page.lines]
    pieces += [Piece("rect", ((r["x0"], r["top"]), (r["x1"], r["bottom"]))) for r in page.rects]
    pieces += [Piece("curve", tuple(c["pts"])) for c in page.curves]
    return pieces
