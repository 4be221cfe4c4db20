"""The form definitions, the vocabulary and the tables' JSON Schemas, as data.

This folder ships inside the wheel as the package `pipeline.schemas` (see pyproject.toml), so
`pipeline.definitions` finds it with importlib.resources wherever the project is installed.
"""
