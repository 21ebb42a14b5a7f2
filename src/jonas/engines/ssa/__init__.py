"""``ssa``: the exact stochastic simulation (Gillespie's direct method), compiled."""

from jonas.engines.registry import Engine

ENGINE = Engine(
    name="ssa",
    summary="exact stochastic simulation (Gillespie's direct method, compiled with numba)",
    implementation="jonas.engines.ssa.engine",
    rank=1,
    kernels=("jonas.engines.ssa.kernel:ssa_replicate",),
    compile_s=5,
    # without events (the kernel then compiles without their code) and with them
    warm_up=(("sir",), ("munz-impulsive",)),
    run_options=("max_events", "rate_step"),
    time_rates=True,
)
