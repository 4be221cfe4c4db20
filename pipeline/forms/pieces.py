"""Forms in pieces: a table that holds the tail of one form and the head of the next (a budget
system's page cut) is cut at the head, each piece a table of its own."""

from __future__ import annotations

from dataclasses import replace

from extractors import Grid, cells_to_grid, fill_covered_slots
from pipeline.definitions import Catalog
from pipeline.forms.normalize import label_key, normalize_label

_NAMING_END = "名称"  # 部门, 单位 or 转移支付 alone is too common a word to open a form


def naming_labels(catalog: Catalog) -> frozenset[str]:
    """The head labels that name a form's project or unit (项目名称, 转移支付(项目)名称, 部门名称):
    the first row of every form's head."""
    keys = (
        label_key(normalize_label(word).text)
        for form in catalog.forms.values()
        for section in form.sections
        if section.section == "header"
        for item in section.items
        if item.carries in ("project", "unit")
        for word in (item.item, *item.synonyms)
    )
    return frozenset(k for k in keys if k.endswith(_NAMING_END))


def row_names_a_form(row: list, catalog: Catalog) -> bool:
    """Does a grid row open with a label that names a form's project or unit?"""
    cells = [c for c in {id(c): c for c in row if c is not None}.values() if c.text.strip()]
    if not cells:
        return False
    first = min(cells, key=lambda c: c.col)
    text = normalize_label(first.text).text
    return label_key(normalize_label(text.split(":")[0].split("：")[0]).text) in naming_labels(
        catalog
    )


def opens_with_head(grid: Grid, catalog: Catalog) -> bool:
    """Does the table's first row name a form (a head, not the continuation of a form)?"""
    return grid.n_rows > 0 and row_names_a_form(fill_covered_slots(grid)[0], catalog)


def body_labels(catalog: Catalog) -> frozenset[str]:
    """Words only a form's body holds: column headers, indicator roles, 一级/二级 labels."""
    vocabulary = catalog.vocabulary
    words = {*vocabulary.header_index()}
    words |= {label_key(w) for ws in vocabulary.roles.values() for w in ws}
    for form in catalog.forms.values():
        for section in form.sections:
            words |= {label_key(g) for g in section.groups}
            words |= set(section.level2_parents)
    return frozenset(words)


def split_at_heads(blocks: list, catalog: Catalog) -> list:
    """A table whose later row opens a form's head (`项目名称 | …` under another form's
    indicator rows, no cell above running into it) is cut there: the rows above are one piece
    (the tail of a form), the head and what follows another."""
    known = body_labels(catalog)
    out: list = []
    for block in blocks:
        if not isinstance(block, Grid):
            out.append(block)
            continue
        matrix = fill_covered_slots(block)
        start = 0
        seen_header = False
        for r in range(block.n_rows):
            cells = list({id(c): c for c in matrix[r] if c is not None}.values())
            crossing = any(c.row < r for c in cells)
            if r > start and seen_header and not crossing and row_names_a_form(matrix[r], catalog):
                out.append(rows_of(block, start, r))
                start, seen_header = r, False
                continue
            seen_header = seen_header or any(
                label_key(normalize_label(c.text).text) in known for c in cells
            )
        out.append(block if start == 0 else rows_of(block, start, block.n_rows))
    return out


def rows_of(grid: Grid, first: int, end: int) -> Grid:
    """Rows first..end-1 of a grid as a grid of their own, numbered from 0."""
    cells = [
        replace(c, row=c.row - first, rowspan=min(c.rowspan, end - c.row))
        for c in grid.cells
        if first <= c.row < end
    ]
    return cells_to_grid(cells) if cells else Grid((), 0, grid.n_cols)
