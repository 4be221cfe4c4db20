"""Values the form's own words put in doubt.

A value of a form's fixed items read twice: a sheet's title columns printed on every strip of
a sheet printed across pages, a table read twice over. The forms name each of these items once
(年度资金总额, 一般公共预算, 总分), so a second reading of one is not the form's own: the first stands,
the others are unsure (their low_confidence finding says so) rather than values of their own.

A head value holding another head item's label on a line of its own (`实施单位` / `卓原旗林业和
草原局` read as the 主管部门): the rule between the two cells was not drawn, and what is whose
is a guess."""

from __future__ import annotations

from dataclasses import replace

from pipeline.definitions import FormDef
from pipeline.forms.normalize import label_key
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


def labelled_values_unsure(slots: list[Slot], definition: FormDef) -> list[Slot]:
    """The slots, a label-value section's value holding another of its items' labels (as a
    line of its own) made unsure."""
    labels: dict[str, dict[str, str]] = {}  # section → label key → item
    for section in definition.sections:
        if section.kind == "label_value":
            labels[section.section] = {
                label_key(word): item.item
                for item in section.items
                for word in (item.item, *item.synonyms)
            }
    out = []
    for slot in slots:
        named = labels.get(slot.section, {})
        lines = {label_key(line) for line in slot.value_raw.splitlines()}
        if any(named.get(key, slot.item) != slot.item for key in lines if key):
            slot = replace(slot, rests_on=min(slot.rests_on, REPEATED))
        out.append(slot)
    return out
