"""``run.json``, written last: the jonas version, the resolved scenario and its SHA-256, the
engine, the seed, the replicates, the timing, the notes, the events and the summary. A
folder whose run.json says "complete" holds a finished run."""

from __future__ import annotations

from jonas.files import write_json
from jonas.outputs.finished import FinishedRun


class RunJson:
    name = "run.json"
    order = 1000

    def wanted(self, run: FinishedRun) -> bool:
        # a partial run's run.json stays as the run left it, for --resume
        return run.folder.complete

    def write(self, run: FinishedRun) -> None:
        write_json(run.root / self.name, run.metadata)


WRITERS = (RunJson(),)
