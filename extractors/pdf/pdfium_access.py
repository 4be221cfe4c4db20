"""PDFium's side of a PDF (through pypdfium2): a page's characters, painted path pieces and
images as the neutral page of page.py. pypdfium2's documents, pages, text pages and ctypes
handles never leave this module.

Coordinates are PDF points, y down from the top of the page, as pdfplumber gives them.
A character's horizontal extent is its advance (PDFium's loose box, the same as pdfminer's
x0/x1); its vertical extent is the em square standing on its baseline (see page.Char).
Paths are split into subpaths at each move, and each subpath is a line, a rectangle or a curve
by the same tests pdfminer makes, so the table finder sees the same ruling on either reader.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Iterator
from pathlib import Path

from extractors.errors import ExtractionError
from extractors.pdf.page import WHITE, Char, PageContent, Piece, shades_marked

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
HYPHEN_MARK = 0x02  # PDFium's code for a hyphen ending a line: the hyphen itself
NO_UNICODE = 0xFFFD  # a glyph the font maps to no character (scan.needs_ocr counts them)
log = logging.getLogger(__name__)
MAX_FORM_DEPTH = 8  # form XObjects nested deeper than this are not looked into


class PdfiumFile:
    """An open PDF: its pages read one at a time, rendered for OCR on demand."""

    def __init__(self, path: Path) -> None:
        import pypdfium2

        try:
            self._pdf = pypdfium2.PdfDocument(str(path))
        except pypdfium2.PdfiumError as exc:
            raise _open_error(path, exc) from exc
        self._last: tuple[int, object] | None = None

    def __len__(self) -> int:
        return len(self._pdf)

    def close(self) -> None:
        if self._last is not None:
            self._last[1].close()
            self._last = None
        self._pdf.close()

    def __enter__(self) -> PdfiumFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def rotation(self, number: int) -> int:
        """The page's /Rotate in degrees (0, 90, 180, 270)."""
        return self.pdfium_page(number).get_rotation()

    def page(self, number: int) -> PageContent:
        """The characters, path pieces and image presence of page `number` (1-based)."""
        page = self.pdfium_page(number)
        x0, y0, x1, y1 = page.get_mediabox()
        height = y1 - y0
        text = page.get_textpage()
        try:
            chars = tuple(_chars(text, height))
        finally:
            text.close()
        pieces: list[Piece] = []
        images = False
        for kind, points, coloured in _page_paths(page):
            if kind == "image":
                images = True
            else:
                # y down from the MediaBox's height, as pdfplumber's `top` (whatever its origin)
                shaped = subpath_to_pieces([(x, height - y) for x, y in points], kind)
                pieces.extend(shades_marked(shaped, coloured))
        return PageContent(
            number=number,
            width=x1 - x0,
            height=height,
            chars=chars,
            pieces=tuple(pieces),
            has_images=images,
        )

    def pdfium_page(self, number: int):
        """The pypdfium2 page itself, for the scan package's rendering (the one place it goes); the
        last one asked for is kept, as a page is read, then perhaps rendered or turned."""
        if self._last is None or self._last[0] != number:
            if self._last is not None:
                self._last[1].close()
            self._last = (number, self._pdf[number - 1])
        return self._last[1]


def _open_error(path: Path, exc: Exception) -> ExtractionError:
    import pypdfium2.raw as raw

    if getattr(exc, "err_code", None) in (raw.FPDF_ERR_PASSWORD, raw.FPDF_ERR_SECURITY):
        return ExtractionError("encrypted", f"PDF 文件已加密：{path.name} 需要密码才能打开")
    log.debug("PDFium on %s: %r", path.name, exc)
    return ExtractionError("corrupt", f"PDF 文件已损坏：{path.name} 的结构无法识别")


# ---------------------------------------------------------------------------------------------
# Characters


def _chars(text, height: float) -> Iterator[Char]:
    """The page's characters in content order, without the spaces and line ends PDFium adds;
    x as PDFium gives it, y down from the MediaBox's height (pdfplumber's `top`)."""
    import pypdfium2.raw as raw

    box = raw.FS_RECTF()
    matrix = raw.FS_MATRIX()
    handle = text.raw
    # bound once: a page has a thousand characters and each asks six things of PDFium
    generated, unicode_of = raw.FPDFText_IsGenerated, raw.FPDFText_GetUnicode
    loose_box = raw.FPDFText_GetLooseCharBox
    size_of, matrix_of = raw.FPDFText_GetFontSize, raw.FPDFText_GetMatrix
    map_error = raw.FPDFText_HasUnicodeMapError
    for index in range(raw.FPDFText_CountChars(handle)):
        if generated(handle, index) == 1:
            continue
        code = unicode_of(handle, index)
        if code == HYPHEN_MARK:
            code = ord("-")
        elif map_error(handle, index) == 1:
            code = NO_UNICODE  # a glyph with no Unicode: pdfminer's `(cid:N)`
        loose_box(handle, index, box)
        size = size_of(handle, index)
        matrix_of(handle, index, matrix)  # its f: the baseline's height, as pdfminer's matrix
        upright = matrix.b == 0 and matrix.c == 0 and matrix.a * matrix.d > 0
        baseline = height - matrix.f
        if upright:  # the font size as set (Tf) times the text and page matrices' scale
            size *= abs(matrix.d)
            top, bottom = baseline - size, baseline
        else:  # turned text: the loose box as PDFium gives it; its height as pdfminer's size
            top, bottom = height - box.top, height - box.bottom
            size = abs(bottom - top)
        yield Char(chr(code) if code else "", box.left, box.right, top, bottom, size, upright)


# ---------------------------------------------------------------------------------------------
# Paths and images


def _page_paths(page) -> Iterator[tuple[str, list[tuple[float, float]], bool]]:
    """Each painted subpath of the page as (shape, points in PDF space, whether its path is
    filled in a colour with no outline), "image" for an image, looking into form XObjects."""
    import pypdfium2.raw as raw

    handle = page.raw
    for index in range(raw.FPDFPage_CountObjects(handle)):
        yield from _object_paths(raw.FPDFPage_GetObject(handle, index), IDENTITY, 0)


def _object_paths(obj, outer: Matrix, depth: int) -> Iterator[tuple[str, list, bool]]:
    import pypdfium2.raw as raw

    kind = raw.FPDFPageObj_GetType(obj)
    if kind == raw.FPDF_PAGEOBJ_IMAGE:
        yield "image", [], False
    elif kind == raw.FPDF_PAGEOBJ_PATH:
        matrix = _compose(_matrix(obj), outer)
        coloured = _coloured_fill(obj)
        for shape, points in _subpaths(obj):
            yield shape, [_apply(matrix, p) for p in points], coloured
    elif kind == raw.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
        matrix = _compose(_matrix(obj), outer)
        for index in range(raw.FPDFFormObj_CountObjects(obj)):
            yield from _object_paths(raw.FPDFFormObj_GetObject(obj, index), matrix, depth + 1)


def _coloured_fill(obj) -> bool:
    """Is the path filled, not stroked, in a colour darker than the paper's white (as
    pdfplumber_access sees it: some channel below WHITE)?"""
    import pypdfium2.raw as raw

    mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(obj, ctypes.byref(mode), ctypes.byref(stroke)):
        return False
    if mode.value == 0 or stroke.value:
        return False
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not raw.FPDFPageObj_GetFillColor(obj, *(ctypes.byref(c) for c in (r, g, b, a))):
        return False
    return any(c.value < WHITE * 255 for c in (r, g, b))


def _subpaths(obj) -> Iterator[tuple[str, list[tuple[float, float]]]]:
    """A path object's subpaths as pdfminer spells them: `m`, `l`, `c` (a Bézier's three
    points, of which its end point counts) and `h` for a closed one, with one point per
    operator (`h` repeats the start)."""
    import pypdfium2.raw as raw

    x, y = ctypes.c_float(), ctypes.c_float()
    shape: list[str] = []
    points: list[tuple[float, float]] = []
    bezier = 0
    for index in range(raw.FPDFPath_CountSegments(obj)):
        segment = raw.FPDFPath_GetPathSegment(obj, index)
        raw.FPDFPathSegment_GetPoint(segment, x, y)
        point = (float(x.value), float(y.value))
        kind = raw.FPDFPathSegment_GetType(segment)
        if kind == raw.FPDF_SEGMENT_MOVETO:
            if shape:
                yield "".join(shape), points
            shape, points, bezier = ["m"], [point], 0
        elif kind == raw.FPDF_SEGMENT_BEZIERTO:
            bezier += 1
            if bezier == 3:  # control, control, end: one `c`
                shape.append("c")
                points.append(point)
                bezier = 0
        else:
            shape.append("l")
            points.append(point)
        if raw.FPDFPathSegment_GetClose(segment) and shape:
            shape.append("h")
            points.append(points[0])
    if shape:
        yield "".join(shape), points


def _matrix(obj) -> Matrix:
    import pypdfium2.raw as raw

    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return IDENTITY
    return (float(m.a), float(m.b), float(m.c), float(m.d), float(m.e), float(m.f))


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix that applies `inner`, then `outer`."""
    a, b, c, d, e, f = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _apply(m: Matrix, point: tuple[float, float]) -> tuple[float, float]:
    if m == IDENTITY:
        return point
    x, y = point
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def subpath_to_pieces(points: list[tuple[float, float]], shape: str) -> list[Piece]:
    """A subpath (points already from the top-left) as the line, rectangle or curve pdfminer
    would make of it."""
    if not shape.startswith("m"):
        return []
    if len(shape) > 3 and shape.endswith("lh") and points[-2] == points[0]:
        shape = shape[:-2] + "h"  # a redundant `l` back to the start of a closed path
        points = points[:-1]
    if shape in ("mlh", "ml"):
        return [Piece("line", (points[0], points[1]))]
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = points
        closed = points[0] == points[4]
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
            y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
        )
        if closed and square:
            return [Piece("rect", (points[0], points[2]))]
    return [Piece("curve", tuple(points))]
