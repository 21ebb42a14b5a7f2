"""A run's folder on disk (:class:`RunFolder`): written as replicates finish, by one process
at a time, holding nothing but what jonas wrote.

While a run goes on, each finished batch of replicates is Parquet files in ``parts/``,
named by the batch's first replicate: ``timeseries-0000040.parquet`` (the counts over
time), ``incidence-0000040.parquet`` (how often each named transition happened in each
output interval, from the engines that count them) and ``replicates-0000040.parquet`` (one
row per replicate: seed, metrics, final and peak counts, event times). Each is written
atomically, the replicates file last, so a batch counts as done exactly when its
replicates file exists. A batch is always a run of
consecutive replicates, so the parts in name order are the replicates in order.

When every replicate is done the parts (and the merged files of a finished run being
extended) are merged, streaming, into ``timeseries.parquet``, ``incidence.parquet`` and
``replicates.parquet`` in ``parts/merging/``; checked (each replicate exactly once, every
file readable); committed by renaming that folder ``parts/merged/``; then moved into place,
and ``parts/`` goes, ``parts/merged/`` last. A process killed at any moment of this leaves
a folder that :meth:`RunFolder.recover` puts right: a merge not committed is dropped, one
committed is finished, so no replicate is ever lost or held twice. The merged files are
written in one way whatever the batches were (row groups of :data:`ROW_GROUP` rows), so a
resumed run's files are the uninterrupted run's, byte for byte. Readers
(:meth:`RunFolder.table`, :meth:`RunFolder.series`) read either form, so a partial run can
be summarised too.

One writer at a time, and only jonas's own files: :meth:`RunFolder.claim`
(:mod:`jonas.outputs.claim`); the names jonas writes: :mod:`jonas.outputs.names`.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jonas.errors import JonasError
from jonas.files import write_atomic
from jonas.outputs.claim import Claim, claim
from jonas.outputs.names import (
    COMMITTED,
    INSIDE,
    LATER,
    MERGED,
    MERGING,
    NATIONAL,
    OUTPUTS,
    PARTS,
    REPLICATES,
    RUN_JSON,
    final_name,
)

#: rows per row group of the merged files: fixed, so that the files do not depend on how
#: the replicates were batched (a row group of timeseries is a few MB)
ROW_GROUP = 65_536


class RunFolder:
    """A run's folder: its parts while the run goes on, its merged tables after."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.parts = self.root / PARTS

    # ------------------------------------------------------------------ owning

    def claim(self, label: str = "--out", create: bool = True) -> Claim:
        """Take the folder for writing (:func:`jonas.outputs.claim.claim`)."""
        return claim(self, label, create)

    def run_json(self) -> dict[str, Any] | None:
        """The folder's run.json if jonas wrote it (a plain file of a jonas run), else None."""
        path = self.root / RUN_JSON
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return None
            meta = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or "jonas_version" not in meta or "scenario" not in meta:
            return None
        return meta

    def owned(self) -> list[str]:
        """The names a finished run's run.json records as jonas's (``files``): those here,
        and those that may be added later (:data:`LATER`)."""
        here = {p.name for p in self.root.iterdir() if p.name in OUTPUTS}
        return sorted({RUN_JSON, *LATER} | here)

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
        write_atomic(
            self.parts / f"timeseries-{first:07d}.parquet", lambda p: pq.write_table(series, p)
        )
        if incidence is not None:
            flows = pa.table(timeseries_columns(replicates, times, transitions, incidence))
            write_atomic(
                self.parts / f"incidence-{first:07d}.parquet", lambda p: pq.write_table(flows, p)
            )
        if districts is not None:
            regions = pa.table(districts[1])
            write_atomic(
                self.parts / f"regions-{first:07d}.parquet", lambda p: pq.write_table(regions, p)
            )
        write_atomic(
            self.parts / f"replicates-{first:07d}.parquet", lambda p: pq.write_table(rows, p)
        )

    def clear(self) -> None:
        """Remove the run here (every file of jonas's: :meth:`claim` refused anything
        else), what marks replicates done first and run.json last, so that a run killed
        while clearing leaves a folder that holds fewer replicates, never wrong ones."""
        if not self.root.is_dir():
            return
        ours = [p for p in self.root.iterdir() if final_name(p.name) in OUTPUTS]
        first = {REPLICATES: 0, PARTS: 1, RUN_JSON: 3}
        for path in sorted(ours, key=lambda p: (first.get(p.name, 2), p.name)):
            if path.name == PARTS:
                self._remove_parts()
            elif path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)

    def _remove_parts(self) -> None:
        if not self.parts.is_dir():
            return
        done = sorted(self.parts.glob("replicates-*.parquet"))
        for path in [*done, *sorted(self.parts.iterdir())]:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        self.parts.rmdir()

    def recover(self) -> None:
        """Put right what a process killed at any moment left (the caller holds the folder):
        a merge not committed goes, a committed one is finished; merged files without
        their replicates file (a run killed while clearing) go; so do counts whose batch
        never finished, temporary files, and batches the merged files already hold."""
        if (self.parts / MERGING).is_dir():
            shutil.rmtree(self.parts / MERGING)
        if (self.parts / COMMITTED).is_dir():
            self._commit()
        if not (self.root / REPLICATES).exists():
            for name in MERGED.values():
                (self.root / name).unlink(missing_ok=True)
        for folder, ours in (
            (self.root, OUTPUTS.__contains__),
            (self.parts, INSIDE[PARTS].fullmatch),
        ):
            for path in folder.iterdir() if folder.is_dir() else ():
                plain = final_name(path.name)
                if plain != path.name and ours(plain) and path.is_file():
                    path.unlink()
        if not self.parts.is_dir():
            return
        self.drop_orphans()
        merged = self.root / REPLICATES
        if merged.exists() and self._done_parts():
            held = set(_replicates(merged).tolist())
            for part in self._done_parts():
                if set(_replicates(part).tolist()) <= held:
                    for kind in MERGED:
                        (self.parts / part.name.replace("replicates-", f"{kind}-")).unlink(
                            missing_ok=True
                        )
        if not any(self.parts.iterdir()):
            self.parts.rmdir()

    def drop_orphans(self) -> None:
        """Counts whose batch never finished (the run stopped between its two files)."""
        for kind in ("timeseries", "incidence", "regions"):
            for path in self.parts.glob(f"{kind}-*.parquet"):
                if not (self.parts / path.name.replace(f"{kind}-", "replicates-")).exists():
                    path.unlink()

    def merge(self, total: int | None = None) -> None:
        """Parts (after the merged files of a run being extended) → ``timeseries.parquet``,
        ``incidence.parquet``, ``regions.parquet`` (metapop) and ``replicates.parquet``, one
        part in memory at a time; checked (:meth:`check`) before they replace anything;
        then the parts go. No incidence.parquet unless every batch counted it (a run
        resumed from a folder written before runs counted it has none for its first
        replicates)."""
        staging = self.parts / MERGING
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        batches = len(self.files("replicates"))
        for kind, final in MERGED.items():
            files = self.files(kind)
            if not files or (kind == "incidence" and len(files) < batches):
                (self.root / final).unlink(missing_ok=True)  # a run's extended: none now
                continue
            _concatenate(files, staging / final)
        self.check(total, staging)
        os.replace(staging, self.parts / COMMITTED)  # the commit: see the module's description
        self._commit()

    def _commit(self) -> None:
        """Finish a committed merge (again, after a kill): the merged files into place, the
        replicates file last; the parts go, ``parts/merged/`` last."""
        committed = self.parts / COMMITTED
        for name in (*(n for n in MERGED.values() if n != REPLICATES), REPLICATES):
            if (committed / name).exists():
                os.replace(committed / name, self.root / name)
        for path in sorted(self.parts.iterdir()):
            if path.is_file():
                path.unlink()
            elif path.name == MERGING:
                shutil.rmtree(path)
        committed.rmdir()
        self.parts.rmdir()

    def check(self, total: int | None = None, where: Path | None = None) -> None:
        """Refuse (JonasError) merged files that do not hold each replicate exactly once
        (all ``total`` of them, when given), or that cannot be read; cheap: the replicate
        numbers and the files' footers."""
        import pyarrow.parquet as pq

        where = where or self.root
        held = _replicates(where / REPLICATES)
        want = np.arange(total if total is not None else held.size)
        if not np.array_equal(held, want):
            repeated = held.size - np.unique(held).size
            missing = np.setdiff1d(want, held).size
            raise JonasError(
                f"{self.root}: the merged run holds {held.size:,} replicate rows for "
                f"{want.size:,} replicates ({repeated:,} repeated, {missing:,} missing); it "
                "is not marked complete: run it again without --resume"
            )
        for name in MERGED.values():
            path = where / name
            if path.exists():
                try:
                    rows = pq.ParquetFile(path).metadata.num_rows
                except (OSError, ValueError) as exc:
                    raise JonasError(f"{path}: cannot be read ({exc})") from None
                if want.size and rows % want.size:
                    raise JonasError(
                        f"{path}: {rows:,} rows are not the same number for each of "
                        f"{want.size:,} replicates; run it again without --resume"
                    )

    # ------------------------------------------------------------------ reading

    @property
    def complete(self) -> bool:
        return (self.root / REPLICATES).exists() and not self._done_parts()

    def files(self, kind: str) -> list[Path]:
        """The files holding ``timeseries``, ``incidence``, ``regions`` or ``replicates``
        rows, in replicate order: the merged file (if any), then the finished parts."""
        merged = self.root / MERGED[kind]
        found = [merged] if merged.exists() else []
        if kind == "replicates":
            return found + self._done_parts()
        done = {p.name.replace("replicates-", f"{kind}-") for p in self._done_parts()}
        if not done:
            return found
        return found + sorted(p for p in self.parts.glob(f"{kind}-*.parquet") if p.name in done)

    def _done_parts(self) -> list[Path]:
        return sorted(self.parts.glob("replicates-*.parquet")) if self.parts.is_dir() else []

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


def _replicates(path: Path) -> np.ndarray:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=["replicate"]).column(0).to_numpy()


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


def _concatenate(files: list[Path], out: Path) -> None:
    """The files' rows, in order, in row groups of :data:`ROW_GROUP` rows each (the last
    fewer), each group one contiguous block: the bytes written depend on the rows only,
    not on how they were split among the files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    held: list[Any] = []
    rows = 0
    try:
        for path in files:
            table = pq.read_table(path)
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            held.append(table)
            rows += table.num_rows
            while rows >= ROW_GROUP:
                whole = pa.concat_tables(held).combine_chunks()
                writer.write_table(whole.slice(0, ROW_GROUP), row_group_size=ROW_GROUP)
                held, rows = [whole.slice(ROW_GROUP)], rows - ROW_GROUP
        if writer is not None and rows:
            writer.write_table(pa.concat_tables(held).combine_chunks(), row_group_size=ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()
