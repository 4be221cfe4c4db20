"""A short scanned label with one character read as a speck (a seal's ring over it): named by
the one item the labels agreeing in its other characters name at its place in the form, and
always as a guess (flagged)."""

from __future__ import annotations

import pytest

from pipeline.definitions.load import load_catalog
from pipeline.forms.mapping.context import MapContext
from pipeline.model import FormInstance


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _context(catalog, passed=()):
    form = FormInstance("project_eval", 0, "", None, (), (), ())
    ctx = MapContext(form, catalog.forms["project_eval"], catalog.vocabulary)
    ctx.state.passed.update(passed)
    return ctx


def test_after_the_funds_a_speck_for_a_character_names_the_total(catalog):
    ctx = _context(catalog, passed=("funds",))
    resolved = ctx.resolve("总t")
    assert resolved is not None and resolved.item.item == "总分"
    assert ctx.guessed("总t")  # a guess: its values are flagged


def test_two_items_as_likely_name_nothing(catalog):
    assert _context(catalog).resolve("总t") is None  # 总额 of the funds or 总分


def test_a_label_spelled_is_no_guess(catalog):
    ctx = _context(catalog, passed=("funds",))
    resolved = ctx.resolve("总分")
    assert resolved is not None and resolved.item.item == "总分" and not ctx.guessed("总分")


@pytest.mark.parametrize("text", ["总t分x", "t", "项目a", "a总分b计"])
def test_more_than_one_speck_or_no_character_left_names_nothing(catalog, text):
    assert _context(catalog, passed=("funds",)).resolve(text) is None
