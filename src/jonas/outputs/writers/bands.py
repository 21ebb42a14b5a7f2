"""``bands.parquet``: every compartment's median, 50% and 90% bands and mean over time."""

from __future__ import annotations

from typing import Any

import numpy as np

from jonas.files import write_atomic
from jonas.outputs.finished import FinishedRun
from jonas.outputs.names import BANDS
from jonas.outputs.summary import BAND_NAMES, bands


class Bands:
    name = BANDS
    order = 10

    def wanted(self, run: FinishedRun) -> bool:
        return True

    def write(self, run: FinishedRun) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        times = run.times
        per_compartment = {}
        for name in run.model.compartments:
            series = run.series([name])
            per_compartment[name] = np.vstack([bands(series), series.mean(axis=0)])
        columns: dict[str, Any] = {
            "time": np.tile(times, len(per_compartment)),
            "compartment": np.repeat(list(per_compartment), times.size),
        }
        stacked = np.hstack(list(per_compartment.values()))
        for k, name in enumerate([*BAND_NAMES, "mean"]):
            columns[name] = stacked[k]
        write_atomic(run.root / BANDS, lambda p: pq.write_table(pa.table(columns), p))


WRITERS = (Bands(),)
