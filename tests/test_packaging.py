"""The wheel holds what the pipeline needs: every package, the definitions and the templates.

`scripts/check-wheel.sh` (run by CI) builds the wheel and ingests the season with it outside
the checkout; these tests catch the usual cause of a broken wheel before that: a new package or
data file that pyproject.toml does not declare."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from conftest import ROOT

from pipeline.definitions import SCHEMAS_DIR, load_catalog

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]
PACKAGES = set(SETUPTOOLS["packages"])
PACKAGE_DIR = SETUPTOOLS.get("package-dir", {})
PACKAGE_DATA = SETUPTOOLS.get("package-data", {})


def _folder_of(package: str) -> Path:
    """Where a declared package's files are in the checkout, as setuptools maps it."""
    for mapped, folder in PACKAGE_DIR.items():
        if package == mapped or package.startswith(mapped + "."):
            rest = package[len(mapped) :].lstrip(".")
            return ROOT / folder / rest.replace(".", "/")
    return ROOT / package.replace(".", "/")


def _code_folders() -> set[str]:
    """Every folder of the two code trees that holds a module, as a dotted package name."""
    found = set()
    for top in ("pipeline", "extractors"):
        for module in (ROOT / top).rglob("*.py"):
            found.add(module.parent.relative_to(ROOT).as_posix().replace("/", "."))
    return found


def test_every_folder_of_code_is_a_declared_package():
    assert _code_folders() - PACKAGES == set()


def test_every_declared_package_exists():
    assert {p for p in PACKAGES if not _folder_of(p).is_dir()} == set()


def test_every_data_file_is_declared_package_data():
    undeclared = []
    for package in PACKAGES:
        folder = _folder_of(package)
        for path in folder.iterdir():
            if path.is_dir() or path.suffix in (".py", ".pyc"):
                continue
            globs = PACKAGE_DATA.get(package, [])
            if not any(fnmatch.fnmatch(path.name, g) for g in globs):
                undeclared.append(path.relative_to(ROOT).as_posix())
    assert undeclared == []


def test_the_definitions_are_the_package_pipeline_schemas():
    assert _folder_of("pipeline.schemas").resolve() == SCHEMAS_DIR.resolve()
    assert (SCHEMAS_DIR / "vocabulary.json").is_file()
    assert set(load_catalog().forms) == {p.stem for p in (SCHEMAS_DIR / "forms").glob("*.json")}
