"""``tauleap``: approximate stochastic simulation by binomial leaps, adaptive step."""

from jonas.engines.registry import Engine

ENGINE = Engine(
    name="tauleap",
    summary="fast approximate stochastic simulation: binomial leaps that never go negative, "
    "adaptive step",
    implementation="jonas.engines.tauleap.engine",
    rank=2,
    kernels=("jonas.engines.tauleap.kernel:tauleap_replicate",),
    compile_s=11,
    warm_up=(("sir",),),
    run_options=("dt", "epsilon", "rate_step"),
    time_rates=True,
)
