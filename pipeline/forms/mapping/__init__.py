"""Mapping: turn a recognised form's grids and lines into value slots, driven by its definition.

The mapping reads a grid row by row, the way a person reads the form:
- a row of column headers (年初预算数, 全年预算数 …) names the measures of the columns below it,
  and the section they belong to, by the headers' meaning, never their position; a second
  header row right under it refines the columns it sits under (指标性质 | 指标值 | 度量单位 under
  年度指标值); its label cells may name the section's item, a block label with the block's
  weight (`预算执行情况(20分)`, `绩效指标(90分)`) or the table's money unit (`（万元）`);
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
from pipeline.names import section_name

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
            continue
        for index in range(first, len(ctx.slots)):
            ctx.slots[index] = resting_on(
                ctx.slots[index],
                cells,
                header_cells if under_headers else [],
                ctx.naming_confidence,
            )


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


__all__ = ["form_to_slots"]
