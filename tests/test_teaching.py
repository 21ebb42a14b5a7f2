"""The teaching material in docs/teaching/ runs and says what the theory says.

- Both figure scripts run with ``--quick`` (in this process, with runpy, so that the
  compiled kernels are shared), write their PNGs, and print numbers that agree with the
  closed forms of ``jonas.model.analysis`` and with an independent transcription of Munz et
  al.'s (2009) appendix code.
- Every command in the code blocks under each exercise of docs/teaching/README.md is run
  with typer's CliRunner, as written, except that ``-r N`` above 300 becomes ``-r 300`` (to
  keep this file within a minute on two cores) and that ``--out`` (a temporary folder),
  ``-w 1`` (in this process) and ``--json`` (to read the figures) are added. Each command
  must exit with 0 and report its key figure; a command in the README without a check here
  fails the test, so the guide cannot drift from what runs.
"""

from __future__ import annotations

import json
import re
import runpy
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from jonas.cli import app
from jonas.model.analysis import (
    alemi_human_win_probability,
    munz_treatment_equilibrium,
    sir_final_size,
)

TEACHING = Path(__file__).resolve().parent.parent / "docs" / "teaching"
TEST_REPLICATES = 300
runner = CliRunner()


def run_script(name: str, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    argv = sys.argv
    sys.argv = [name, str(out), "--quick"]
    try:
        runpy.run_path(str(TEACHING / name), run_name="__main__")
    finally:
        sys.argv = argv
    return capsys.readouterr().out


def number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in the output:\n{text}"
    return float(found.group(1))


def munz_appendix_euler(n: float = 500.0, t_end: float = 10.0, dt: float = 0.01) -> np.ndarray:
    """Munz et al.'s (2009) appendix loop, transcribed: Euler steps of S' = −βSZ,
    Z' = βSZ + ζR − αSZ, R' = δS + αSZ − ζR from (N, 0, 0), the printed values."""
    alpha, beta, zeta, delta = 0.005, 0.0095, 0.0001, 0.0001
    s, z, r = n, 0.0, 0.0
    for _ in range(round(t_end / dt)):
        s, z, r = (
            s - dt * beta * s * z,
            z + dt * (beta * s * z + zeta * r - alpha * s * z),
            r + dt * (delta * s + alpha * s * z - zeta * r),
        )
    return np.array([s, z, r])


def test_munz_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = run_script("munz_figures.py", tmp_path, capsys)
    for name in ["basic", "latent", "quarantine", "treatment", "impulsive"]:
        assert (tmp_path / f"munz_{name}.png").stat().st_size > 20_000
    # the appendix code, transcribed independently: S, Z, R at day 10
    code = [number(rf"{c} = ([\d.]+)", text.split("printed code")[1]) for c in "SZR"]
    np.testing.assert_allclose(code, munz_appendix_euler(), atol=0.006)
    assert number(r"S \+ Z \+ R = ([\d.]+)", text) == pytest.approx(500.43, abs=0.006)
    # one initial zombie: half the humans gone much earlier than from none (models.md)
    assert number(r"one zombie at the start: day ([\d.]+)", text) == pytest.approx(2.4, abs=0.05)
    assert number(r"no zombie at the start: day ([\d.]+)", text) == pytest.approx(8.6, abs=0.05)
    # R0 of the quarantine model: the paper's formula, and with δ in the bitten's exits
    a, b, d, rho, k, sigma, n = 0.005, 0.0095, 0.0001, 0.005, 0.001, 0.05, 500
    paper = b * n * rho / ((rho + k) * (a * n + sigma))
    with_delta = b * n * rho / ((rho + k + d) * (a * n + sigma))
    assert number(r"R0 paper formula = ([\d.]+)", text) == pytest.approx(paper, abs=6e-4)
    assert number(r"matrix \(with delta\) = ([\d.]+)", text) == pytest.approx(with_delta, abs=6e-4)
    # the cure's endemic state, in closed form (N = 501: 500 humans and a zombie)
    exact = munz_treatment_equilibrium(
        501.0, alpha=a, beta=b, zeta=0.0001, rho=rho, c=0.05, delta=d
    )
    for name, value in exact.items():
        assert number(rf"{name} at day 100000 = ([\d.]+)", text) == pytest.approx(value, abs=1e-3)
    # the 4th attack (n·k = 1) empties Z, and yet the humans fall, only a little later
    assert number(r"after attack 4 \(t = 10\): ([\d.]+)", text) == 0.0
    later = number(r"day ([\d.]+) with the attacks", text)
    assert 0.5 < later - number(r"day ([\d.]+) without", text) < 3.0


def test_alemi_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = run_script("alemi_figures.py", tmp_path, capsys)
    for name in ["closed_form", "humans_win", "lattice"]:
        assert (tmp_path / f"alemi_{name}.png").stat().st_size > 20_000
    assert number(r"closed form\| over S, Z, R = ([\d.e+-]+)", text) < 1e-3
    assert number(r"zombies at the end: ODE ([\d.]+)", text) == pytest.approx(201.0, abs=0.01)
    rows = re.findall(r"alpha = ([\d.]+): simulated ([\d.]+) .*exact ([\d.]+)", text)
    assert len(rows) >= 4
    for alpha, simulated, exact in rows:
        # the exact finite-S value printed is the formula's, and 300 runs come close to it
        assert float(exact) == pytest.approx(alemi_human_win_probability(1000, 1, float(alpha)),
                                             abs=1e-4)  # fmt: skip
        assert abs(float(simulated) - float(exact)) < 0.08
    small, large = (
        dict(re.findall(r"alpha ([\d.]+): ([\d.]+)", line))
        for line in re.findall(r"L = \d+: (.*)", text)
    )
    # below the transition the sizes agree; above it the larger lattice is reached less
    assert abs(float(small["0.2"]) - float(large["0.2"])) < 0.1
    assert float(large["0.6"]) < float(small["0.6"]) and float(large["0.8"]) < 0.05


# --- the exercises ------------------------------------------------------------------------


def exercise_commands() -> dict[int, list[str]]:
    """Exercise number → the `jonas …` lines of the bash blocks in its section."""
    text = (TEACHING / "README.md").read_text(encoding="utf-8")
    sections = re.split(r"^## Exercise (\d+)", text, flags=re.MULTILINE)
    found: dict[int, list[str]] = {}
    for number_, body in zip(sections[1::2], sections[2::2], strict=True):
        blocks = re.findall(r"```bash\n(.*?)```", body, flags=re.DOTALL)
        found[int(number_)] = [
            line.strip() for block in blocks for line in block.splitlines() if line.strip()
        ]
    return found


Report = Any  # the JSON a command printed (or, for `jonas show`, its text)
Check = Callable[[Report], None]


def column(report: Report, key: str) -> list[float]:
    return [float(v) for v in report["table"][key]]


def metric(report: Report, name: str) -> float:
    return float(report["summary"]["metrics"][name]["mean"])


def check_alemi_ode_sweep(report: Report) -> None:
    kappas = column(report, "parameters.kappa")
    assert kappas == pytest.approx([0.6, 0.8, 1.0, 1.2])
    # below α = 1 the zombies take everyone, ending at Z0 + (1 − α)S0 (here also the peak)
    assert column(report, "zombies_win:probability") == [1.0, 1.0, 0.0, 0.0]
    assert column(report, "humans_win:probability") == [0.0, 0.0, 0.0, 1.0]
    peaks = column(report, "peak_zombies:mean")[:2]
    assert peaks == pytest.approx([1 + (1 - a) * 1000 for a in kappas[:2]], abs=0.5)
    assert column(report, "humans_left:mean")[2] == pytest.approx(861, abs=1)


def check_alemi_ssa_sweep(report: Report) -> None:
    for kappa, p in zip(
        column(report, "parameters.kappa"), column(report, "humans_win:probability"), strict=True
    ):
        assert abs(p - alemi_human_win_probability(1000, 1, kappa)) < 0.08


def check_lattice_sweep(report: Report) -> None:
    edge = column(report, "reached_edge:probability")
    assert edge[0] > 0.55 and edge[-1] < 0.1 and edge == sorted(edge, reverse=True)


def check_impulsive_k_sweep(report: Report) -> None:
    left = column(report, "humans_left:mean")
    assert left[:2] == pytest.approx([13, 62], abs=1)  # no attacks; the printed k = 0.25
    assert left == sorted(left) and left[-1] < 150  # stronger attacks only delay the end


def check_compare_day12(report: Report) -> None:
    win = report["differences"]["humans_win"]
    assert win["mean_a"] > 0.6 and win["mean_b"] > 0.6 and abs(win["difference"]) < 0.1


def check_compare_day60(report: Report) -> None:
    diffs = report["differences"]
    assert diffs["humans_win"]["mean_a"] < 0.1 and diffs["humans_win"]["mean_b"] < 0.1
    assert diffs["zombies_win"]["mean_a"] > 0.7 and diffs["zombies_win"]["mean_b"] > 0.7


def check_sir_ode(report: Report) -> None:
    # everyone but the Kermack–McKendrick final-size fraction escapes; no minor outbreak
    assert metric(report, "final_size") == pytest.approx(1000 * sir_final_size(3.0), abs=1.5)
    assert metric(report, "minor_outbreak") == 0.0
    assert report["r0"]["value"] == pytest.approx(3.0)


def check_sir_ssa(report: Report) -> None:
    assert abs(metric(report, "minor_outbreak") - 1 / 3) < 0.08  # the branching process: 1/R0


def check_munz_ode(report: Report) -> None:
    assert metric(report, "zombies_win") == 1.0


def check_munz_ssa(report: Report) -> None:
    # the zombie count is a random walk with kill-to-bite ratio α/β: P(humans win) = α/β
    assert abs(metric(report, "humans_win") - 0.005 / 0.0095) < 0.08


def check_impulsive_ode(report: Report) -> None:
    assert metric(report, "zombies_win") == 1.0 and metric(report, "humans_left") < 1.0


def check_no_resurrection(report: Report) -> None:
    assert metric(report, "humans_win") == 1.0 and metric(report, "humans_left") > 980


def contains(*fragments: str) -> Check:
    def check(text: Report) -> None:
        for fragment in fragments:
            assert fragment in text, text

    return check


CHECKS: dict[str, Check] = {
    # Exercise 1
    "jonas show alemi-szr": contains("dZ/dt = beta · S · Z / N − kappa · Z · S / N"),
    "jonas sweep alemi-szr -e ode --grid parameters.kappa=0.6:1.2:0.2": check_alemi_ode_sweep,
    "jonas sweep alemi-szr --grid parameters.kappa=0.6:1.2:0.2 -r 2000": check_alemi_ssa_sweep,
    "jonas sweep alemi-lattice --grid parameters.kappa=0.3:0.6:0.1 --set lattice.size=65 -r 400":
        check_lattice_sweep,
    # Exercise 2
    "jonas show sir": contains("dI/dt = beta · S · I / N − gamma · I"),
    "jonas run sir": check_sir_ode,
    "jonas run sir -e ssa -r 2000": check_sir_ssa,
    "jonas run munz-basic": check_munz_ode,
    "jonas run munz-basic -e ssa -r 2000": check_munz_ssa,
    # Exercise 3
    "jonas show munz-impulsive": contains("0.0055", "0.0075", "at 2.5, 5, 7.5, 10"),
    "jonas run munz-impulsive --set run.t_end=60": check_impulsive_ode,
    "jonas sweep munz-impulsive --grid interventions.0.fraction=0:1:0.25 --set run.t_end=30":
        check_impulsive_k_sweep,
    "jonas compare munz-impulsive --b-set interventions.0.fraction=0 -e ssa -r 2000":
        check_compare_day12,
    "jonas compare munz-impulsive --b-set interventions.0.fraction=0 -e ssa -r 2000 "
    "--set run.t_end=60": check_compare_day60,
    "jonas run munz-impulsive --set parameters.zeta=0 --set run.t_end=60": check_no_resurrection,
}  # fmt: skip


def as_test_arguments(command: str, out: Path) -> list[str]:
    """The command's arguments as the test runs them (see the module docstring)."""
    words = shlex.split(command)
    assert words[0] == "jonas", command
    args = words[1:]
    for i, word in enumerate(args[:-1]):
        if word in ("-r", "--replicates"):
            args[i + 1] = str(min(int(args[i + 1]), TEST_REPLICATES))
    if args[0] != "show":
        args += ["--out", str(out), "-w", "1", "--json"]
    return args


def test_every_exercise_has_its_commands_and_each_is_checked() -> None:
    commands = exercise_commands()
    assert sorted(commands) == [1, 2, 3]
    assert all(commands.values())
    listed = [c for lines in commands.values() for c in lines]
    assert sorted(listed) == sorted(CHECKS), "README commands and CHECKS differ"


@pytest.mark.parametrize("exercise", [1, 2, 3])
def test_exercise_commands_run_and_give_the_key_figures(exercise: int, tmp_path: Path) -> None:
    for i, command in enumerate(exercise_commands()[exercise]):
        result = runner.invoke(app, as_test_arguments(command, tmp_path / f"c{i}"))
        assert result.exit_code == 0, f"{command}\n{result.output}"
        report = result.output if command.startswith("jonas show") else json.loads(result.output)
        check = CHECKS.get(command)
        assert check is not None, f"no check for {command!r}"
        check(report)
