"""``agents``: the Jonas virus person by person on a city map (zombies hunt by sight and
sound, people flee, hide and walk to camps), or well mixed. Runs the ``jonas`` family."""

from jonas.engines.registry import Engine
from jonas.metrics import Metric
from jonas.modes import COMPARTMENTS, MAP

ENGINE = Engine(
    name="agents",
    summary="the Jonas model person by person on a city map: zombies hunt by sight and sound, "
    "people flee, hide and walk to camps; cordon lines, drones and strikes in space (or well "
    "mixed)",
    implementation="jonas.engines.agents.engine",
    rank=4,
    # the step of each mode: kernels(scenario) in .engine picks the scenario's
    kernels=("jonas.abm.step:_strips", "jonas.abm.well_mixed:mixed_step"),
    compile_s=20,
    # every intervention in the first minutes: the camps', drones' and strike's kernels too
    warm_up=(
        (
            "hyosan-city",
            "run.t_end=0.05",
            "interventions.camp.at=0",
            "interventions.cordon.at=0",
            "interventions.sound drone.at=0",
            "interventions.strike.at=0.02",
            "interventions.cull.at=0.02",
        ),
    ),
    # the strips of the map's step: half of a first run's compiling
    aside=("jonas.abm.step:_strips", "jonas.engines.agents.engine:compile_step"),
    section="agents",
    acts=(MAP, COMPARTMENTS),
    start=("agents.start_at", "a named place of the map, or [x, y] in metres"),
    metrics=(
        Metric("bites", "events", "bites by zombies"),
        Metric("halfbie_bites", "events", "bites by halfbies"),
        Metric("zombies_destroyed", "events", "zombies destroyed by people and soldiers"),
        Metric("became_afraid", "events", "times someone became afraid"),
        Metric("left_city", "events", "people who left the city"),
    ),
)
