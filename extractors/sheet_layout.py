"""A plane of cells (a worksheet, or a web page's table that is a whole saved sheet) sorted into
TextLines and Grids.

A sheet is not a list of tables: its titles, `单位：万元` and 填表人 lines stand in rows of their
own between the forms. A row holding a bordered cell (or covered by a merge from a table row
above) is a table row, and consecutive table rows make one Grid, their merges as spans; any
other row with text is a line. Where nothing has a border, rows are told by shape: a row with a
single text is a line, unless it stands between two table rows without spanning their width (a
template row `……`, a row left mostly blank). Plain data only: `Region`s in, blocks out.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.model import Block, Cell, Grid, TextLine, cells_to_grid


@dataclass(frozen=True)
class Region:
    """A cell as a person sees it: a merged range once, at its top-left slot (0- or 1-based,
    as the caller counts), with its text and whether it has a border."""

    row: int
    col: int
    last_row: int
    last_col: int
    text: str
    bordered: bool


def regions_to_blocks(regions: list[Region], page: int | None, fill_gaps: bool) -> list[Block]:
    """The rows top to bottom as TextLines and Grids. `fill_gaps`: where a table has no
    borders, a slot no region covers is a blank cell (a worksheet lists only the cells that
    hold something); a web page lists every cell, so it has no gaps to fill."""
    by_row: dict[int, list[Region]] = {}
    for region in regions:
        by_row.setdefault(region.row, []).append(region)
    if not by_row:
        return []
    kinds = classify_rows(regions, by_row)
    blocks: list[Block] = []
    run: list[int] = []
    for row in range(min(by_row), max(by_row) + 1):
        if kinds.get(row) == "table":
            run.append(row)
            continue
        if run:
            blocks.append(rows_to_grid(run, regions, page, fill_gaps))
            run = []
        if kinds.get(row) == "line":
            texts = [r.text for r in sorted(by_row[row], key=lambda r: r.col) if r.text.strip()]
            lines = "  ".join(texts).split("\n")
            blocks.extend(TextLine(text=line, page=page) for line in lines if line.strip())
    if run:
        blocks.append(rows_to_grid(run, regions, page, fill_gaps))
    return blocks


def classify_rows(regions: list[Region], by_row: dict[int, list[Region]]) -> dict[int, str]:
    """Each row that holds something: `table` or `line` (rows not listed are blank)."""
    borders = any(r.bordered for r in regions)
    tall = [r for r in regions if r.last_row > r.row]  # merged down over rows
    kinds: dict[int, str] = {}
    for row in sorted(by_row):
        starting = by_row[row]
        from_above = any(kinds.get(r.row) == "table" for r in tall if r.row < row <= r.last_row)
        texts = [r for r in starting if r.text.strip()]
        if from_above or (borders and any(r.bordered for r in starting)):
            kinds[row] = "table"
        elif not texts:
            if not borders:
                kinds[row] = "empty"  # a row of blank cells: decided by its neighbours
        elif borders or len(texts) == 1:
            kinds[row] = "line"
        else:
            kinds[row] = "table"
    if not borders:
        _keep_lone_rows_in_tables(kinds, by_row)
    return {row: kind for row, kind in kinds.items() if kind != "empty"}


def _keep_lone_rows_in_tables(kinds: dict[int, str], by_row: dict[int, list[Region]]) -> None:
    """Without borders, a one-text or blank row between table rows stays in its table unless
    its text spans the table's width (a title between two forms)."""
    rows = sorted(kinds)
    for i, row in enumerate(rows):
        if kinds[row] not in ("line", "empty"):
            continue
        above = next((kinds[r] for r in reversed(rows[:i]) if kinds[r] != "empty"), None)
        below = next((kinds[r] for r in rows[i + 1 :] if kinds[r] != "empty"), None)
        if above != "table" or below != "table":
            continue
        if kinds[row] == "empty":
            kinds[row] = "table"
            continue
        neighbours = by_row.get(row - 1, []) + by_row.get(row + 1, [])
        left = min((r.col for r in neighbours), default=0)
        right = max((r.last_col for r in neighbours), default=0)
        lone = next(r for r in by_row[row] if r.text.strip())
        if not (lone.col <= left and lone.last_col >= right):
            kinds[row] = "table"


def rows_to_grid(rows: list[int], regions: list[Region], page: int | None, fill_gaps: bool) -> Grid:
    """Consecutive table rows → a Grid: each region starting in them once, at its slot
    relative to the run's top-left, its span clipped to the run."""
    first, last = rows[0], rows[-1]
    inside = [r for r in regions if first <= r.row <= last]
    left = min(r.col for r in inside)
    right = max(r.last_col for r in inside)
    cells: list[Cell] = []
    covered: set[tuple[int, int]] = set()
    for region in inside:
        rowspan = min(region.last_row, last) - region.row + 1
        cells.append(
            Cell(
                row=region.row - first,
                col=region.col - left,
                text=region.text,
                rowspan=rowspan,
                colspan=region.last_col - region.col + 1,
                page=page,
            )
        )
        covered.update(
            (r, c)
            for r in range(region.row, region.row + rowspan)
            for c in range(region.col, region.last_col + 1)
        )
    if fill_gaps and not any(r.bordered for r in inside):
        cells.extend(
            Cell(row=r - first, col=c - left, text="", page=page)
            for r in range(first, last + 1)
            for c in range(left, right + 1)
            if (r, c) not in covered
        )
    return cells_to_grid(cells)
