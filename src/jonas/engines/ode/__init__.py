"""``ode``: the deterministic mean field, with scipy's ``solve_ivp`` or fixed-step Euler."""

from jonas.engines.registry import Engine

ENGINE = Engine(
    name="ode",
    summary="deterministic mean field (scipy solve_ivp, or fixed-step Euler like published code)",
    implementation="jonas.engines.ode.engine",
    rank=0,
    run_options=("method", "rtol", "atol", "dt"),
    individuals=False,
    deterministic=True,
    time_rates=True,
)
