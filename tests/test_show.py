"""`jonas show`: the model written out (flows, equations, mixing) is the model the engines
run: the printed equations, evaluated, give the ode engine's right-hand side."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

import jonas
from jonas.cli import app
from jonas.engines.ode.solver import RightHandSide
from jonas.model.equations import written

runner = CliRunner()


def _evaluate(equation: str, values: dict[str, float]) -> tuple[str, float]:
    """'dS/dt = − beta · S · I / N' → ('S', its value at ``values``)."""
    left, right = equation.split(" = ", 1)
    python = right.replace("·", "*").replace("−", "-")
    return left[1:].removesuffix("/dt"), float(eval(python, {}, dict(values)))


@pytest.mark.parametrize(
    "name", ["sir", "munz-basic", "munz-latent", "munz-quarantine", "munz-treatment",
             "alemi-szr", "hyosan"]
)  # fmt: skip
def test_the_printed_equations_are_the_ode_engines(name: str) -> None:
    scenario = jonas.load(name)
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    data["interventions"], data["targets"] = [], {}
    data["model"]["stages"] = {}  # (the equations are written unstaged)
    scenario = jonas.spec.validate_data(data)
    model = jonas.compile_model(scenario)
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 100, model.n_states)
    derivative = RightHandSide(model)(0.0, x)
    values = dict(zip(model.compartments, x, strict=True)) | dict(model.parameters)
    pool = model.groups @ x + model.offset
    values["N"] = float(pool[0])
    printed = written(scenario)
    assert printed.equations
    for equation in printed.equations:
        compartment, value = _evaluate(equation, values)
        i = model.compartments.index(compartment)
        assert value == pytest.approx(derivative[i], rel=1e-12), equation


def test_show_prints_the_flows_equations_mixing_and_targets() -> None:
    result = runner.invoke(app, ["show", "sir"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "mixing: frequency-dependent: contacts divided by N = S + I + R" in text
    assert "infection  S → I  at  beta · S · I / N" in text
    assert "dI/dt = beta · S · I / N − gamma · I" in text
    munz = runner.invoke(app, ["show", "munz-basic"]).output
    assert "mass action" in munz and "dZ/dt = beta · S · Z + zeta · R − alpha · Z · S" in munz
    hyosan = " ".join(runner.invoke(app, ["show", "hyosan"]).output.split())
    turning = "turning E → Z (1 - p_halfbie), H (p_halfbie), Erlang 3 stages at 1 / turn_fast"
    assert turning in hyosan
    assert "survivors" in hyosan and "target" in hyosan  # its canon targets
