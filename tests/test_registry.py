"""The registries: engines, intervention types, output writers and countries are each
declared once, and what lists them reads the declarations; old names warn and forward."""

from __future__ import annotations

import warnings

import pytest
from typer.testing import CliRunner

import jonas
from jonas.cli import app
from jonas.engines import MAP, REGIONS, engines, get, metric_names, names, notes, prepare
from jonas.errors import ScenarioError
from jonas.interventions import INTERVENTION_TYPES, TYPES
from jonas.model.families import FAMILIES
from jonas.outputs import all_writers
from jonas.spec import validate_data
from jonas.spec.sections import SECTIONS


def test_every_engine_is_declared_once_in_its_folder() -> None:
    assert names() == ("ode", "ssa", "tauleap", "lattice", "agents", "metapop")
    for engine in engines().values():
        assert engine.implementation == f"jonas.engines.{engine.name}.engine"
        assert engine.hook("run") is not None, f"{engine.name} has no run"
        assert engine.section is None or engine.section in SECTIONS
    sections = [e.section for e in engines().values() if e.section]
    assert sorted(sections) == sorted(SECTIONS), "each engine section is read by one engine"


def test_an_unknown_engine_is_refused_with_the_registrys_names() -> None:
    with pytest.raises(ScenarioError, match=r"run.engine: unknown engine 'tauleep'.*'tauleap'"):
        jonas.prepare("sir", engine="tauleep")
    with pytest.raises(ScenarioError, match="engines are ode, ssa, tauleap, lattice, agents, "):
        get("nope")


def test_the_command_line_lists_what_the_registry_holds() -> None:
    listed = CliRunner().invoke(app, ["engines"])
    assert listed.exit_code == 0
    for engine in engines().values():
        assert engine.name in listed.output
    help_text = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "250"}).output
    assert "ode, ssa, tauleap, lattice, agents or metapop" in help_text
    assert "jonas[dask]" in help_text  # not swallowed as rich markup


def test_capabilities_decide_what_a_scenario_may_ask() -> None:
    assert get("agents").on_map(jonas.load("hyosan-city"))
    assert not get("agents").on_map(jonas.load("hyosan-city", ["agents.mode=mixed"]))
    assert MAP in get("agents").acts and REGIONS in get("metapop").acts
    assert get("ode").deterministic and not get("ode").individuals
    assert get("lattice").own_start and get("lattice").acts == ()
    # a fractional start is fine for the amounts of the ODE, not for engines that count people
    jonas.prepare("sir", ["initial.I=0.5"], engine="ode")
    with pytest.raises(ScenarioError, match="not a whole number; the ssa engine counts"):
        jonas.prepare("sir", ["initial.I=0.5"], engine="ssa")


def test_metrics_come_from_the_family_the_interventions_and_the_engine() -> None:
    city = jonas.load("hyosan-city")
    found = metric_names(city)
    family = [m.name for m in FAMILIES["jonas"].metrics]
    assert family[:3] == ["survivors", "humans_alive", "halfbies_alive"]
    assert found[: len(family)] == family
    strike = [m.name for m in TYPES["strike"].metrics]
    assert found[len(family) : len(family) + len(strike)] == strike
    assert found[len(family) + len(strike) :] == [m.name for m in get("agents").metrics]
    # season 2's options bring their own metrics (docs/season2.md)
    assert "zombies_starved" in metric_names(jonas.load("hyosan", ["parameters.starve=0.01"]))
    assert metric_names(jonas.load("sir")) == [
        "final_size", "peak_infected", "time_of_peak_infected", "minor_outbreak", "outbreak_over"
    ]  # fmt: skip
    with pytest.raises(ScenarioError, match=r"targets.bites: not a metric.*it reports"):
        jonas.prepare("hyosan", ["targets.bites=3"])  # the agents engine's, not tauleap's


def test_notes_come_from_the_interventions_and_the_engine() -> None:
    said = notes(jonas.load("hyosan", ["run.t_end=50.0", "run.engine=ode", "run.replicates=3"]))
    assert any("interventions.2 (sound drones) at 72 comes after t_end" in n for n in said)
    assert any("the ode engine is deterministic: ran once, not 3 times" in n for n in said)


def test_every_intervention_type_is_one_module() -> None:
    assert set(INTERVENTION_TYPES) == {
        "cull", "strike", "cordon", "travel-ban", "evacuation", "camp", "lure", "cure", "set",
        "lab", "screening",
    }  # fmt: skip
    for name, kind in TYPES.items():
        assert kind.name == name
        assert name in kind.spec.model_fields["type"].annotation.__args__


def test_an_engine_without_a_types_mode_says_which_engines_have_it() -> None:
    with pytest.raises(ScenarioError, match="a lure with only a 'route' is a drone on a city map"):
        jonas.prepare("hyosan-city", ["agents.mode=mixed"])
    data = jonas.load("sir").model_dump(by_alias=True, exclude_none=True)
    data["interventions"] = [{"type": "travel-ban", "at": 1.0}]
    with pytest.raises(ScenarioError, match="which only the metapop engine has"):
        prepare(validate_data(data))


def test_the_writers_run_in_their_order_and_run_json_last() -> None:
    found = [w.name for w in all_writers()]
    assert found[0] == "bands.parquet" and found[-1] == "run.json"
    assert {"plot.png", "map.png", "map.gif", "animation.gif"} <= set(found)


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("jonas.korea", "districts", "jonas.geo.countries.korea"),
        ("jonas.agents", "AgentWorld", "jonas.abm"),
        ("jonas.analysis", "sir_final_size", "jonas.model.analysis"),
        ("jonas.space.render", "render_map", "jonas.plots.city"),
    ],
)
def test_old_module_names_warn_and_forward(old: str, name: str, new: str) -> None:
    import importlib
    import sys

    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert any(issubclass(w.category, DeprecationWarning) and new in str(w.message) for w in caught)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)


def test_old_attribute_names_warn_and_forward() -> None:
    result = jonas.run("korea", replicates=1, overrides=["run.t_end=2.0"])
    with pytest.warns(DeprecationWarning, match="Regional.parents"):
        assert result.regional.provinces == result.regional.parents
