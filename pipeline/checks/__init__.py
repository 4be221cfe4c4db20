"""Checking forms: the rule catalogue and registry, the rules, and validation against the JSON Schemas."""
