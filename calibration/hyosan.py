"""Re-derive the calibrated defaults of the built-in ``hyosan`` scenario.

Three values are fitted so that the ODE lands on the canon figures of docs/hyosan.md
(survivors 110,000; killed in the strike 50,000 infected and 10,000 uninfected):

- ``parameters.beta``: how fast zombies bite (sets how many are infected by the strike);
- the camps' ``capacity`` (people per hour: how many are saved);
- ``parameters.hide_afraid``: how exposed the afraid are while hiding (how many are still
  alive in the city when the missiles fall).

Everything else is canon or our stated choice; in particular the strike zone (downtown and
the high school) holds half of the city's people (the strike's ``fraction`` in hyosan.toml).
The fit uses the deterministic ODE (smooth, so a least-squares solver works); then a
tau-leap ensemble checks that its median lands inside the canon tolerances. Run::

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


def residuals(log_values: np.ndarray) -> np.ndarray:
    got = medians(np.exp(log_values), "ode")
    return np.array([(got[k] - v) / v for k, v in TARGETS.items()])


def fit(start: tuple[float, float, float]) -> np.ndarray:
    # Bounds keep the search where the story holds: zombies that spread, camps that work,
    # a strike zone that is part of the city.
    lower = np.log([0.05, 100.0, 0.001])
    upper = np.log([5.0, 20_000.0, 1.0])
    solution = least_squares(
        residuals,
        np.clip(np.log(start), lower, upper),
        bounds=(lower, upper),
        diff_step=1e-3,
        xtol=1e-8,
        ftol=1e-10,
        max_nfev=80,
    )
    return np.exp(solution.x)


def write(values: np.ndarray, path: Path) -> None:
    beta, capacity, hide = values
    text = path.read_text("utf-8")
    text = re.sub(r"(?m)^beta = [0-9.]+", f"beta = {beta:.4f}", text)
    text = re.sub(r"(?m)^capacity = [0-9.]+", f"capacity = {capacity:.1f}", text)
    text = re.sub(r"(?m)^hide_afraid = [0-9.]+", f"hide_afraid = {hide:.4f}", text)
    path.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write the values into hyosan.toml")
    parser.add_argument("--replicates", type=int, default=20)
    args = parser.parse_args(argv)

    scenario = jonas.load("hyosan")
    start = (
        scenario.parameters["beta"],
        scenario.interventions[CAMP].capacity,
        scenario.parameters["hide_afraid"],
    )
    values = fit(start)
    print(
        "fitted: beta = {:.4f} per hour, camp capacity = {:.1f} people per hour, "
        "hide_afraid = {:.4f}".format(*values)
    )
    ode = medians(values, "ode")
    ensemble = jonas.run(
        "hyosan",
        engine="tauleap",
        replicates=args.replicates,
        seed=2022,
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
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
