"""The deterministic mean-field engine: scipy's ``solve_ivp``, or fixed-step Euler.

Between events the ODE is integrated with the chosen method. Fixed-time events are applied
exactly at their time (a share of each state moved or removed, rates switched) and
integration restarts. Triggers (``when = "Z > 1000"``) are located by the solver's event
detection, to the solver's precision; their events are then scheduled like fixed ones.
``method = "euler"`` takes fixed steps ``x += dt · f(x)``, as published code often does,
and checks triggers after each step.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from jonas.engines.ode.schedule import Schedule, holds
from jonas.errors import JonasError
from jonas.model import Model


class RightHandSide:
    """dx/dt for a model: propensities of every transition times the stoichiometry."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.rate = model.rate.copy()
        self.base = model.rate.copy()
        self.factor = np.ones(model.rate.size)
        self.nu = model.stoichiometry()
        self.has_src = model.src >= 0
        self.src = np.where(self.has_src, model.src, 0)
        self.has_cat = model.cat >= 0
        self.cat = np.where(self.has_cat, model.cat, 0)
        self.has_den = model.den >= 0
        self.den = np.where(self.has_den, model.den, 0)
        # Compartment totals as a matrix product: C = A @ x.
        self.agg = np.zeros((model.n_compartments, model.n_states))
        self.agg[model.state_compartment, np.arange(model.n_states)] = 1.0

    def propensities(self, x: np.ndarray) -> np.ndarray:
        m = self.model
        totals = self.agg @ x
        a = self.rate * np.where(self.has_src, x[self.src], 1.0)
        a = a * np.where(self.has_cat, totals[self.cat], 1.0)
        if self.has_den.any():
            pools = m.groups @ totals + m.offset
            divisor = np.where(self.has_den, pools[self.den], 1.0)
            a = np.divide(a, divisor, out=np.zeros_like(a), where=divisor > 0)
        return a

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        return self.nu @ self.propensities(x)


def _trigger_function(f: RightHandSide, k: int):
    ev = f.model.events
    weights = ev.weights[k] @ f.agg

    def g(t: float, x: np.ndarray) -> float:
        return float(weights @ x - ev.threshold[k])

    g.terminal = True  # type: ignore[attr-defined]
    g.direction = 1.0 if ev.op[k] <= 1 else -1.0  # type: ignore[attr-defined]
    return g


def _euler(
    f: RightHandSide,
    x: np.ndarray,
    t0: float,
    t1: float,
    grid: np.ndarray,
    dt: float,
    schedule: Schedule,
):
    """Fixed steps from t0 to t1; stops early after a step at which a trigger holds."""
    rows = []
    t = t0
    k = 0
    tol = 1e-12 * max(1.0, abs(t1))
    while True:
        while k < grid.size and grid[k] <= t + tol:
            rows.append(x)
            k += 1
        if t1 - t <= tol:
            return rows, t1, x, None
        h = min(dt, (grid[k] if k < grid.size else t1) - t)
        x = x + h * f(t, x)
        t += h
        totals = f.agg @ x
        for trig in schedule.pending_triggers():
            ev = schedule.events
            if holds(int(ev.op[trig]), float(ev.weights[trig] @ totals), float(ev.threshold[trig])):
                return rows, t, x, trig


def _solve(
    f: RightHandSide,
    x: np.ndarray,
    t0: float,
    t1: float,
    grid: np.ndarray,
    method: str,
    rtol: float,
    atol: float,
    schedule: Schedule,
):
    """Integrate from t0 to t1 with solve_ivp; stops early where a trigger's condition is met."""
    if t1 <= t0:
        return [x.copy() for _ in grid], t1, x, None
    pending = schedule.pending_triggers()
    functions = [_trigger_function(f, k) for k in pending]
    t_eval = grid if grid.size and grid[-1] == t1 else np.append(grid, t1)
    sol = solve_ivp(
        f, (t0, t1), x, method=method, t_eval=t_eval, rtol=rtol, atol=atol, events=functions or None
    )
    if not sol.success:
        raise JonasError(f"ode engine: the integrator failed ({sol.message})")
    if sol.status == 1:  # a trigger's condition was met: stop there
        hits = [(te[0], i) for i, te in enumerate(sol.t_events) if te.size]
        hit, i = min(hits)
        rows = [sol.y[:, n].copy() for n in range(sol.t.size) if sol.t[n] < hit]
        return rows, float(hit), sol.y_events[i][0].copy(), pending[i]
    return [sol.y[:, n].copy() for n in range(grid.size)], t1, sol.y[:, -1].copy(), None


def simulate_ode(
    model: Model, times: np.ndarray, method: str, rtol: float, atol: float, dt: float
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate the model: compartment totals (times × compartments) and event times."""
    f = RightHandSide(model)
    t_end = float(times[-1])
    schedule = Schedule(model.events, t_end)
    x = model.x0.astype(float).copy()
    rows: list[np.ndarray] = []
    t = 0.0
    while True:
        # Everything due now, including events of triggers that this very moment fires.
        while True:
            e = schedule.pop_due(t)
            if e is not None:
                x = _apply(f, x, e)
            elif not schedule.check_triggers(t, f.agg @ x):
                break
        t_next = schedule.next_time()
        t1 = min(t_next, t_end)
        # Outputs in [t, t1) come from this stretch, and t_end itself at the very end; an
        # output at an event's time shows the state just after the event.
        last = t_next > t_end
        lo = int(np.searchsorted(times, t, side="left"))
        hi = times.size if last else int(np.searchsorted(times, t1, side="left"))
        grid = times[lo:hi]
        if method == "euler":
            seg, t, x, trig = _euler(f, x, t, t1, grid, dt, schedule)
        else:
            seg, t, x, trig = _solve(f, x, t, t1, grid, method, rtol, atol, schedule)
        rows.extend(seg)
        if trig is not None:
            schedule.fire_trigger(trig, t)
        elif last:
            break
    # The integrator may overshoot zero by its tolerance (S = -3.7e-9): nobody is a
    # negative count, so the outputs read 0 there (the state it integrates is unchanged).
    return np.maximum(model.totals(np.array(rows)), 0.0), schedule.fired


def _apply(f: RightHandSide, x: np.ndarray, e: int) -> np.ndarray:
    ev = f.model.events
    removed = x * ev.fraction[e]
    x = x - removed
    for s in np.nonzero(removed)[0]:
        if ev.dest[e, s] >= 0:
            x[ev.dest[e, s]] += removed[s]
    # A rate is base × factor: parameter changes set the base, cordons the factor.
    new_base, new_factor = ~np.isnan(ev.base[e]), ~np.isnan(ev.factor[e])
    f.base[new_base] = ev.base[e][new_base]
    f.factor[new_factor] = ev.factor[e][new_factor]
    f.rate = f.base * f.factor
    return x
