"""A header row read as what it says about the rows below it (a ColumnMap): each header's
meaning, the section they name, the columns' measures, units and years, a second header row
stacked under the first, the label cells among the headers (the section's item, a block's
weight, the table's money unit)."""

from __future__ import annotations

from extractors import Cell
from pipeline.forms.mapping.context import MapContext, key_of
from pipeline.forms.mapping.headers import (
    TARGET_PARTS,
    Column,
    ColumnMap,
    Meaning,
    best_section,
    garbled_header,
    name_level_weights,
    resolve_header,
    stack_columns,
    value_boundary,
    wanted_names,
)
from pipeline.forms.normalize import label_key, label_notes, normalize_label, weight_of_note
from pipeline.names import section_name


def _misreads_resolved(
    ctx: MapContext, resolved: list[tuple[Cell, Meaning]]
) -> list[tuple[Cell, Meaning]]:
    """A header row's cells, the scanned ones no header names read as the header they are a
    misreading of (headers.resolve_header): only in a row some header names as it is written
    (a row of labels and values is no header row), and never a label or block a definition
    knows (`单位资金`, `年度预算数（万元）`)."""
    if not any(m.name and not m.guessed for _, m in resolved):
        return resolved
    named = {m.name for _, m in resolved if m.name}
    return [
        (
            (cell, _misread_header(cell, ctx, named))
            if meaning.name is None
            and cell.confidence < 1.0
            and not ctx.is_block(cell.text)
            and ctx.resolve(cell.text) is None
            else (cell, meaning)
        )
        for cell, meaning in resolved
    ]


UNSURE_HEADER = 0.8  # a header cell read less sure (checks' LOW_CONFIDENCE): through a seal


def _misread_header(cell: Cell, ctx: MapContext, named: set[str]) -> Meaning:
    """A scanned header cell no header names as the header it is a misreading of; an unsure one
    (read through a seal) as the one it is any character off of those the row does not name
    already (a column is never named twice by a guess)."""
    meaning = resolve_header(cell.text, ctx.index, scanned=True)
    if meaning.name is None and cell.confidence < UNSURE_HEADER:
        return garbled_header(cell.text, ctx.index, frozenset(named)) or meaning
    return meaning


def header_row_to_map(
    ctx: MapContext, own: list[Cell], cells: list[Cell], r: int
) -> ColumnMap | None:
    if _alternates([(cell, resolve_header(cell.text, ctx.index)) for cell in own]):
        return None  # 自评得分 | 98.95 | 财政审核评分 | …: labels beside their values
    resolved = _misreads_resolved(
        ctx, [(cell, resolve_header(cell.text, ctx.index)) for cell in own if cell.text.strip()]
    )
    names = {m.name for _, m in resolved if m.name}
    section = best_section(names, ctx.definition.sections)
    state = ctx.state
    stacked = (
        state.active is not None
        and state.header_row == r - 1
        and (section is None or section is state.active.section)
        and len(names & wanted_names(state.active.section)) >= 1
        and len(names) >= 1
    )
    if section is None and not stacked:
        return None
    if stacked:
        section = state.active.section
    assert section is not None
    wanted = wanted_names(section)
    years = [m.year for _, m in resolved if m.name and m.year is not None]
    columns: list[Column] = []
    units: dict[str, str] = {}
    # an unknown header right of the indicator labels (一级 | 二级 | 三级 | ? | 分值) heads values
    # too: its column is reported and its values rejected, never read as labels and dropped
    boundary = value_boundary(
        [
            Column(c.col, c.col + c.colspan, m.name or "", known=m.name in wanted)
            for c, m in resolved
            if m.name in wanted or not ctx.is_block(c.text)
        ]
    )
    if stacked:
        boundary = min(boundary, state.active.boundary) if boundary else state.active.boundary
    item_cols = _item_columns(ctx, section, resolved, boundary)
    if item_cols:
        boundary = min(c.col for c in item_cols)
    cm = ColumnMap(section=section, columns=columns, boundary=boundary, column_units=units, row=r)
    labels: list[Cell] = []
    for cell, meaning in resolved:
        if cell in item_cols:
            columns.append(Column(cell.col, cell.col + cell.colspan, item_cols[cell]))
        elif meaning.name in wanted:
            name = _year_role(ctx, meaning.name, meaning.year, years)
            columns.append(Column(cell.col, cell.col + cell.colspan, name))
            unit = next((ctx.unit_word(n) for n in meaning.notes if ctx.unit_word(n)), None)
            if unit:
                units[name] = unit
        elif cell.col < boundary and not (stacked and _under_upper(cell, state.active)):
            labels.append(cell)
        elif not stacked or not ctx.is_block(cell.text):
            label = normalize_label(cell.text).text
            columns.append(Column(cell.col, cell.col + cell.colspan, label, known=False))
            ctx.unknown(cell.text, cell, f"{section_name(section.section)}的栏目名")
    if stacked:
        cm.columns = stack_columns(state.active.columns, columns)
        cm.default_item, cm.money_unit = state.active.default_item, state.active.money_unit
        cm.column_units = {**state.active.column_units, **units}
    cm.columns = split_target_columns(ctx, name_level_weights(cm.columns), own)
    cm.boundary = value_boundary(cm.columns) or cm.boundary
    if cm.default_item is None and section.kind == "columns" and len(section.items) == 1:
        cm.default_item = section.items[0]  # 年度总体目标: the values under its headers are its own
    for cell in labels:
        _header_label(ctx, cell, cm)
    pending = state.pending_weight
    if pending is not None and pending[0] is section:
        state.pending_weight = None
        _header_label(ctx, pending[1], cm, report=False)
    # A block label merged down from an earlier row (年度预算申请) may declare the unit too.
    for cell in cells:
        if cell.row != r and cell.col < boundary:
            _header_label(ctx, cell, cm, report=False)
    return cm


def split_target_columns(ctx: MapContext, columns: list[Column], own: list[Cell]) -> list[Column]:
    """指标性质 | 指标值 | 度量单位 side by side make one target, and so does a sign column named
    as one (计算符号 | 指标值) before it; a 指标性质 or 计量单位 column that does not flank the target
    (Chongqing's 计量单位 | 指标性质 | 年初指标值, a unit for every value column) is a column of
    its own that no measure names."""
    names = [c.name for c in columns]
    at = names.index("target") if "target" in names else -1
    left = at > 0 and names[at - 1] == "target_comparator"
    right = 0 <= at < len(names) - 1 and names[at + 1] == "target_unit"
    signs = {label_key(w) for w in ctx.vocabulary.comparator_headers}
    sign = left and _header_text(columns[at - 1], own) in signs
    joined = {at - 1, at + 1} if left and right else ({at - 1} if sign else set())
    if not any(n in TARGET_PARTS for n in names):
        return columns
    out = []
    for i, column in enumerate(columns):
        if column.name in TARGET_PARTS and i not in joined:
            cell = next((c for c in own if c.col == column.c0), None)
            text = cell.text if cell is not None else column.name
            column = Column(column.c0, column.c1, normalize_label(text).text, known=False)
            ctx.unknown(text, cell, "绩效指标的栏目名")
        out.append(column)
    return out


def _header_text(column: Column, own: list[Cell]) -> str:
    cell = next((c for c in own if c.col == column.c0), None)
    return label_key(cell.text) if cell is not None else ""


def _item_columns(ctx: MapContext, section, resolved: list, boundary: int) -> dict[Cell, str]:
    """Items written as column headers left of the measures (`中央 | 省、地 | 本级 | 合计 | 执行数
    | 执行率`): each such column is `@item`, its values the section's item_column_measure."""
    if section.item_column_measure is None:
        return {}
    found: dict[Cell, str] = {}
    for cell, meaning in resolved:
        if cell.col >= boundary or meaning.name is not None:
            continue
        hit = ctx.resolve(cell.text, ("columns",))
        if hit is not None and hit.section is section:
            found[cell] = f"@{hit.item.item}"
    return found if len(found) >= 2 else {}


def _alternates(resolved: list) -> bool:
    """Do known headers alternate with values (a number among them) along the row?"""
    if len(resolved) < 2 or len(resolved) % 2:
        return False
    labels, values = resolved[::2], resolved[1::2]
    return (
        all(m.name for _, m in labels)
        and not any(m.name for _, m in values)
        and any(any(ch.isdigit() for ch in c.text) for c, _ in values)
    )


def _under_upper(cell: Cell, upper: ColumnMap) -> bool:
    return any(c.c0 <= cell.col < c.c1 for c in upper.columns)


def _year_role(ctx: MapContext, measure: str, year: int | None, years: list[int]) -> str:
    """`2023年决算数` on a 2024 form is the prior year's final figure."""
    spec = ctx.vocabulary.measures.get(measure)
    prior = spec.prior_year if spec else None
    if not prior or year is None:
        return measure
    fiscal = ctx.instance.fiscal_year
    if fiscal is not None:
        return prior if year < fiscal else measure
    return prior if year < max(years) else measure


def _header_label(ctx: MapContext, cell: Cell, cm: ColumnMap, report: bool = True) -> None:
    """A label cell of a header row: the section's item, a block label (with the block's unit
    and weight), or unknown."""
    if not cell.text.strip():
        return
    base, notes = label_notes(cell.text)
    label = normalize_label(cell.text)
    unit = next((ctx.unit_word(n) for n in notes if ctx.unit_word(n)), None)
    key = key_of(label.text)
    resolved = ctx.resolve(label.text)
    if resolved is not None and resolved.section is cm.section:
        cm.default_item = resolved.item
    elif resolved is not None or ctx.is_block(cell.text) or key in ctx.blocks:
        pass
    elif report:
        ctx.unknown(cell.text, cell, f"{section_name(cm.section.section)}表头中的标签")
    if unit in ("万元", "元"):
        cm.money_unit = unit
    weight = next((n for n in notes if weight_of_note(n)), None)
    if weight is not None and id(cell) not in ctx.state.seen_cells:
        ctx.state.seen_cells.add(id(cell))
        _block_weight(ctx, cell, cm, base, f"({weight})" if cell.text.find(weight) >= 0 else "")


def _block_weight(ctx: MapContext, cell: Cell, cm: ColumnMap, label: str, raw: str) -> None:
    """`绩效指标(90分)` over the indicators: that block's weight, an indicator group of its own;
    `预算执行情况(20分)` over a funds block with no 分值 column: its total row's weight."""
    raw = _weight_as_written(cell.text) or raw
    if cm.section.kind == "indicators":
        group = cm.section.group_section or "indicator_groups"
        ctx.emit_weight(group, label, raw, cell)
    elif "weight" in cm.section.measures and not cm.has("weight") and cm.section.total_item:
        ctx.emit_weight(cm.section.section, cm.section.total_item.item, raw, cell)


def _weight_as_written(text: str) -> str | None:
    """The `(20分)` of a label exactly as written (full-width brackets and spaces kept)."""
    compact = "".join(text.split())
    for open_, close in (("(", ")"), ("（", "）"), ("(", "）"), ("（", ")")):
        end = compact.rfind("分" + close)
        start = compact.rfind(open_, 0, end)
        if end > 0 and start >= 0 and weight_of_note(compact[start + 1 : end + 1]):
            return compact[start : end + 2]
    return None
