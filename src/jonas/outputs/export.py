"""CSV copies of a run's tables, for spreadsheets: ``timeseries.csv``, ``incidence.csv`` and
``replicates.csv`` beside the Parquet files they copy (``jonas run --csv``, ``jonas export``).

Each has the Parquet file's columns and rows, in order; a number that is not there (NaN: an
event that never happened) is an empty cell, which spreadsheets read as blank. Each file is
written atomically, streaming one part of the run at a time, so a partial run (interrupted,
or still going) exports the replicates it has finished.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jonas.errors import JonasError
from jonas.files import write_atomic
from jonas.outputs.folder import RunFolder
from jonas.outputs.names import CSV


def export_csv(root: Path) -> list[Path]:
    """Write the CSV copies of the run's tables in ``root``; return their paths. Refused
    while a run writes into the folder (:meth:`RunFolder.claim`)."""
    folder = RunFolder(Path(root))
    with folder.claim("", create=False) as claim:
        claim.keep = True
        if folder.run_json() is None:
            raise JonasError(f"{root}: not a jonas run folder (no run.json)")
        folder.recover()
        return _export(folder)


def _export(folder: RunFolder) -> list[Path]:
    written = []
    for kind, name in CSV.items():
        files = folder.files(kind)
        if files:
            write_atomic(folder.root / name, lambda p, files=files: _write_csv(files, p))
            written.append(folder.root / name)
    if not written:
        raise JonasError(f"{folder.root}: no replicate has finished yet: nothing to export")
    return written


def _write_csv(files: list[Path], out: Path) -> None:
    import pyarrow.csv as csv
    import pyarrow.parquet as pq

    writer = None
    try:
        for path in files:
            table = _blank_nan(pq.read_table(path))
            if writer is None:
                writer = csv.CSVWriter(out, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def _blank_nan(table: Any) -> Any:
    """NaN as a missing value (an empty cell), not the word ``nan``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, field in enumerate(table.schema):
        if pa.types.is_floating(field.type):
            column = table.column(i)
            table = table.set_column(i, field, pc.if_else(pc.is_nan(column), None, column))
    return table
