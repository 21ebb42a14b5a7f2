"""The names jonas writes in a run's folder: its tables, pictures and working folders
(:data:`OUTPUTS`, every one of them; a test checks the writers'), so that a folder's
owner (:mod:`jonas.outputs.claim`), its writer (:mod:`jonas.outputs.folder`) and the
writers of pictures agree on what is jonas's."""

from __future__ import annotations

import re

TIMESERIES = "timeseries.parquet"
INCIDENCE = "incidence.parquet"
REPLICATES = "replicates.parquet"
REGIONS = "regions.parquet"
BANDS = "bands.parquet"
PLAYBACK = "playback.bin"  # a city run's first replicate, for the browser
PARTS = "parts"
RUN_JSON = "run.json"
LOCK = ".jonas.lock"
MERGED = {
    "timeseries": TIMESERIES,
    "incidence": INCIDENCE,
    "regions": REGIONS,
    "replicates": REPLICATES,
}
#: the tables that ``jonas run --csv`` and ``jonas export`` also write as CSV
CSV = {"timeseries": "timeseries.csv", "incidence": "incidence.csv", "replicates": "replicates.csv"}
#: Every name jonas writes in a run's folder (True: a folder). The writers'
#: (:mod:`jonas.outputs.writers`) are among them: a test checks it.
OUTPUTS: dict[str, bool] = {
    RUN_JSON: False,
    **dict.fromkeys(MERGED.values(), False),
    **dict.fromkeys(CSV.values(), False),
    BANDS: False,
    PLAYBACK: False,
    "plot.png": False,
    "phase.png": False,
    "lattice.png": False,
    "map.png": False,
    "map.gif": False,
    "animation.gif": False,
    "animation.mp4": False,
    "report.html": False,
    "snapshots": True,
    PARTS: True,
}
#: what may be written into a finished run's folder later: by ``jonas export`` and
#: ``jonas report``, and the parts of a --resume that adds replicates
LATER = (*CSV.values(), "report.html", PARTS)
#: what jonas writes inside its own folders
INSIDE = {
    PARTS: re.compile(r"(timeseries|incidence|regions|replicates)-\d{7}\.parquet"),
    "snapshots": re.compile(r"snapshot-[^/]*\.png"),
}
#: a merge being written, and one committed (see the module's description)
MERGING, COMMITTED = "merging", "merged"
#: a temporary file of :func:`jonas.files.atomic_path` (a write cut short by a kill)
TEMPORARY = re.compile(r"\.(.+)\.[A-Za-z0-9_]+\.part")
#: The region label of the whole country's rows in timeseries.parquet (a regional run).
NATIONAL = "all"


def final_name(name: str) -> str:
    """The name a temporary file was to become, or the name itself."""
    temporary = TEMPORARY.fullmatch(name)
    return temporary.group(1) if temporary else name
