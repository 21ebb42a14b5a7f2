"""What the page offers to choose and steer: the built-in scenarios, and for one scenario
its parameters (with the note its file gives each: canon, calibrated or ours), its
interventions, the engines, its seed and replicates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jonas.engines.registry import engines
from jonas.spec import builtin_names, builtin_text, load, parse_toml
from jonas.spec.sources import parameter_notes


def scenarios() -> list[dict[str, Any]]:
    """Every built-in scenario: name, description, citation, engine."""
    found = []
    for name in builtin_names():
        data = parse_toml(builtin_text(name), name)
        info = data.get("scenario", {})
        found.append(
            {
                "name": name,
                "description": info.get("description", ""),
                "citation": info.get("citation", ""),
                "engine": data.get("run", {}).get("engine", "ode"),
            }
        )
    return found


def scenario(name: str, source: str | Path | None = None) -> dict[str, Any]:
    """One scenario as the page steers it: a built-in ``name``, or an uploaded one kept
    at ``source``."""
    loaded = load(source if source is not None else name)
    text = Path(source).read_text("utf-8") if source is not None else builtin_text(name)
    notes = parameter_notes(text)
    parameters = [
        {"name": key, "value": value, "note": notes.get(key, "")}
        for key, value in loaded.parameters.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    interventions = [
        {
            "index": i,
            "name": getattr(item, "name", None) or item.type,
            "type": item.type,
            "at": getattr(item, "at", None),
            "when": getattr(item, "when", None),
        }
        for i, item in enumerate(loaded.interventions)
    ]
    run = loaded.run
    return {
        "name": name,
        "description": loaded.scenario.description or "",
        "citation": loaded.scenario.citation or "",
        "time_unit": loaded.scenario.time_unit,
        "engine": run.engine,
        "engines": list(engines()),  # one that cannot run it says why, as the CLI does
        "seed": run.seed,
        "replicates": run.replicates,
        "parameters": parameters,
        "interventions": interventions,
        # a country's scenario: the page draws its regions, and a click moves the outbreak
        "outbreak": loaded.metapop.outbreak if loaded.metapop is not None else None,
        # a city's scenario: the page draws the map, and a click moves the first bite
        "start_at": loaded.agents.start_at if _on_map(loaded) else None,
    }


def _on_map(loaded: Any) -> bool:
    from jonas.engines import get

    return get(loaded.run.engine).on_map(loaded)


def city_map(name: str | Path) -> dict[str, Any] | None:
    """A city scenario's map to click on, with where its outbreak starts; None for a
    scenario without a map."""
    from jonas.api import prepare
    from jonas.plots.interactive import city_figure

    prepared = prepare(name)
    if not prepared.engine.on_map(prepared.scenario):
        return None
    city = prepared.city
    start = prepared.scenario.agents.start_at
    point = city.places[start].center if isinstance(start, str) else start
    return city_figure(city, point)


def regions_map(name: str | Path) -> dict[str, Any] | None:
    """A country scenario's regions to click on, with its outbreak's marked; None for a
    scenario without regions."""
    from jonas.geo.files import regions_of
    from jonas.plots.interactive import regions_figure

    spec = load(name).metapop
    if spec is None:
        return None
    country = regions_of(spec.country, spec.boundaries)
    chosen = country.codes[country.select(spec.regions, "metapop.regions")]
    outbreak = country.codes[country.select(spec.outbreak, "metapop.outbreak")]
    return regions_figure(country, [str(c) for c in chosen], [str(c) for c in outbreak])


#: the largest scenario file the page takes
MAX_UPLOAD = 256 * 1024


def check_upload(text: str) -> None:
    """An uploaded scenario file is checked as ``jonas validate`` checks one, and may not
    name files (a map, a country's tables): the server has none of the uploader's."""
    from jonas.errors import ScenarioError
    from jonas.spec import validate_data
    from jonas.spec.sources import FILE_KEYS

    if len(text.encode("utf-8")) > MAX_UPLOAD:
        raise ScenarioError(f"the scenario file is over {MAX_UPLOAD // 1024} KB")
    data = parse_toml(text, "uploaded scenario")

    def value(section: str, key: str) -> Any:
        table = data.get(section)
        return table.get(key) if isinstance(table, dict) else None

    for section, key, builtin in FILE_KEYS:
        named = value(section, key)
        if isinstance(named, str) and named not in builtin:
            raise ScenarioError(
                f"uploaded scenario: {section}.{key} names a file ({named!r}); an uploaded "
                f"scenario may use only the built-in ones ({', '.join(builtin) or 'none'})"
            )
    country = value("metapop", "country")
    if isinstance(country, str) and country.lower().endswith(".csv"):
        raise ScenarioError(
            "uploaded scenario: metapop.country names a file; use a shipped country"
        )
    validate_data(data, "uploaded scenario")
