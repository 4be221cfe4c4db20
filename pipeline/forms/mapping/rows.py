"""Data rows under column headers: a row label names the item, each value cell is assigned to
the header column it overlaps most, and a target split over 指标性质 | 指标值 | 度量单位 becomes
one value. Indicator rows, with their 一级/二级 labels, are `indicators.py`'s."""

from __future__ import annotations

import re
from dataclasses import replace

from extractors import Cell
from pipeline.definitions import SectionDef
from pipeline.forms.mapping.context import MapContext, distinct
from pipeline.forms.mapping.headers import INDICATOR_ROLES, TARGET_PARTS, ColumnMap, best_column
from pipeline.forms.normalize import label_key, normalize_label, peel_notes
from pipeline.model import Slot
from pipeline.names import section_name


def data_row_to_slots(ctx: MapContext, r: int, row: list[Cell | None], own: list[Cell]) -> None:
    cm = ctx.state.active
    assert cm is not None
    label_cell = _row_label_cell(ctx, row, cm)
    label_text = normalize_label(label_cell.text).text if label_cell is not None else ""
    if ctx.is_template(label_text):
        return
    values = [
        c
        for c in own
        if c.col >= cm.boundary or (label_cell is not None and c.col > label_cell.col)
    ]
    if not label_text and continue_last_row(ctx, values, cm):
        return
    foreign = _foreign_block(ctx, row, cm)
    if foreign is not None and ctx.resolve(label_text, ("columns", "indicators")) is None:
        # under a block label of another section (its headers misread), a label the active
        # section would take as one of its open items: no guess, every value a finding
        where = f"{section_name(cm.section.section)}的栏目下一行属于{section_name(foreign.section)}的内容"
        ctx.unknown(label_text, label_cell, where)
        for cell in values:
            if cell.text.strip():
                ctx.unknown(cell.text, cell, where)
        return
    section, item, parent = _resolve_row_label(ctx, label_text, cm, values)
    if section is None:
        return
    if label_cell is not None and label_cell.row == r and section is cm.section:
        _label_weight(ctx, label_cell, section, item)
    values_to_slots(ctx, values, cm, section, item, parent)


def _foreign_block(ctx: MapContext, row: list[Cell | None], cm: ColumnMap) -> SectionDef | None:
    """The section of a block label left of the values that is not the active headers'."""
    for cell in distinct([c for c in row[: cm.boundary] if c is not None]):
        section = ctx.block_section(cell.text)
        if section is not None and section is not cm.section:
            return section
    return None


def _row_label_cell(ctx: MapContext, row: list[Cell | None], cm: ColumnMap) -> Cell | None:
    """The cell naming a data row, among those left of the values: the rightmost one a
    definition knows, else the rightmost that ends where the values begin (a cell running on
    past the boundary, `年度总体目标 | its text`, is a value), else the rightmost."""
    cells = [
        c
        for c in distinct([c for c in row[: cm.boundary] if c is not None])
        if normalize_label(c.text).text and not ctx.is_block(c.text)
    ]
    for test in (
        lambda c: ctx.resolve(c.text, ("columns", "indicators")) is not None,
        lambda c: c.col + c.colspan <= cm.boundary,
        lambda c: True,
    ):
        found = [c for c in cells if test(c)]
        if found:
            return found[-1]
    return None


def _label_weight(ctx: MapContext, cell: Cell, section: SectionDef, item: str) -> None:
    """A criterion of a rubric whose weight stands only in its label, `绩效目标合理性(2分)`."""
    cm = ctx.state.active
    label = normalize_label(cell.text)
    if cm is None or not label.weight_raw or cm.has("weight") or "weight" not in section.measures:
        return
    ctx.emit_weight(section.section, item, label.weight_raw, cell)


def _resolve_row_label(
    ctx: MapContext, label: str, cm: ColumnMap, values: list[Cell]
) -> tuple[SectionDef | None, str, str | None]:
    state = ctx.state
    if not label:
        if cm.default_item is not None:
            return cm.section, cm.default_item.item, cm.default_item.parent
        total = cm.section.total_item
        if total is not None and not state.last_row and any(c.text.strip() for c in values):
            return cm.section, total.item, None  # the row right under the headers, unlabelled
        if any(c.text.strip() for c in values):
            ctx.unknown("", values[0], f"{section_name(cm.section.section)}中没有行名的数值")
            return cm.section, "", None
        return None, "", None
    resolved = ctx.resolve(label, ("columns", "indicators"))
    if resolved is not None:
        state.open_parent = resolved.item if resolved.item.open_children else None
        return resolved.section, resolved.item.item, resolved.item.parent
    if state.open_parent is not None:
        return cm.section, label, state.open_parent.item
    if not cm.section.open_items:
        ctx.unknown(
            label, values[0] if values else None, f"{section_name(cm.section.section)}的行名"
        )
    return cm.section, label, None


def values_to_slots(
    ctx: MapContext,
    values: list[Cell],
    cm: ColumnMap,
    section: SectionDef,
    item: str,
    parent: str | None,
    level1: str | None = None,
    level2: str | None = None,
) -> None:
    assigned: list[tuple[Cell, str]] = []
    taken: set[str] = set()
    leftover: list[Cell] = []
    foreign = section is not cm.section
    first, unknown_before = len(ctx.slots), len(ctx.findings)
    paired: list[tuple[Cell, str]] = []
    if foreign:  # `总分 | 95.40 | 自评等级 | 优`: a label inside the row names the value after it
        paired, values = _pairs_in_row(ctx, values, section)
        assigned, taken = list(paired), {m for _, m in paired}
    for cell in values:
        column = best_column(cell, cm.columns)
        if column is None or column.name in INDICATOR_ROLES or column.name in taken:
            if cell.text.strip():
                ctx.unknown(
                    cell.text, cell, f"{section_name(section.section)}中不在任何栏目下的数值"
                )
            continue
        if foreign and column.name not in section.measures:
            leftover.append(cell)
            continue
        taken.add(column.name)
        assigned.append((cell, column.name))
    by_column = len(assigned) - len(paired)
    if foreign and not by_column:
        # A row of another section under these headers (总分 under the indicators) whose
        # values stand under no column of its own: in order, one per measure of its section,
        # those the headers have first (a form with 得分 and no 分值 column scores its total).
        filled = [c for c in leftover if c.text.strip()]
        # headers naming none of its measures, and several values: nothing tells which is
        # which (a lone one is its section's first measure, `年度总体目标 | its text`)
        guess = len(filled) <= 1 or any(cm.has(m) for m in section.measures)
        order = sorted((m for m in section.measures if m not in taken), key=lambda m: not cm.has(m))
        order = order if guess else []
        extra = list(zip(filled, order, strict=False))
        assigned += extra
        leftover = filled[len(extra) :]
    assigned += _leftover_to_measures(ctx, leftover, section, {m for _, m in assigned})
    state = ctx.state
    state.last_row = {}
    parts = {m: c for c, m in assigned if m in TARGET_PARTS}
    for cell, measure in assigned:
        if measure in TARGET_PARTS or measure.endswith("_weight"):
            continue
        state.last_row_page = cell.page
        if measure.startswith("@"):  # an item written as a column header: 中央 | 本级 | 合计
            column_item = ctx.resolve(measure[1:], ("columns",))
            assert column_item is not None and section.item_column_measure is not None
            slot = Slot(
                section=section.section,
                item=column_item.item.item,
                item_parent=column_item.item.parent,
                measure=section.item_column_measure,
                value_raw=cell.text,
                default_unit=ctx.unit_for(section.item_column_measure, cm),
                cell=cell,
            )
        elif measure == "target" and parts and cm.splits_target:
            slot = _split_target(ctx, cell, parts, cm, section, item, level1, level2)
        else:
            slot = Slot(
                section=section.section,
                item=item,
                item_parent=parent,
                level1=level1,
                level2=level2,
                measure=measure,
                value_raw=_value_part(ctx, cell.text),
                default_unit=ctx.unit_for(measure, cm),
                numeric=ctx.numeric(measure),
                cell=cell,
            )
        state.last_row[measure] = ctx.emit(slot)
    if len(ctx.findings) > unknown_before and any(c.confidence < 1.0 for c in values):
        split_row(ctx, first)


SPLIT_ROW = 0.5  # the confidence of a scanned row's values when one of them stands under no column


def split_row(ctx: MapContext, first: int) -> None:
    """A scanned row holding a value no column names: a line the grid found where there is
    none (a seal's ring) split a cell, and `7860.00` was read as `78` in its column and `60.00`
    beside it, so no value of the row is sure of its column or its characters."""
    for index in range(first, len(ctx.slots)):
        slot = ctx.slots[index]
        ctx.slots[index] = replace(slot, rests_on=min(slot.rests_on, SPLIT_ROW))


_LABELLED_VALUE = re.compile(r"^\s*(?P<label>[^\d\s:：]{2,8})[\s:：]+(?P<value>[-+]?[\d.,]+%?)\s*$")


def _value_part(ctx: MapContext, text: str) -> str:
    """`预算数 6.84` in a value cell: a header's word written before its value; the value."""
    match = _LABELLED_VALUE.match(text)
    if match and ctx.index.meaning(label_key(match.group("label"))) is not None:
        return match.group("value")
    return text


def _pairs_in_row(
    ctx: MapContext, values: list[Cell], section: SectionDef
) -> tuple[list[tuple[Cell, str]], list[Cell]]:
    """Cells that name a measure of the row's own section (`自评等级`) with its value beside."""
    pairs: list[tuple[Cell, str]] = []
    rest: list[Cell] = []
    skip: set[int] = set()
    named: set[str] = set()
    for i, cell in enumerate(values):
        if i in skip:
            continue
        meaning = ctx.index.meaning(label_key(peel_notes(normalize_label(cell.text).text)[0]))
        if meaning in section.measures and i + 1 < len(values) and meaning not in named:
            pairs.append((values[i + 1], meaning))
            named.add(meaning)
            skip.add(i + 1)
        else:
            rest.append(cell)
    return pairs, rest


def _leftover_to_measures(
    ctx: MapContext, cells: list[Cell], section: SectionDef, taken: set[str]
) -> list[tuple[Cell, str]]:
    """Cells of a 总分 row under columns of another section: a rating word (`优`) after the
    score, or a `自评等级 | 优` pair inside the row. Anything else is an unknown value."""
    out: list[tuple[Cell, str]] = []
    skip: set[int] = set()
    for i, cell in enumerate(cells):
        if i in skip or not cell.text.strip() or ctx.vocabulary.parser.is_placeholder(cell.text):
            continue
        meaning = ctx.index.meaning(label_key(peel_notes(normalize_label(cell.text).text)[0]))
        if meaning in section.measures and meaning not in taken and i + 1 < len(cells):
            out.append((cells[i + 1], meaning))
            taken.add(meaning)
            skip.add(i + 1)
        elif label_key(cell.text) in ctx.ratings and "rating" in section.measures:
            if "rating" not in taken:
                out.append((cell, "rating"))
                taken.add("rating")
        else:
            ctx.unknown(cell.text, cell, f"{section_name(section.section)}中不在任何栏目下的数值")
    return out


def _split_target(
    ctx: MapContext,
    cell: Cell,
    parts: dict[str, Cell],
    cm: ColumnMap,
    section: SectionDef,
    item: str,
    level1: str | None,
    level2: str | None,
) -> Slot:
    """`≥ | 95 | %` in 指标性质 | 指标值 | 度量单位: one target, value_raw the three joined by a
    space, the comparator from 指标性质, the unit from 度量单位."""
    nature = parts.get("target_comparator")
    unit_cell = parts.get("target_unit")
    ordered = [c for c in (nature, cell, unit_cell) if c is not None]
    raw = " ".join(c.text.strip() for c in ordered if c.text.strip())
    parser = ctx.vocabulary.parser
    symbol = parser.comparator_of(nature.text) if nature is not None else None
    unit = None
    if unit_cell is not None and unit_cell.text.strip():
        word = unit_cell.text.strip()
        unit = parser.unit_of(word) or parser.unit_of(peel_notes(word)[0]) or word
    value = cell.text.strip()
    parse_text = value
    if symbol and parser.parse(value, unit).comparator is None:
        parse_text = symbol + value
    return Slot(
        section=section.section,
        item=item,
        level1=level1,
        level2=level2,
        measure="target",
        value_raw=raw,
        parse_text=parse_text,
        default_unit=unit or ctx.unit_for("target", cm),
        cell=cell,
    )


def continue_last_row(ctx: MapContext, values: list[Cell], cm: ColumnMap) -> bool:
    """A row cut by a page break goes on at the top of the next page with no label of its
    own: add its text to the slots of the row it continues."""
    state = ctx.state
    pages = [c.page for c in values if c.page is not None]
    if not state.last_row or not pages or state.last_row_page is None:
        return False
    if min(pages) <= state.last_row_page:
        return False
    for cell in values:
        column = best_column(cell, cm.columns)
        index = state.last_row.get(column.name) if column is not None else None
        if index is not None and cell.text.strip():
            slot = ctx.slots[index]
            ctx.slots[index] = replace(slot, value_raw=slot.value_raw + cell.text)
    state.last_row_page = min(pages)
    return True
