"""Indicator rows: the 三级指标 names the row, the 一级/二级 labels merged down on its left give
level1/level2 (a blank one continues the last; one lost from the page is recovered from the
definition's 二级 → 一级 parents), a 一级 label's `(50分)` is its group's weight, and a row a
page break cut comes back as one row."""

from __future__ import annotations

from dataclasses import replace

from extractors import Cell
from pipeline.forms.mapping.context import MapContext, key_of
from pipeline.forms.mapping.headers import ColumnMap
from pipeline.forms.mapping.rows import continue_last_row, values_to_slots
from pipeline.forms.normalize import Label, label_key, normalize_label, weight_of_note
from pipeline.model import Slot


def indicator_item_cell(ctx: MapContext, row: list[Cell | None]) -> Cell | None:
    """The 三级指标 cell when this is an indicator row under indicator headers, else None
    (a row whose label spans the level columns, such as 总分, is not one)."""
    cm = ctx.state.active
    if cm is None or cm.section.kind != "indicators":
        return None
    item_col = cm.role("item")
    item_cell = cm.cell(row, "item")
    if item_col is None or item_cell is None:
        return None
    first_label = min(
        (c.c0 for c in cm.columns if c.name in ("level1", "level2")), default=item_col.c0
    )
    if first_label < item_col.c0 and item_cell.col <= first_label:
        return None
    if item_cell.col + item_cell.colspan > cm.boundary:
        return None  # a text running on across the value columns (`评价结论 | its text`)
    if _label_in_pieces(ctx, row, cm, item_cell):
        return None
    return item_cell


def _label_in_pieces(ctx: MapContext, row: list[Cell | None], cm: ColumnMap, item: Cell) -> bool:
    """Is the row's label one cell over the level columns printed again in each (a sheet
    printed in strips gives 总分 | 总分 | 总分 back for its merged 总分), a label another
    section names? Then it is that section's row, not an indicator."""
    levels = [cm.cell(row, name) for name in ("level1", "level2") if cm.has(name)]
    same = [c for c in levels if c is not None and key_of(c.text) == key_of(item.text)]
    if not same or len(same) < len(levels):
        return False
    named = ctx.resolve(item.text)
    return named is not None and named.section.kind != "indicators"


def _cut_label_continues(
    ctx: MapContext, row: list[Cell | None], cm: ColumnMap, item_cell: Cell, values: list[Cell]
) -> bool:
    """The 三级指标 of a row a page break cut (`机要文件邮` at the foot of a page, `件处理` at the
    head of the next): the first row of the new page, under blank continued 一级/二级 cells,
    whose values (or the row it continues) are all blank, goes on in the row it continues."""
    state = ctx.state
    if not state.last_row or state.last_row_page is None or item_cell.page is None:
        return False
    if item_cell.page <= state.last_row_page:
        return False
    for role in ("level1", "level2"):
        cell = cm.cell(row, role)
        if cell is not None and (cell.text.strip() or cell.page != item_cell.page):
            return False  # a new group, or one merged down from the last page: a row of its own
    previous = [ctx.slots[i] for i in state.last_row.values()]
    values_blank = not any(c.text.strip() for c in values)
    previous_blank = not any(s.value_raw.strip() for s in previous)
    if not (values_blank or previous_blank) or not all(s.item for s in previous):
        return False
    rest = normalize_label(item_cell.text).text
    for index in state.last_row.values():
        ctx.slots[index] = replace(ctx.slots[index], item=ctx.slots[index].item + rest)
    continue_last_row(ctx, values, cm)
    state.last_row_page = item_cell.page
    return True


def indicator_row_to_slots(
    ctx: MapContext, r: int, row: list[Cell | None], own: list[Cell], item_cell: Cell
) -> None:
    cm = ctx.state.active
    assert cm is not None
    level1 = _level(ctx, row, cm, "level1")
    level2 = _level(ctx, row, cm, "level2")
    if ctx.state.level1_recovered and cm.role("level1") is None:
        # no 一级 column to read (none, or its header unread): each row's 一级 is its own 二级's
        # parent, never the last row's carried on
        level1 = _recover_level1(ctx, level2)
    item = normalize_label(item_cell.text).text if item_cell.row == r else ""
    values = [c for c in own if c.col >= cm.boundary and c is not item_cell]
    if ctx.is_template(item):
        return
    if not item and continue_last_row(ctx, values, cm):
        return
    if item and _cut_label_continues(ctx, row, cm, item_cell, values):
        return
    if not item and not any(c.text.strip() for c in values):
        return
    if not item:
        ctx.unknown("", values[0] if values else item_cell, "没有三级指标名称的指标行")
    if level1 is None:
        level1 = _recover_level1(ctx, level2)
    if level1 is None or (level2 is None and cm.has("level2")):
        missing = [w for w, v in (("一级指标", level1), ("二级指标", level2)) if v is None]
        ctx.missing_label("/".join(missing), item, item_cell)
    _level_weights(ctx, row, cm, level1, level2)
    values_to_slots(ctx, values, cm, cm.section, item, None, level1, level2)
    weight = normalize_label(item_cell.text).weight_raw if item_cell.row == r else None
    if weight and not cm.has("weight"):  # a rubric's criterion, `绩效目标合理性(2分)`
        ctx.emit_weight(cm.section.section, item, weight, item_cell, level1=level1, level2=level2)


def _recover_level1(ctx: MapContext, level2: str | None) -> str | None:
    """A 一级指标 lost from the page: the one the definition names as its 二级指标's parent."""
    cm = ctx.state.active
    if cm is None or level2 is None:
        return None
    recovered = cm.section.level2_parents.get(label_key(level2))
    if recovered is not None:
        ctx.state.level1, ctx.state.level1_recovered = recovered, True
    return recovered


def _level(ctx: MapContext, row: list[Cell | None], cm: ColumnMap, which: str) -> str | None:
    """The 一级/二级指标 covering this row; a blank one continues the last (page breaks)."""
    state = ctx.state
    cell = cm.cell(row, which)
    if cell is None:
        return getattr(state, which)
    label = normalize_label(cell.text)
    text = label.text
    weight_only = text.startswith(("(", "（")) and weight_of_note(text.strip("()（）"))
    if weight_only:  # `(50分)` alone: the 一级 label itself was lost, its weight survived
        text, label = "", replace(label, weight_raw=text, note=text.strip("()（）"))
    if not text and not weight_only:
        return getattr(state, which)
    if which == "level1" and weight_only and _weight_cut_off(ctx, cell, label.weight_raw):
        return state.level1
    if which == "level1" and _level1_tail(ctx, cell, text):
        return state.level1
    if which == "level1" and _level1_cut_short(ctx, cell, label):
        return state.level1
    if which == "level1" and text and text == state.level1 and id(cell) != state.level1_cell:
        state.level1_cell = id(cell)  # the open group's label written again (a row each, or
        _weight_cut_off(ctx, cell, label.weight_raw)  # repeated after a page break, its weight
        return state.level1  # there only): the same group, one weight row
    if which == "level1" and id(cell) != state.level1_cell:
        state.level1_cell = id(cell)
        state.level2 = None
        state.level1, state.level1_recovered = text or None, False
        if not text:
            state.level1 = _recover_level1(ctx, _peek_level2(row, cm))
        if id(cell) not in state.seen_cells and state.level1 is not None:
            state.seen_cells.add(id(cell))
            if not cm.has("level1_weight"):
                group = cm.section.group_section or "indicator_groups"
                ctx.emit_weight(group, state.level1, label.weight_raw or "", cell)
                state.level1_group = len(ctx.slots) - 1
        return state.level1
    if which == "level2" and _level2_cut_off(ctx, cm, cell, text):
        return state.level2
    if which == "level2":
        state.level2_page = cell.page
        _level2_weight(ctx, cm, cell, text, label.weight_raw)
    setattr(state, which, text or getattr(state, which))
    return getattr(state, which)


def _level2_weight(
    ctx: MapContext, cm: ColumnMap, cell: Cell, text: str, weight_raw: str | None
) -> None:
    """`目标设定(8分)`: a weight in a 二级 label (a score sheet with no 分值 column after it) is
    that group's weight, as a weight column after the 二级 labels gives it."""
    state = ctx.state
    if not text or not weight_raw or id(cell) in state.seen_cells or cm.has("level2_weight"):
        return
    state.seen_cells.add(id(cell))
    ctx.emit_weight(cm.section.group_section or "indicator_groups", text, weight_raw, cell)


def _level2_cut_off(ctx: MapContext, cm: ColumnMap, cell: Cell, text: str) -> bool:
    """`数量` at the foot of a page and `指标` at the head of the next: a 二级 label a page break
    divided is joined back (when the two make a 二级 the definition knows, and the first alone
    does not), on the rows read already too."""
    state = ctx.state
    known = cm.section.level2_parents
    open_label = state.level2
    if open_label is None or cell.page is None or state.level2_page is None:
        return False
    joined = open_label + text
    if cell.page <= state.level2_page or label_key(open_label) in known:
        return False
    if label_key(joined) not in known:
        return False
    for i, slot in enumerate(ctx.slots):
        if slot.level2 == open_label and slot.level1 == state.level1:
            ctx.slots[i] = replace(slot, level2=joined)
    state.level2, state.level2_page = joined, cell.page
    return True


def _level1_tail(ctx: MapContext, cell: Cell, text: str) -> bool:
    """`效益指标（30` at the foot of a page and `分）` at the head of the next: a 一级 label a
    page break cut inside its bracket is joined back, its weight with it, on the rows read
    already too."""
    state = ctx.state
    open_label, index = state.level1, state.level1_group
    if not open_label or not text or index is None or cell.page is None:
        return False
    if id(cell) == state.level1_cell and _unclosed(text) < 0:
        return True  # the tail's cell again, on the rows it spans
    if _unclosed(open_label) <= 0 or _unclosed(text) >= 0:
        return False
    group = ctx.slots[index]
    if group.cell is None or group.cell.page is None or cell.page <= group.cell.page:
        return False
    joined = normalize_label(open_label + text)
    if _unclosed(joined.text) != 0:
        return False
    for i, slot in enumerate(ctx.slots):
        if slot.level1 == open_label:
            ctx.slots[i] = replace(slot, level1=joined.text)
    weight = joined.weight_raw or ""
    ctx.slots[index] = replace(
        group, item=joined.text, value_raw=weight, parse_text=weight.strip("()（）")
    )
    state.level1, state.level1_cell = joined.text, id(cell)
    return True


def _level1_cut_short(ctx: MapContext, cell: Cell, label: Label) -> bool:
    """`产出指` at the foot of a page and `产出指标` at the head of the next: a 一级 label a page
    break cut short (its merged cell's last characters drawn on the next page only) is the
    whole label the next page shows, on the rows read already too."""
    state = ctx.state
    open_label, index, text = state.level1, state.level1_group, label.text
    if not open_label or not text or index is None or cell.page is None:
        return False
    if len(text) <= len(open_label) or not text.startswith(open_label):
        return False
    group = ctx.slots[index]
    if group.cell is None or group.cell.page is None or cell.page <= group.cell.page:
        return False
    for i, slot in enumerate(ctx.slots):
        if slot.level1 == open_label:
            ctx.slots[i] = replace(slot, level1=text)
    weight = group.value_raw or label.weight_raw or ""
    ctx.slots[index] = replace(
        group, item=text, value_raw=weight, parse_text=weight.strip("()（）")
    )
    state.level1, state.level1_cell = text, id(cell)
    return True


def _unclosed(text: str) -> int:
    """Brackets opened and not closed (negative: closed and not opened)."""
    return sum(text.count(c) for c in "(（") - sum(text.count(c) for c in ")）")


def _weight_cut_off(ctx: MapContext, cell: Cell, weight_raw: str | None) -> bool:
    """`产出指标` | `(50分)`: a 一级 cell a page break divided, its weight at the head of the next
    page, is the weight of the group left open, not a group of its own."""
    state = ctx.state
    index = state.level1_group
    if index is None or not weight_raw or cell.page is None:
        return False
    group = ctx.slots[index]
    opened = group.cell.page if group.cell is not None else None
    if group.value_raw or opened is None or cell.page <= opened:
        return False
    ctx.slots[index] = replace(group, value_raw=weight_raw, parse_text=weight_raw.strip("()（）"))
    state.level1_cell = id(cell)
    return True


def _peek_level2(row: list[Cell | None], cm: ColumnMap) -> str | None:
    cell = cm.cell(row, "level2")
    return normalize_label(cell.text).text or None if cell is not None else None


def _level_weights(
    ctx: MapContext, row: list[Cell | None], cm: ColumnMap, level1: str | None, level2: str | None
) -> None:
    """Hainan: a 分值 column after the 一级 and 二级 labels gives those groups' weights."""
    group = cm.section.group_section or "indicator_groups"
    for which, label in (("level1", level1), ("level2", level2)):
        cell = cm.cell(row, f"{which}_weight")
        if cell is None or label is None or id(cell) in ctx.state.seen_cells:
            continue
        ctx.state.seen_cells.add(id(cell))
        ctx.emit(
            Slot(
                section=group,
                item=label,
                measure="weight",
                value_raw=cell.text,
                default_unit="分",
                cell=cell,
            )
        )
