"""``lattice``: Alemi et al.'s one-person-per-site square lattice (exact), with its
percolation transition. Runs the ``alemi-szr`` family only."""

from jonas.engines.registry import Engine
from jonas.metrics import Metric

ENGINE = Engine(
    name="lattice",
    summary="Alemi et al.'s one-person-per-site square lattice (exact), with its percolation "
    "transition",
    implementation="jonas.engines.lattice.engine",
    rank=3,
    kernels=("jonas.engines.lattice.kernel:lattice_replicate",),
    compile_s=2,
    warm_up=(("alemi-lattice", "lattice.size=11", "run.t_end=1"),),
    section="lattice",
    own_start=True,
    acts=(),
    metrics=(
        Metric("reached_edge", "(1 = yes)", "whether the outbreak reached the lattice's edge"),
        Metric("cluster_size", description="everyone the outbreak reached"),
        Metric("duration", "time", "how long the outbreak lasted"),
    ),
)


def __getattr__(name: str) -> object:
    # the kernel's entry point, for studies of the lattice itself (docs/models.md)
    if name == "simulate_lattice":
        from jonas.engines.lattice.kernel import simulate_lattice

        return simulate_lattice
    raise AttributeError(f"module 'jonas.engines.lattice' has no attribute {name!r}")
