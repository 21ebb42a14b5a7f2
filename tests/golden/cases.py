"""The golden runs: every built-in scenario (and the docs' examples) on every engine that
accepts it, a few replicates each with fixed seeds, short enough for the test suite.

``python tests/golden/cases.py [NAME ...]`` records them (or only the cases named) into
``tests/golden/data/`` (only when the numbers are meant to change: say so in the commit);
``tests/test_golden.py`` runs them again and compares bit for bit. Only the public
interface is used (``jonas.run``, the ``Result`` it returns, the ``jonas run`` command), so
the same cases run before and after any change inside the package.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
EXAMPLES = HERE.parent.parent / "docs" / "examples"
ENGINES = ("ode", "ssa", "tauleap", "lattice", "agents", "metapop")

#: overrides that keep each scenario's runs short (the golden test runs them all)
SHORT = {
    # the city's whole response within its first three hours: camps (guarded), the cordon
    # closed and lifted, two drones, the strike and the sweep, all acting on the map
    "hyosan-city": [
        "run.t_end=3.0",
        "run.output_every=0.25",
        "interventions.0.at=0.5",
        "interventions.0.duration=1.5",
        "interventions.1.at=0.5",
        "interventions.1.duration=1.0",
        "interventions.2.at=1.0",
        "interventions.2.duration=1.0",
        "interventions.3.at=1.0",
        "interventions.3.duration=0.5",
        "interventions.4.at=2.0",
        "interventions.5.at=2.5",
    ],
    "korea": ["run.output_every=24.0"],
    # season 2's first three weeks: the response, the NIS, the variant, the first sweep
    "seoul": ["run.output_every=24.0", "run.t_end=504.0"],
    # Korea and Japan: the first week, the flights open (Japan's first cases come later)
    "japan": ["run.output_every=24.0", "run.t_end=168.0"],
    "alemi-lattice": ["lattice.size=41"],
}
#: per engine: extra overrides, and how many replicates
PER_ENGINE = {
    "ode": ([], 1),
    "ssa": ([], 3),
    "tauleap": ([], 3),
    "lattice": ([], 3),
    "agents": ([], 1),
    "metapop": ([], 2),
}
#: engine runs of a scenario that need more than a different engine to be accepted
EXTRA = {
    ("hyosan", "agents"): ["agents.mode=mixed", "run.t_end=6.0"],
    ("hyosan", "ssa"): ["run.t_end=30.0"],
    ("hyosan-triggered", "ssa"): ["run.t_end=30.0"],
}
SEED = 11


@dataclass
class Case:
    name: str  # a file stem in data/
    source: str  # a built-in name or a path
    engine: str
    overrides: list[str] = field(default_factory=list)
    replicates: int = 1


def sources() -> list[tuple[str, str]]:
    from jonas.spec import builtin_names

    found = [(name, name) for name in builtin_names()]
    found += [(p.stem, str(p)) for p in sorted(EXAMPLES.glob("*.toml"))]
    return found


def accepted(source: str, engine: str, overrides: list[str]) -> bool:
    from jonas.api import prepare
    from jonas.errors import JonasError

    try:
        prepare(source, overrides, engine=engine)
    except JonasError:
        return False
    return True


def cases() -> list[Case]:
    """Every (scenario, engine) pair that the scenario's checks accept."""
    out = []
    for name, source in sources():
        for engine in ENGINES:
            extra, replicates = PER_ENGINE[engine]
            overrides = [*SHORT.get(name, []), *extra, *EXTRA.get((name, engine), [])]
            if accepted(source, engine, overrides):
                out.append(Case(f"{name}--{engine}", source, engine, overrides, replicates))
    return out


def run_case(case: Case) -> dict[str, np.ndarray]:
    """What a run gives: counts, event times, every replicate-table column, and the metapop
    engine's district tables."""
    import jonas

    # The engine goes in with the overrides, as `--engine` does: some overrides (an
    # [agents] section) are accepted only together with their engine.
    frames: list[Any] = []
    result = jonas.run(
        case.source,
        seed=SEED,
        replicates=case.replicates,
        overrides=[*case.overrides, f"run.engine={case.engine}"],
        frames=lambda _r, frame: frames.append(frame),
    )
    out: dict[str, np.ndarray] = {
        "times": result.times,
        "counts": result.counts,
        "event_times": result.event_times,
    }
    for key, values in result.replicate_table().items():
        out[f"replicates/{key}"] = np.asarray(values)
    if frames:
        out["frames"] = np.array([_frame_text(f) for f in frames])
    districts = result.district_tables()
    if districts is not None:
        for kind, table in zip(("series", "regions"), districts, strict=True):
            for key, values in table.items():
                values = np.asarray(values)
                out[f"{kind}/{key}"] = values.astype(str) if values.dtype == object else values
    return out


def _frame_text(frame: Any) -> str:
    """What a picture of the agents engine shows, as text: its moment, caption, the
    cordon, drones, strikes and counts, and a digest of every dot (place and state)."""
    dots = hashlib.sha256()
    for values in (frame.x, frame.y, frame.state):
        dots.update(np.ascontiguousarray(values).tobytes())
    return json.dumps(
        {
            "t": frame.t,
            "label": frame.label,
            "cordon_closed": frame.cordon_closed,
            "drones": frame.drones,
            "strikes": [repr(a) for a in frame.strikes],
            "struck_now": [repr(a) for a in frame.struck_now],
            "counts": dict(frame.counts),
            "dots": dots.hexdigest(),
        },
        sort_keys=True,
    )


#: the cases also run through `jonas run` into a folder: its files are compared too
CLI_CASES = ("hyosan--tauleap", "korea--metapop", "munz-impulsive--ode", "alemi-szr--ssa")
#: run.json keys that change from run to run
VOLATILE = ("created", "wall_time_s", "output_folder")


def run_cli(case: Case, folder: Path) -> dict[str, np.ndarray]:
    """The files `jonas run` writes, as arrays (parquet columns) and run.json (as text,
    without the keys that change from run to run)."""
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from jonas.cli import app

    args = ["run", case.source, "--engine", case.engine, "--seed", str(SEED)]
    args += ["--replicates", str(case.replicates), "--out", str(folder), "--quiet"]
    args += ["--workers", "1"]
    for o in case.overrides:
        args += ["--set", o]
    done = CliRunner().invoke(app, args)
    if done.exit_code != 0:
        raise RuntimeError(f"jonas {' '.join(args)} failed:\n{done.output}")
    out: dict[str, np.ndarray] = {}
    for path in sorted(folder.glob("*.parquet")):
        table = pq.read_table(path)
        for key in table.column_names:
            values = table.column(key).to_numpy(zero_copy_only=False)
            if values.dtype == object:
                values = values.astype(str)
            out[f"{path.stem}/{key}"] = values
    meta = json.loads((folder / "run.json").read_text("utf-8"))
    for key in VOLATILE:
        meta.pop(key, None)
    out["run.json"] = np.array(json.dumps(meta, sort_keys=True, indent=1))
    out["files"] = np.array(sorted(p.name for p in folder.iterdir()))
    return out


def environment() -> dict[str, str]:
    """What the numbers were computed with: a different CPU or library may round the last
    bit of a float differently, and a stochastic run then takes another path."""
    import platform

    import numba
    import scipy

    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
    }


def record(names: list[str]) -> None:
    """Record every case, or only the cases named (the others' files are kept)."""
    import tempfile

    DATA.mkdir(exist_ok=True)
    found = cases()
    unknown = sorted(set(names) - {c.name for c in found})
    if unknown:
        raise SystemExit(f"no such case: {', '.join(unknown)}")
    if not names:
        for old in DATA.glob("*.npz"):
            old.unlink()
    manifest = {c.name: {"source": Path(c.source).name, "overrides": c.overrides} for c in found}
    (DATA / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    (DATA / "environment.json").write_text(json.dumps(environment(), indent=1) + "\n")
    for case in found:
        if names and case.name not in names:
            continue
        print(case.name, flush=True)
        np.savez_compressed(DATA / f"{case.name}.npz", **run_case(case))
        if case.name in CLI_CASES:
            with tempfile.TemporaryDirectory() as tmp:
                files = run_cli(case, Path(tmp) / "out")
            np.savez_compressed(DATA / f"{case.name}--cli.npz", **files)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent / "src"))
    record(sys.argv[1:])
