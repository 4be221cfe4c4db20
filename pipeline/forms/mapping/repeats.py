"""A value of a form's fixed items read twice: a sheet's title columns printed on every strip of
a sheet printed across pages, a table read twice over. The forms name each of these items once
(年度资金总额, 一般公共预算, 总分), so a second reading of one is not the form's own: the first stands,
the others are unsure (their low_confidence finding says so) rather than values of their own."""

from __future__ import annotations

from dataclasses import replace

from pipeline.definitions import FormDef
from pipeline.model import Slot

REPEATED = 0.5  # the confidence of a fixed item's value read again


def repeated_items_unsure(slots: list[Slot], definition: FormDef) -> list[Slot]:
    """The slots, each fixed item's value after its first reading made unsure. Indicators and
    sections of open items (goals, notes) may name an item more than once, and keep theirs."""
    fixed = {
        s.section
        for s in definition.sections
        if s.kind != "indicators" and not s.open_items and s.items
    }
    seen: set[tuple] = set()
    out = []
    for slot in slots:
        key = (slot.section, slot.level1, slot.level2, slot.item, slot.measure)
        if slot.section in fixed and slot.value_raw.strip() and key in seen:
            slot = replace(slot, rests_on=min(slot.rests_on, REPEATED))
        if slot.value_raw.strip():
            seen.add(key)
        out.append(slot)
    return out
