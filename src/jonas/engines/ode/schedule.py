"""When events happen, for the ODE engine: fixed times, and triggers that schedule events.

(The stochastic kernels keep the same bookkeeping in compiled form, in
jonas.engines.kernels.)
"""

from __future__ import annotations

import numpy as np

from jonas.model import Events


def holds(op: int, value: float, threshold: float) -> bool:
    """Whether ``value op threshold`` (op: 0 >, 1 >=, 2 <, 3 <=)."""
    if op == 0:
        return value > threshold
    if op == 1:
        return value >= threshold
    if op == 2:
        return value < threshold
    return value <= threshold


class Schedule:
    def __init__(self, events: Events, t_end: float) -> None:
        self.events = events
        self.t_end = t_end
        self.when = np.where(events.trigger < 0, events.times, np.inf)
        self.fired = np.full(len(events), np.nan)
        self.trigger_time = np.full(events.threshold.size, np.nan)

    def pending_triggers(self) -> list[int]:
        return [k for k in range(self.trigger_time.size) if np.isnan(self.trigger_time[k])]

    def fire_trigger(self, k: int, t: float) -> None:
        self.trigger_time[k] = t
        mine = self.events.trigger == k
        self.when[mine] = t + self.events.times[mine]

    def check_triggers(self, t: float, totals: np.ndarray) -> bool:
        """Fire every pending trigger whose condition holds now; True if any fired."""
        ev = self.events
        fired = False
        for k in self.pending_triggers():
            if holds(int(ev.op[k]), float(ev.weights[k] @ totals), float(ev.threshold[k])):
                self.fire_trigger(k, t)
                fired = True
        return fired

    def pop_due(self, t: float) -> int | None:
        """The first unfired event due at or before t (marked fired at t), or None."""
        due = np.nonzero(np.isnan(self.fired) & (self.when <= t) & (self.when <= self.t_end))[0]
        if not due.size:
            return None
        e = int(due[np.argmin(self.when[due])])
        self.fired[e] = t
        return e

    def next_time(self) -> float:
        waiting = np.isnan(self.fired) & (self.when <= self.t_end)
        return float(self.when[waiting].min()) if waiting.any() else np.inf
