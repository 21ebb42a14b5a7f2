"""``ssa``: the exact stochastic simulation (Gillespie's direct method), compiled."""

from jonas.engines.registry import Engine

ENGINE = Engine(
    name="ssa",
    summary="exact stochastic simulation (Gillespie's direct method, compiled with numba)",
    implementation="jonas.engines.ssa.engine",
    rank=1,
    kernels=("jonas.engines.ssa.kernel:ssa_replicate",),
    compile_s=5,
    warm_up=("sir",),
    run_options=("max_events", "rate_step"),
    time_rates=True,
)
