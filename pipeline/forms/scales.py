"""Multipliers before a unit (万, 亿, 千), as the vocabulary lists them with their factors.

A number with a multiplier before a unit other than money is given in the base unit, so a sum
by unit is right: `≥68万亩` → 680000 亩, `5万人次` → 50000 人次, `3万平方米` → 30000 ㎡. Money keeps
its multiplier in the unit (`5.8万元` → 5.8 万元, `2亿元` → 2 亿元): the forms state amounts in
万元 and the rules compare them in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WAN = "万"  # amounts are compared and shown in 万元, the unit the forms state them in


def _cjk_word(text: str) -> bool:
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


def _power_of_ten(factor: object) -> bool:
    return (
        isinstance(factor, int)
        and not isinstance(factor, bool)
        and factor > 1
        and (str(factor).rstrip("0") == "1")
    )


@dataclass(frozen=True)
class Scales:
    """The multipliers (prefix → factor), the money units they stay part of, the units known
    whole by any of their names (千瓦 and 千米 are units of their own, not 千 × 瓦 or 千 × 米) and
    the characters no measure word holds."""

    factors: dict[str, int]
    money: frozenset[str]  # 元 and 万元, 亿元, 千元
    canonical: dict[str, str]  # every name of a unit → the unit (平方米 → ㎡)
    not_measure: frozenset[str]
    wanyuan: dict[str, float]  # each money unit → how many 万元 one of it is (元 → 0.0001)

    @classmethod
    def of_vocabulary(
        cls,
        factors: dict[str, int],
        money_bases: list[str],
        units: dict[str, list[str]],
        not_measure: str = "",
    ) -> Scales:
        """Checked as loaded: a multiplier is one character with a power of ten > 1, no unit of
        its own; a unit listed with a multiplier before a listed unit (`万人次`) is refused, as
        the multiplier applies by itself."""
        for prefix, factor in factors.items():
            if len(prefix) != 1 or not _power_of_ten(factor):
                raise ValueError(f"unit_prefixes: {prefix!r}: {factor!r} is not a power of ten > 1")
        canonical = {unit: unit for unit in units}
        canonical |= {alias: unit for unit, names in units.items() for alias in names}
        aliases = set(canonical)
        if stated := sorted(set(factors) & aliases):
            raise ValueError(f"unit_prefixes: {stated} are units, not multipliers")
        if missing := sorted(set(money_bases) - set(units)):
            raise ValueError(f"money_units: {missing} are not listed in units")
        if money_bases and WAN not in factors:
            raise ValueError(f"unit_prefixes: {WAN} is needed, amounts are compared in {WAN}元")
        money = frozenset(money_bases) | {p + m for p in factors for m in money_bases}
        for unit in units:
            if unit[:1] in factors and unit[1:] in aliases and unit not in money:
                raise ValueError(
                    f"units: {unit} is {unit[:1]} × {unit[1:]}: list {unit[1:]} only, "
                    "the multiplier applies by itself"
                )
        wan = factors.get(WAN, 1)  # (a vocabulary with money and no 万 was refused above)
        wanyuan = {m: 1 / wan for m in money_bases}
        wanyuan |= {p + m: f / wan for p, f in factors.items() for m in money_bases}
        return cls(dict(factors), money, canonical, frozenset(not_measure), wanyuan)

    def money_with(self, prefix: str, unit: str | None) -> str | None:
        """`5.8万` in a money column declared `unit`: the money unit with the multiplier (万元);
        None where `unit` is no money."""
        if unit not in self.money:
            return None
        base = next(m for m in sorted(self.money, key=len) if unit.endswith(m))
        return prefix + base

    def in_wanyuan(self, unit: str | None) -> float | None:
        """How many 万元 one of a money `unit` is (元 → 0.0001, 亿元 → 10000, 万元 → 1), from the
        multipliers' factors; None for a unit that is no money. The rules and the workbook
        compare and show amounts in 万元, as the forms state them."""
        return self.wanyuan.get(unit) if unit else None

    def is_money(self, unit: str) -> bool:
        """元, 万元, 亿元, and a compound of one (元/人, 万元/人)."""
        return unit in self.money or any(unit.startswith(f"{m}/") for m in self.money)

    def split(self, unit: str | None) -> tuple[str | None, str | None]:
        """A unit as stated → (its base unit, the multiplier before it, or None):
        `万人次` → (`人次`, `万`), `万平方米` → (`㎡`, `万`), `万辆次` → (`辆次`, `万`), `万元` →
        (`万元`, None), `千瓦` → (`千瓦`, None)."""
        if not unit or self.is_money(unit):
            return unit, None
        if unit in self.canonical:
            return self.canonical[unit], None
        prefix, rest = unit[:1], unit[1:]
        if prefix not in self.factors:
            return unit, None
        if not rest:  # a unit column that says only 万
            return None, prefix
        base = self.canonical.get(rest)
        if base is not None:
            return (unit, None) if self.is_money(base) else (base, prefix)
        if _cjk_word(rest) and len(rest) <= 2 and not self.not_measure & set(rest):
            return rest, prefix
        return unit, None

    def times(self, number: str, prefix: str | None) -> float:
        """The number written (commas removed) times the multiplier's factor, exactly to the
        decimals written: `1.2`, 万 → 12000.0, never 11999.999999."""
        if prefix is None:
            return float(number)
        return float(Decimal(number) * self.factors[prefix])
