"""The cell a finding points at, for the report: for a PDF the page region rendered with
pypdfium2 and the value's box drawn on it (IN is where the files are), for any other file the
form's row as a small table, the finding's value marked."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.names import measure_names
from pipeline.publish.report.text import clean_number

MAX_IMAGES = 150  # page regions drawn in one report; past this a finding shows its row
RENDER_SCALE = 2.0  # 144 dpi
MARGIN_PT = 18.0  # page above and below the row shown with it
PDF_FORMATS = ("pdf", "pdf_scan")


@dataclass
class Cell:
    """What a finding points at, as HTML pieces for the template."""

    image: str | None = None  # data: URI of the page region (PDF)
    headers: list[str] = field(default_factory=list)  # the row's column names (other files)
    cells: list[str] = field(default_factory=list)
    marked: int | None = None  # index of the finding's own cell in `cells`
    label: str | None = None


def query_rows(con: Any, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class PageImages:
    """Pages of the PDFs under IN rendered once each, and the regions cut from them."""

    def __init__(self, in_dir: Path | None) -> None:
        self.in_dir = in_dir
        self.pages: dict[tuple[str, int], Any] = {}
        self.drawn = 0

    def page(self, source_path: str, page: int) -> Any | None:
        key = (source_path, page)
        if key not in self.pages:
            self.pages[key] = self._render(source_path, page)
        return self.pages[key]

    def _render(self, source_path: str, page: int) -> Any | None:
        if self.in_dir is None:
            return None
        path = self.in_dir / source_path
        if not path.is_file():  # a member of a .zip bundle, or moved since
            return None
        if not path.resolve().is_relative_to(self.in_dir.resolve()):  # a link out of IN
            return None
        try:
            import pypdfium2

            pdf = pypdfium2.PdfDocument(str(path))
            try:
                if not 1 <= page <= len(pdf):
                    return None
                bitmap = pdf[page - 1].render(scale=RENDER_SCALE)
                return bitmap.to_pil().convert("RGB")
            finally:
                pdf.close()
        except Exception:  # an unreadable PDF shows its row instead
            return None

    def region(
        self, source_path: str, page: int, band: tuple[float, float], box: tuple | None
    ) -> str | None:
        """The page across its width from band[0] to band[1] (points from the top), with `box`
        (x0, top, x1, bottom) outlined in red, as a data: URI; None past MAX_IMAGES."""
        if self.drawn >= MAX_IMAGES:
            return None
        image = self.page(source_path, page)
        if image is None:
            return None
        from PIL import ImageDraw

        s = RENDER_SCALE
        band = sorted(_on_page(v, image.height / s) for v in band)
        top = max(0, int((band[0] - MARGIN_PT) * s))
        bottom = max(top + 1, min(image.height, int((band[1] + MARGIN_PT) * s)))
        crop = image.crop((0, top, image.width, bottom))
        if box is not None:
            x0, x1 = sorted(_on_page(v, image.width / s) for v in (box[0], box[2]))
            y0, y1 = sorted(_on_page(v, image.height / s) for v in (box[1], box[3]))
            ImageDraw.Draw(crop).rectangle(
                (x0 * s - 3, y0 * s - top - 3, x1 * s + 3, y1 * s - top + 3),
                outline=(220, 0, 0),
                width=3,
            )
        buffer = io.BytesIO()
        crop.convert("P", palette=1, colors=64).save(buffer, format="PNG", optimize=True)
        self.drawn += 1
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _on_page(value: float | None, size: float) -> float:
    """A coordinate in points clamped to the page (a damaged PDF can give one off the page,
    negative, or none)."""
    value = clean_number(value)
    return 0.0 if value is None else min(max(float(value), 0.0), size)


_CELL_SQL = """
SELECT section, level1, level2, item, measure, item_seq, value_raw, page, "row", col,
       bbox_x0, bbox_top, bbox_x1, bbox_bottom
FROM "values" WHERE source_path = ? AND form = ? AND form_seq = ?
ORDER BY "row" NULLS LAST, col NULLS LAST
"""


def _has_box(row: dict[str, Any]) -> bool:
    return all(
        clean_number(row[k]) is not None for k in ("bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom")
    )


class CellFinder:
    def __init__(self, con: Any, images: PageImages) -> None:
        self.con = con
        self.images = images
        self.forms: dict[tuple, list[dict[str, Any]]] = {}
        self.measures = measure_names()

    def _form(self, source_path: str, form: str, form_seq: int) -> list[dict[str, Any]]:
        key = (source_path, form, form_seq)
        if key not in self.forms:
            self.forms[key] = query_rows(self.con, _CELL_SQL, list(key))
        return self.forms[key]

    def cell(self, finding: dict[str, Any], source_format: str | None) -> Cell | None:
        if not finding["form"] or finding["form_seq"] is None or not finding["item"]:
            return None
        rows = self._form(finding["source_path"], finding["form"], finding["form_seq"])
        mine = [
            r
            for r in rows
            if r["item"] == finding["item"]
            and (finding["section"] is None or r["section"] == finding["section"])
        ]
        target = next((r for r in mine if r["measure"] == finding["measure"]), None)
        anchor = target or (mine[0] if mine else None)
        if anchor is None:
            return None
        same_row = [
            r
            for r in rows
            if anchor["row"] is not None
            and r["row"] == anchor["row"]
            and r["page"] == anchor["page"]
        ] or [anchor]
        label = " / ".join(x for x in (anchor["level1"], anchor["level2"], anchor["item"]) if x)
        boxed = [r for r in same_row if _has_box(r)]
        if source_format in PDF_FORMATS and anchor["page"] and boxed:
            band = (min(r["bbox_top"] for r in boxed), max(r["bbox_bottom"] for r in boxed))
            box = None
            if target is not None and _has_box(target):
                box = (
                    target["bbox_x0"],
                    target["bbox_top"],
                    target["bbox_x1"],
                    target["bbox_bottom"],
                )
            image = self.images.region(finding["source_path"], anchor["page"], band, box)
            if image is not None:
                return Cell(image=image, label=label)
        same_row = [r for r in same_row if r["item"] == anchor["item"]] or [anchor]
        return Cell(
            headers=[self.measures.get(r["measure"], r["measure"]) for r in same_row],
            cells=[r["value_raw"] or "" for r in same_row],
            marked=next((i for i, r in enumerate(same_row) if r is target), None),
            label=label,
        )
