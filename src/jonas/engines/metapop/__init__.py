"""``metapop``: any model over a country's regions (South Korea's 250 districts, Japan's 47
prefectures, or your own), each a tau-leap population, coupled by travel; regional
interventions and maps."""

from jonas.engines.registry import Engine
from jonas.modes import COMPARTMENTS, REGIONS

ENGINE = Engine(
    name="metapop",
    summary="any model over a country's regions (South Korea's 250 districts or Japan's 47 "
    "prefectures, 2020 census, or your own), each a tau-leap population, coupled by travel; "
    "cordons around regions, travel bans, camps and strikes in chosen regions; maps",
    implementation="jonas.engines.metapop.engine",
    rank=5,
    kernels=("jonas.engines.metapop.kernel:metapop_replicate",),
    compile_s=20,
    warm_up=(("korea", "run.t_end=1"),),
    section="metapop",
    run_options=("dt", "epsilon", "rate_step"),
    time_rates=True,
    regions=True,
    acts=(COMPARTMENTS, REGIONS),
    start=(
        "metapop.outbreak",
        "regions: a code or name (a district, a prefecture), a province or region, or several",
    ),
)
