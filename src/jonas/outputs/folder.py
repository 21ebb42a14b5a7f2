"""A run's folder on disk (:class:`RunFolder`), written as replicates finish.

While a run goes on, each finished batch of replicates is Parquet files in ``parts/``,
named by the batch's first replicate: ``timeseries-0000040.parquet`` (the counts over
time), ``incidence-0000040.parquet`` (how often each named transition happened in each
output interval, from the engines that count them) and ``replicates-0000040.parquet`` (one
row per replicate: seed, metrics, final and peak counts, event times). Each is written
atomically, the replicates file last, so a batch counts as done exactly when its
replicates file exists. A batch is always a run of
consecutive replicates, so the parts in name order are the replicates in order.

When every replicate is done the parts are merged, streaming, into ``timeseries.parquet``,
``incidence.parquet`` and ``replicates.parquet``, and ``parts/`` goes. Readers
(:meth:`RunFolder.table`, :meth:`RunFolder.series`) read either form, so a partial run can
be summarised too.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jonas.files import write_atomic

TIMESERIES = "timeseries.parquet"
INCIDENCE = "incidence.parquet"
REPLICATES = "replicates.parquet"
REGIONS = "regions.parquet"
BANDS = "bands.parquet"
PLAYBACK = "playback.bin"  # a city run's first replicate, for the browser
PARTS = "parts"
MERGED = {
    "timeseries": TIMESERIES,
    "incidence": INCIDENCE,
    "regions": REGIONS,
    "replicates": REPLICATES,
}
#: the tables that ``jonas run --csv`` and ``jonas export`` also write as CSV
CSV = {"timeseries": "timeseries.csv", "incidence": "incidence.csv", "replicates": "replicates.csv"}
#: The region label of the whole country's rows in timeseries.parquet (a regional run).
NATIONAL = "all"


class RunFolder:
    """A run's folder: its parts while the run goes on, its merged tables after."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.parts = self.root / PARTS

    # ------------------------------------------------------------------ writing

    def write(
        self,
        counts: np.ndarray,
        times: np.ndarray,
        compartments: Sequence[str],
        table: dict[str, np.ndarray],
        districts: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] | None = None,
        incidence: np.ndarray | None = None,
        transitions: Sequence[str] = (),
    ) -> None:
        """One finished batch: its counts (replicates × times × compartments), its
        replicate table, for the metapop engine its rows per district (time series,
        regions table; see :class:`jonas.engines.output.Regional`), and from the engines
        that count transitions its ``incidence`` (replicates × times × ``transitions``,
        the whole country's for the metapop engine)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        replicates = table["replicate"]
        first = int(replicates[0])
        series = pa.table(timeseries_columns(replicates, times, compartments, counts))
        if districts is not None:
            national = series.add_column(
                2, "region", pa.array([NATIONAL] * series.num_rows, pa.string())
            )
            local = pa.table(districts[0]).cast(national.schema)
            series = pa.concat_tables([national, local])
        rows = pa.table(table)
        try:
            write_atomic(
                self.parts / f"timeseries-{first:07d}.parquet", lambda p: pq.write_table(series, p)
            )
            if incidence is not None:
                flows = pa.table(timeseries_columns(replicates, times, transitions, incidence))
                write_atomic(
                    self.parts / f"incidence-{first:07d}.parquet",
                    lambda p: pq.write_table(flows, p),
                )
            if districts is not None:
                regions = pa.table(districts[1])
                write_atomic(
                    self.parts / f"regions-{first:07d}.parquet",
                    lambda p: pq.write_table(regions, p),
                )
            write_atomic(
                self.parts / f"replicates-{first:07d}.parquet", lambda p: pq.write_table(rows, p)
            )
        except BaseException:
            if self.parts.exists() and not any(self.parts.iterdir()):
                self.parts.rmdir()  # nothing half-done left behind
            raise

    def clear(self) -> None:
        """Remove what an earlier run left here (a new run, not a resumed one)."""
        shutil.rmtree(self.parts, ignore_errors=True)
        for name in (TIMESERIES, INCIDENCE, REPLICATES, REGIONS, BANDS, PLAYBACK, *CSV.values()):
            path = self.root / name
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)

    def drop_orphans(self) -> None:
        """Counts whose batch never finished (the run stopped between its two files)."""
        for kind in ("timeseries", "incidence", "regions"):
            for path in self.parts.glob(f"{kind}-*.parquet"):
                if not (self.parts / path.name.replace(f"{kind}-", "replicates-")).exists():
                    path.unlink()

    def reopen(self) -> None:
        """A finished run being extended: its merged files become its first part again."""
        if (self.root / REPLICATES).exists():
            first = self.table(columns=["replicate"])["replicate"]
            name = f"{int(first.min()) if first.size else 0:07d}.parquet"
            self.parts.mkdir(parents=True, exist_ok=True)
            for kind, merged in MERGED.items():
                if (self.root / merged).exists():
                    (self.root / merged).replace(self.parts / f"{kind}-{name}")

    def merge(self) -> None:
        """Parts → ``timeseries.parquet``, ``incidence.parquet``, ``regions.parquet``
        (metapop) and ``replicates.parquet``, one part in memory at a time; then the parts
        go. No incidence.parquet unless every batch counted it (a run resumed from a folder
        written before runs counted it has none for its first replicates)."""
        batches = len(self._done_parts())
        for kind, final in MERGED.items():
            files = sorted(self.parts.glob(f"{kind}-*.parquet"))
            if not files or (kind == "incidence" and len(files) < batches):
                continue
            write_atomic(self.root / final, lambda p, files=files: _concatenate(files, p))
        shutil.rmtree(self.parts, ignore_errors=True)

    # ------------------------------------------------------------------ reading

    @property
    def complete(self) -> bool:
        return (self.root / REPLICATES).exists()

    def files(self, kind: str) -> list[Path]:
        """The files holding ``timeseries``, ``incidence``, ``regions`` or ``replicates``
        rows, in replicate order."""
        merged = self.root / MERGED[kind]
        if merged.exists():
            return [merged]
        if kind != "replicates":
            done = {p.name.replace("replicates-", f"{kind}-") for p in self._done_parts()}
            return sorted(p for p in self.parts.glob(f"{kind}-*.parquet") if p.name in done)
        return self._done_parts()

    def _done_parts(self) -> list[Path]:
        return sorted(self.parts.glob("replicates-*.parquet")) if self.parts.exists() else []

    def done(self) -> np.ndarray:
        """The replicates already on disk."""
        return self.table(columns=["replicate"])["replicate"]

    def table(self, columns: list[str] | None = None) -> dict[str, np.ndarray]:
        """The replicate table (every finished replicate), as columns."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        files = self.files("replicates")
        if not files:
            return {c: np.zeros(0) for c in columns or ["replicate"]}
        table = pa.concat_tables(pq.read_table(f, columns=columns) for f in files)
        return {name: table.column(name).to_numpy() for name in table.column_names}

    def series(self, compartments: Sequence[str], times: int) -> np.ndarray:
        """The sum of some compartments over time, for each finished replicate:
        (replicates, times) float64, reading one column at a time."""
        total: np.ndarray | None = None
        for name in compartments:
            column = np.concatenate(list(self._column(name))).astype(float)
            total = column if total is None else total + column
        if total is None:
            return np.zeros((0, times))
        return total.reshape(-1, times)

    def _column(self, name: str) -> Iterator[np.ndarray]:
        """One column of the national rows (a metapop run's files also hold districts')."""
        import pyarrow.parquet as pq

        for path in self.files("timeseries"):
            national = (
                [("region", "=", NATIONAL)] if "region" in pq.read_schema(path).names else None
            )
            yield pq.read_table(path, columns=[name], filters=national).column(name).to_numpy()

    def regions(self) -> Any:
        """The regions table of a metapop run (a pandas frame), or None."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        files = self.files("regions")
        if not files:
            return None
        return pa.concat_tables(pq.read_table(f) for f in files).to_pandas()


def timeseries_columns(
    replicates: np.ndarray, times: np.ndarray, compartments: Sequence[str], counts: np.ndarray
) -> dict[str, np.ndarray]:
    """Long table: ``replicate``, ``time``, then one column per compartment (or per named
    transition, for the incidence)."""
    r, t, _ = counts.shape
    cols: dict[str, np.ndarray] = {
        "replicate": np.repeat(np.asarray(replicates, dtype=np.int32), t),
        "time": np.tile(times, r),
    }
    for i, c in enumerate(compartments):
        cols[c] = counts[:, :, i].reshape(-1)
    return cols


def _concatenate(files: list[Path], out: Path) -> Any:
    import pyarrow.parquet as pq

    writer = None
    try:
        for path in files:
            table = pq.read_table(path)
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
