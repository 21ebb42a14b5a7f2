"""Shared helpers: build scenarios from plain data without files."""

from __future__ import annotations

from typing import Any

import pytest

from jonas.spec import Scenario, validate_data


def make_scenario(
    compartments: list[str],
    transitions: list[dict[str, Any]],
    parameters: dict[str, float] | None = None,
    initial: dict[str, float] | None = None,
    **run: Any,
) -> Scenario:
    """An inline-model scenario from plain data (what a TOML file would hold)."""
    return validate_data(
        {
            "scenario": {"name": "test"},
            "model": {"compartments": compartments, "transitions": transitions},
            "parameters": parameters or {},
            "initial": initial or {},
            "run": {"t_end": 10.0, **run},
        }
    )


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run the test inside an empty temporary folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
