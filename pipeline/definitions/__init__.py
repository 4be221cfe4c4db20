"""Form definitions and the shared vocabulary, loaded from `schemas/` and checked when loaded.

A new province's wording is a change to these JSON files, not to code. Loading fails with a
DefinitionError naming the file and what is wrong.

`model` holds the dataclasses the mapping reads, `load` reads the JSON into them and `check`
makes the cross-reference checks the JSON Schema cannot; every name is imported from here.
"""

from pipeline.definitions.check import DefinitionError
from pipeline.definitions.load import SCHEMAS_DIR, load_catalog
from pipeline.definitions.model import (
    Catalog,
    Clue,
    FooterItem,
    FormDef,
    ItemDef,
    MeasureDef,
    RatingBand,
    SectionDef,
    Vocabulary,
)

__all__ = [
    "SCHEMAS_DIR",
    "Catalog",
    "Clue",
    "DefinitionError",
    "FooterItem",
    "FormDef",
    "ItemDef",
    "MeasureDef",
    "RatingBand",
    "SectionDef",
    "Vocabulary",
    "load_catalog",
]
