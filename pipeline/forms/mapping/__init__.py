"""Mapping: turn a recognised form's grids and lines into value slots, driven by its definition.

The mapping reads a grid row by row, the way a person reads the form:
- a row of column headers (年初预算数, 全年预算数 …) names the measures of the columns below it,
  and the section they belong to, by the headers' meaning, never their position; a second
  header row right under it refines the columns it sits under (指标性质 | 指标值 | 度量单位 under
  年度指标值); its label cells may name the section's item, a block label with the block's
  weight (`预算执行情况(20分)`, `绩效指标(90分)`) or the table's money unit (`（万元）`)
  (`header_rows.py`);
- a row holding a label of a label-value section (市级预算部门名称 | 值, `其中：一般公共预算：
  7745.72`, 评价结论 | …) gives those values; in the head, any other label | value row too;
- any other row is a data row of the active column section (`rows.py`).
A label or header no definition knows is reported as an `unknown_header` finding; its values
are still kept (a value under an unknown column is rejected by the schema, never moved under a
neighbouring measure).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from extractors import Cell, Grid, TextLine, fill_covered_slots
from pipeline.definitions import Catalog, Vocabulary
from pipeline.forms.mapping.context import MapContext, declared_money_unit, distinct, key_of
from pipeline.forms.mapping.footer import footer_row_to_lines, lines_to_footer
from pipeline.forms.mapping.header_rows import header_row_to_map
from pipeline.forms.mapping.indicators import indicator_item_cell, indicator_row_to_slots
from pipeline.forms.mapping.pairs import (
    label_value_row_to_slots,
    lines_cells_to_slots,
    measure_lines_to_slots,
    measure_pairs_to_slots,
)
from pipeline.forms.mapping.repeats import labelled_values_unsure, repeated_items_unsure
from pipeline.forms.mapping.rows import data_row_to_slots
from pipeline.forms.normalize import label_key, label_notes, normalize_label, weight_of_note
from pipeline.model import Finding, FormInstance, Slot

_HEADING = ("一、", "二、", "三、", "四、", "五、", "六、")


def form_to_slots(form: FormInstance, catalog: Catalog) -> tuple[list[Slot], list[Finding]]:
    """Map one recognised form to its value slots and the findings made on the way."""
    ctx = MapContext(form, catalog.forms[form.form], catalog.vocabulary)
    if form.rival is not None:
        ctx.close_call(catalog.forms[form.rival].titles[0])
    _footer_to_slots(ctx, form.lines_before, catalog.vocabulary)
    for grid in form.grids:
        grid_to_slots(ctx, grid)
    _footer_to_slots(ctx, form.lines_after, catalog.vocabulary)
    slots = repeated_items_unsure(unkeyed(ctx), ctx.definition)
    return labelled_values_unsure(slots, ctx.definition), ctx.findings


UNKEYED = 0.5  # the confidence of a scanned form's values when no project name was read


def unkeyed(ctx: MapContext) -> list[Slot]:
    """The form's slots, unsure when it is scanned, its definition keys its values by a project
    name and none was read (its label misread, `项目专出名称`, or its cell lost): every value
    then stands under no project, its key incomplete."""
    definition = ctx.definition
    if not definition.checks.get("require_project") or definition.carries("project") is None:
        return ctx.slots
    if any(s.carries == "project" and s.value_raw.strip() for s in ctx.slots):
        return ctx.slots
    if not any(s.cell is not None and s.cell.confidence < 1.0 for s in ctx.slots):
        return ctx.slots  # a text layer's blank is the form's own
    return [replace(s, rests_on=min(s.rests_on, UNKEYED)) for s in ctx.slots]


def _footer_to_slots(ctx: MapContext, lines: tuple, vocabulary: Vocabulary) -> None:
    """The footer lines' slots; a `label：value` among them no footer item names is a finding."""
    slots, unknown = lines_to_footer(lines, vocabulary)
    ctx.slots.extend(slots)
    for text in unknown:
        ctx.unknown(text, None, "表格上下的文字")


def grid_to_slots(ctx: MapContext, grid: Grid) -> None:
    matrix = fill_covered_slots(grid)
    header_cells: list[Cell] = []
    earlier = ctx.state.header_cells  # the headers of a table before this one, if active
    for r, row in enumerate(matrix):
        cells = distinct(row)
        own = [c for c in cells if c.row == r]
        if not own or title_or_unit_row(ctx, own):
            continue
        first = len(ctx.slots)
        under_headers = _row_to_slots(ctx, r, row, cells, own)
        if under_headers is None:  # a header row: the cells the values below rest on
            stacked = ctx.state.header_row == r - 1 and header_cells
            header_cells = [*header_cells, *cells] if stacked else list(cells)
            ctx.state.header_cells = tuple(header_cells)
            continue
        for index in range(first, len(ctx.slots)):
            slot = resting_on(
                ctx.slots[index],
                cells,
                header_cells if under_headers else [],
                ctx.naming_confidence,
            )
            if under_headers:
                slot = aligned_with(slot, tuple(header_cells) or earlier)
            ctx.slots[index] = slot


MISALIGNED = 0.5  # a value under an earlier table's headers whose column it does not stand in
MIN_OVERLAP = 0.5  # of the value cell's width, under the header its column index names


def aligned_with(slot: Slot, headers: tuple[Cell, ...]) -> Slot:
    """A value on another page than its headers (a page's part joined into the table, or read
    as a table of its own going on under an earlier one's headers) is named by its column's
    index; unsure where its cell does not stand under that header on the page (the part's
    columns counted otherwise: a rule missing or added). Text-layer cells only: their boxes
    are in one unit on every page."""
    cell = slot.cell
    if cell is None or cell.bbox is None or cell.confidence < 1.0:
        return slot
    over = [
        h
        for h in headers
        if h.col <= cell.last_col
        and h.last_col >= cell.col
        and h.bbox is not None
        and h.page != cell.page
    ]
    if not over or any(h.confidence < 1.0 for h in over):
        return slot
    x0, x1 = min(h.bbox.x0 for h in over), max(h.bbox.x1 for h in over)
    width = cell.bbox.x1 - cell.bbox.x0
    shared = min(x1, cell.bbox.x1) - max(x0, cell.bbox.x0)
    if width > 0 and shared >= MIN_OVERLAP * width:
        return slot
    return replace(slot, rests_on=min(slot.rests_on, MISALIGNED))


def _row_to_slots(
    ctx: MapContext, r: int, row: list[Cell | None], cells: list[Cell], own: list[Cell]
) -> bool | None:
    """One row's slots: None for a header row (it names the columns below), else whether its
    values stand under the active headers (a data or indicator row)."""
    if measure_pairs_to_slots(ctx, own) or measure_lines_to_slots(ctx, own):
        return False
    if (footer := footer_row_to_lines(own, ctx.vocabulary)) is not None:
        _footer_to_slots(ctx, footer, ctx.vocabulary)
        return False
    own = lines_cells_to_slots(ctx, own)
    header = header_row_to_map(ctx, own, cells, r)
    if header is not None:
        if ctx.state.active is not None and ctx.state.active.section is not header.section:
            ctx.state.passed.add(ctx.state.active.section.section)
            ctx.state.last_row = {}  # (no row of another section goes on under these headers)
        ctx.state.active = header
        ctx.state.header_row = r
        ctx.state.open_parent = None
        return None
    if _group_heading_row(ctx, own):
        return False
    item_cell = indicator_item_cell(ctx, row)
    pairs = item_cell is None or _first_cell_is_pair_label(ctx, own)
    if pairs and label_value_row_to_slots(ctx, own):
        return False
    if _block_row(ctx, own):
        return False
    if item_cell is not None:
        indicator_row_to_slots(ctx, r, row, own, item_cell)
        return True
    if ctx.state.active is not None:
        data_row_to_slots(ctx, r, row, own)
        return True
    if not _is_heading(own):
        for cell in own:
            ctx.unknown(cell.text, cell, "栏目表头之前的一行")
    return False


def resting_on(
    slot: Slot, row: list[Cell], headers: list[Cell], naming: Callable[[Cell], float]
) -> Slot:
    """A slot with the least confidence of what its value rests on: the labels left of its
    cell in its row (its item, 二级, 一级) and the headers over its cell's columns, each as sure
    as `naming` says it names what it does. A label or header read unsure (OCR) makes every
    value it names unsure; a text layer's are all 1.0."""
    cell = slot.cell
    if cell is None:
        return slot
    labels = [c for c in row if c.last_col < cell.col and c.text.strip()]
    over = [h for h in headers if h.col <= cell.last_col and h.last_col >= cell.col]
    least = min((naming(c) for c in (*labels, *over)), default=1.0)
    return replace(slot, rests_on=least) if least < slot.rests_on else slot


def _first_cell_is_pair_label(ctx: MapContext, own: list[Cell]) -> bool:
    """Does the row open with a label-value label (评价结论 after the indicator table)?"""
    return ctx.resolve(own[0].text, ("label_value", "inline")) is not None


def _block_row(ctx: MapContext, own: list[Cell]) -> bool:
    """A row holding only a block label (`绩效指标(90分)` over the indicator headers): its weight
    waits for the block's header row, which says whether it has a 分值 column of its own."""
    texts = [c for c in own if c.text.strip()]
    groups = {label_key(w) for w in ctx.vocabulary.column_groups}
    blocks = [c for c in texts if ctx.is_block(c.text)]
    spanning = [c for c in texts if key_of(label_notes(c.text)[0]) in groups]
    if not blocks or len(blocks) + len(spanning) != len(texts):
        return False  # `财政资金安排和使用情况 | 资金结构 | 预算安排 | 拨付情况` over the headers
    for cell in blocks:
        base, notes = label_notes(cell.text)
        section = ctx.blocks.get(key_of(base))
        if section is not None and any(weight_of_note(n) for n in notes):
            ctx.state.pending_weight = (section, cell)
    return True


def _group_heading_row(ctx: MapContext, own: list[Cell]) -> bool:
    """`二、产出指标` (or `产出指标`) alone in a row under an indicator header with no 一级 column:
    the 一级指标 of the rows below it."""
    cm = ctx.state.active
    texts = [c for c in own if c.text.strip()]
    if cm is None or cm.section.kind != "indicators" or cm.role("level1") is not None:
        return False
    if len(texts) != 1 or texts[0].col > cm.boundary:
        return False
    label = normalize_label(texts[0].text)
    groups = {key_of(g) for g in cm.section.groups}
    numbered = texts[0].text.strip().startswith(_HEADING)
    if not label.text or not (numbered or key_of(label.text) in groups):
        return False
    state = ctx.state
    state.level1, state.level2, state.level1_recovered = label.text, None, False
    state.level1_cell = id(texts[0])
    group = cm.section.group_section or "indicator_groups"
    ctx.emit_weight(group, label.text, label.weight_raw or "", texts[0])
    return True


def _is_heading(own: list[Cell]) -> bool:
    """`一、基本情况`: a numbered heading row of a system export, no value of its own."""
    texts = [c.text.strip() for c in own if c.text.strip()]
    return len(texts) == 1 and texts[0].startswith(_HEADING)


def title_or_unit_row(ctx: MapContext, own: list[Cell]) -> bool:
    """A first row holding the form's title, or a row that only says `单位：万元` (beside a
    numbered heading, `一、基本情况 | 金额单位：万元`)."""
    texts = [c.text for c in own if c.text.strip()]
    title = label_key(ctx.instance.title)
    if title and label_key("".join(t.strip() for t in texts)) == title:
        return True  # the title the form was found by, whole or split over the row's cells
    if len(texts) > 1:
        units = [declared_money_unit((TextLine(t),), ctx.vocabulary) for t in texts]
        headings = [t.strip().startswith(_HEADING) for t in texts]
        if any(units) and all(u or h for u, h in zip(units, headings, strict=True)):
            ctx.money_unit = next(u for u in units if u)
            return True
        return False
    if not texts:
        return False
    key = label_key(texts[0])
    if any(label_key(title) in key for title in ctx.definition.titles):
        return True
    unit = declared_money_unit((TextLine(texts[0]),), ctx.vocabulary)
    if unit is not None:
        ctx.money_unit = unit
        return True
    return False


__all__ = ["form_to_slots"]
