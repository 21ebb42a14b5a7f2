"""Re-derive the calibrated defaults of the built-in ``hyosan`` scenario.

Three values are fitted so that `jonas run hyosan` lands on the canon figures of docs/hyosan.md
(survivors 110,000; killed in the strike 50,000 infected and 10,000 uninfected):

- ``parameters.beta``: how fast zombies bite (sets how many are infected by the strike);
- the camps' ``capacity`` (people per hour: how many are saved);
- ``parameters.hide_afraid``: how exposed the afraid are while hiding (how many are still
  alive in the city when the missiles fall).

Everything else is canon or our stated choice; in particular the strike zone (downtown and
the high school) holds half of the city's people (the strike's ``fraction`` in hyosan.toml).
The targets are for what `jonas run hyosan` reports: the median of a stochastic (tau-leap)
ensemble. Chance moves that median away from the deterministic ODE (an outbreak from one
bitten student can be early or late; the strike falls at a fixed hour), so the fit works in
rounds. Each round fits the ODE by least squares (smooth, so the solver works), with every
target shifted by how far a large ensemble's median sat from the ODE at the previous round's
values; it stops when the shift no longer moves. Then a ``--replicates`` ensemble (the main
job's own size and seed) checks its medians against every canon tolerance. Run::

    python calibration/hyosan.py            # fit, check, print the values
    python calibration/hyosan.py --write    # ... and write them into hyosan.toml
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import resources
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

import jonas

TARGETS = {
    "survivors": 110_000.0,
    "killed_in_strike_infected": 50_000.0,
    "killed_in_strike_uninfected": 10_000.0,
}
CAMP = 0  # position of the camp in hyosan's [[interventions]]
NAMES = ("beta", "capacity", "hide_afraid")


def overrides(beta: float, capacity: float, hide_afraid: float) -> list[str]:
    return [
        f"parameters.beta={beta:.4f}",
        f"interventions.{CAMP}.capacity={capacity:.1f}",
        f"parameters.hide_afraid={hide_afraid:.4f}",
    ]


def medians(values: np.ndarray, engine: str, replicates: int = 1, seed: int = 2022) -> dict:
    result = jonas.run(
        "hyosan", engine=engine, replicates=replicates, seed=seed, overrides=overrides(*values)
    )
    return {k: v["median"] for k, v in result.summary()["metrics"].items()}


def residuals(log_values: np.ndarray, shift: dict[str, float]) -> np.ndarray:
    got = medians(np.exp(log_values), "ode")
    return np.array([(got[k] + shift[k] - v) / v for k, v in TARGETS.items()])


def fit(start: np.ndarray, shift: dict[str, float]) -> np.ndarray:
    # Bounds keep the search where the story holds: zombies that spread, camps that work,
    # a strike zone that is part of the city.
    lower = np.log([0.05, 100.0, 0.001])
    upper = np.log([5.0, 20_000.0, 1.0])
    solution = least_squares(
        residuals,
        np.clip(np.log(start), lower, upper),
        args=(shift,),
        bounds=(lower, upper),
        diff_step=1e-3,
        xtol=1e-8,
        ftol=1e-10,
        max_nfev=80,
    )
    return np.exp(solution.x)


# The scenarios that copy hyosan.toml's calibrated values, and which of them each copies
# (seoul sizes its own camps). Only the first line of each key is rewritten: it is the one
# in [parameters] (beta) or the first camp (capacity); hyosan-city's [agents.rules] has a
# `beta` of its own further down.
COPIES = {
    "src/jonas/data/scenarios/korea.toml": ("beta", "capacity", "hide_afraid"),
    "src/jonas/data/scenarios/seoul.toml": ("beta", "hide_afraid"),
    "src/jonas/data/scenarios/hyosan-city.toml": ("beta", "capacity", "hide_afraid"),
    "docs/examples/hyosan-triggered.toml": ("beta", "capacity", "hide_afraid"),
}


def write(values: np.ndarray, path: Path, keys: tuple[str, ...] = NAMES) -> None:
    beta, capacity, hide = values
    written = {"beta": f"{beta:.4f}", "capacity": f"{capacity:.1f}", "hide_afraid": f"{hide:.4f}"}
    text = path.read_text("utf-8")
    for key in keys:
        text = re.sub(rf"(?m)^{key} = [0-9.]+", f"{key} = {written[key]}", text, count=1)
    path.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write the values into hyosan.toml")
    parser.add_argument(
        "--replicates", type=int, help="the check's ensemble (default: the main job's)"
    )
    parser.add_argument(
        "--shift-replicates",
        type=int,
        default=1000,
        help="the ensemble that measures how far chance moves the median from the ODE",
    )
    parser.add_argument("--rounds", type=int, default=3, help="at most this many fits")
    args = parser.parse_args(argv)

    scenario = jonas.load("hyosan")
    start = (
        scenario.parameters["beta"],
        scenario.interventions[CAMP].capacity,
        scenario.parameters["hide_afraid"],
    )
    values = np.array(start)
    shift = dict.fromkeys(TARGETS, 0.0)
    for round_ in range(1, args.rounds + 1):
        values = fit(values, shift)
        ode = medians(values, "ode")
        ensemble = medians(values, "tauleap", replicates=args.shift_replicates, seed=1)
        moved = max(abs(ensemble[k] - ode[k] - shift[k]) / v for k, v in TARGETS.items())
        shift = {k: ensemble[k] - ode[k] for k in TARGETS}
        print(
            f"round {round_}: "
            + ", ".join(f"{n} {v:.4f}" for n, v in zip(NAMES, values, strict=True))
            + "; ensemble - ode: "
            + ", ".join(f"{k} {d:+,.0f}" for k, d in shift.items())
        )
        if moved < 0.01:  # the shift moved by under 1% of every target: noise, not signal
            break
    print(
        "fitted: beta = {:.4f} per hour, camp capacity = {:.1f} people per hour, "
        "hide_afraid = {:.4f}".format(*values)
    )
    ensemble = jonas.run(
        "hyosan",
        engine="tauleap",
        replicates=args.replicates or scenario.run.replicates,
        seed=scenario.run.seed,
        overrides=overrides(*values),
    ).summary()
    print(f"\n{'metric':<30}{'target':>12}{'ode':>12}{'tauleap median':>16}{'5–95%':>22}  ok")
    ok = True
    for name, check in ensemble["targets"].items():
        m = ensemble["metrics"][name]
        ok &= check["within"]
        target = check.get("value", f"{check['low']:g}–{check['high']:g}")
        print(
            f"{name:<30}{target!s:>12}{ode[name]:>12,.0f}{m['median']:>16,.1f}"
            f"{m['q05']:>11,.0f}–{m['q95']:<10,.0f}  {'yes' if check['within'] else 'NO'}"
        )
    if args.write:
        path = Path(str(resources.files("jonas.data.scenarios").joinpath("hyosan.toml")))
        write(values, path)
        print(f"\nwrote the fitted values into {path}")
        root = Path(__file__).resolve().parent.parent
        for copy, keys in COPIES.items():
            if (root / copy).exists():  # a checkout, not an installed package
                write(values, root / copy, keys)
                print(f"  and into {copy} ({', '.join(keys)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
