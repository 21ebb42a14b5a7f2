"""The deterministic mean-field engine: scipy's ``solve_ivp``, or fixed-step Euler.

Between events the ODE is integrated with the chosen method. Fixed-time events are applied
exactly at their time (a share of each state moved or removed, rates switched) and
integration restarts. Triggers (``when = "Z > 1000"``) are located by the solver's event
detection, to the solver's precision; their events are then scheduled like fixed ones.
``method = "euler"`` takes fixed steps ``x += dt · f(x)``, as published code often does,
and checks triggers after each step.

The incidence is each transition's flow integrated over time. Euler's steps add
``dt · a(x)`` (so it adds up to the counts exactly). For solve_ivp, the flows are not
extra variables of the system (they would enter the error norm and change the steps, and
so the counts): the solver's own interpolant of each step (its dense output, the one that
gives the outputs) is integrated by Gauss–Legendre quadrature, GAUSS_POINTS points per
stretch between step ends and output times. The flows so integrated add up to the counts
to the solver's tolerance (the interpolant follows the ODE that closely).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.integrate import OdeSolution, solve_ivp

from jonas.engines.ode.schedule import Schedule, holds
from jonas.errors import JonasError
from jonas.model import Model

#: Gauss–Legendre points per piece of a step (exact for polynomials of degree 5). More
#: change nothing measurable (5 gave the same sums on hyosan, SEIR and SIR, to 3 digits of
#: the residual): what is left is the interpolant's own distance from the ODE, within
#: the solver's tolerance.
GAUSS_POINTS = 3
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(GAUSS_POINTS)


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

    def rates(self, t: float | np.ndarray) -> np.ndarray:
        """Each transition's rate at time t (transitions), or at many times (transitions
        × times): base × factor, with the rates that depend on t evaluated there."""
        timed = self.model.time_rates
        if timed is None:
            return self.rate if np.ndim(t) == 0 else self.rate[:, np.newaxis]
        rate = np.array(np.broadcast_to(self.rate.T, (*np.shape(t), self.rate.size)).T)
        rate[timed.edges] = timed.at(t) * (
            self.factor[timed.edges] if np.ndim(t) == 0 else self.factor[timed.edges, np.newaxis]
        )
        return rate

    def propensities(self, x: np.ndarray, t: float | np.ndarray) -> np.ndarray:
        """Each transition's flow at state x and time t (states), or at many (states ×
        points, and one time per point: the quadrature's)."""
        m = self.model
        # per transition: a column for many points (x[self.src] is then transitions × points)
        col = (slice(None),) + (None,) * (x.ndim - 1)
        totals = self.agg @ x
        a = self.rates(t) * np.where(self.has_src[col], x[self.src], 1.0)
        a = a * np.where(self.has_cat[col], totals[self.cat], 1.0)
        if self.has_den.any():
            pools = m.groups @ totals + m.offset[col]
            divisor = np.where(self.has_den[col], pools[self.den], 1.0)
            a = np.divide(a, divisor, out=np.zeros_like(a), where=divisor > 0)
        return a

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        return self.nu @ self.propensities(x, t)


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
    """Fixed steps from t0 to t1; stops early after a step at which a trigger holds. Each
    transition's flow is added up step by step (``flows``: at each output, since t0)."""
    rows, flows = [], []
    flow = np.zeros(f.rate.size)
    t = t0
    k = 0
    tol = 1e-12 * max(1.0, abs(t1))
    while True:
        while k < grid.size and grid[k] <= t + tol:
            rows.append(x)
            flows.append(flow)
            k += 1
        if t1 - t <= tol:
            return rows, flows, t1, x, flow, None
        h = min(dt, (grid[k] if k < grid.size else t1) - t)
        a = f.propensities(x, t)
        x = x + h * (f.nu @ a)  # f(t, x), its flows kept
        flow = flow + h * a
        t += h
        totals = f.agg @ x
        for trig in schedule.pending_triggers():
            ev = schedule.events
            if holds(int(ev.op[trig]), float(ev.weights[trig] @ totals), float(ev.threshold[trig])):
                return rows, flows, t, x, flow, trig


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
    """Integrate from t0 to t1 with solve_ivp; stops early where a trigger's condition is
    met. Each transition's flow since t0 is integrated from the solver's dense output, at
    each output and at the end."""
    if t1 <= t0:
        none = np.zeros(f.rate.size)
        return [x.copy() for _ in grid], [none for _ in grid], t1, x, none, None
    pending = schedule.pending_triggers()
    functions = [_trigger_function(f, k) for k in pending]
    t_eval = grid if grid.size and grid[-1] == t1 else np.append(grid, t1)
    # dense_output keeps each step's interpolant, which solve_ivp builds for t_eval anyway:
    # the steps and the outputs are the same as without it
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        sol = solve_ivp(
            f, (t0, t1), x, method=method, t_eval=t_eval, rtol=rtol, atol=atol,
            events=functions or None, dense_output=True,
        )  # fmt: skip
    if not sol.success:
        raise failure(f, method, rtol, atol, sol, [str(w.message) for w in said])
    for w in said:  # what the solver said on the way, as it said it
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if sol.status == 1:  # a trigger's condition was met: stop there
        hits = [(te[0], i) for i, te in enumerate(sol.t_events) if te.size]
        hit, i = min(hits)
        rows = [sol.y[:, n].copy() for n in range(sol.t.size) if sol.t[n] < hit]
        *flows, flow = _flows(f, sol.sol, t0, float(hit), sol.t[: len(rows)])
        return rows, flows, float(hit), sol.y_events[i][0].copy(), flow, pending[i]
    rows = [sol.y[:, n].copy() for n in range(grid.size)]
    *flows, flow = _flows(f, sol.sol, t0, t1, grid)
    return rows, flows, t1, sol.y[:, -1].copy(), flow, None


def failure(
    f: RightHandSide, method: str, rtol: float, atol: float, sol: Any, said: list[str]
) -> JonasError:
    """The error of an integration that failed, naming what to change: the tolerances,
    the method, and the fastest rate (rates far apart make a model stiff)."""
    reached = float(sol.t[-1]) if sol.t.size else float("nan")
    unit = f.model.time_unit
    rates = f.rate[f.rate > 0]
    reasons = dict.fromkeys([str(sol.message).rstrip("."), *(s.rstrip(".") for s in said)])
    lines = [
        f"ode engine: the integrator ({method}) failed (last output reached: t = {reached:g} "
        f"{unit}): " + "; ".join(reasons),
        f"- run.rtol = {rtol:g}, run.atol = {atol:g} (defaults 1e-8): tolerances near 1e-14 "
        "or below ask for more accuracy than floating point has; raise them",
    ]
    if rates.size:
        j = int(np.argmax(f.rate))
        spread = float(rates.max() / rates.min())
        lines.append(
            f"- the fastest transition, {f.model.transitions[j]!r}, has a rate of "
            f"{float(f.rate[j]):g} per {unit.removesuffix('s')}"
            + (f", {spread:.2g} times the slowest" if spread > 1 else "")
            + ": check the parameters it uses ([parameters]); rates far apart make a model "
            "stiff"
        )
    others = [m for m in ("Radau", "BDF", "LSODA") if m != method]
    lines.append(
        f"- run.method = {method!r}: for a stiff model use "
        + " or ".join(f'"{m}"' for m in others)
        + '; or "euler" with a small run.dt, as published fixed-step code does'
    )
    return JonasError("\n".join(lines))


def _flows(f: RightHandSide, dense: OdeSolution, t0: float, t1: float, marks: np.ndarray):
    """Each transition's flow integrated from t0 to each of the ``marks`` and to t1 along
    the solver's interpolant: Gauss–Legendre on every piece between the steps' ends and
    the marks (the interpolant is one polynomial on each)."""
    inside = dense.ts[(dense.ts > t0) & (dense.ts < t1)]
    cuts = np.unique(np.concatenate([[t0, t1], marks, inside]))
    half = np.diff(cuts) / 2.0
    points = (cuts[:-1] + half)[:, np.newaxis] + half[:, np.newaxis] * _NODES
    a = f.propensities(dense(points.ravel()), points.ravel()).reshape(f.rate.size, *points.shape)
    pieces = (a @ _WEIGHTS) * half  # transitions × pieces
    total = np.concatenate([np.zeros((f.rate.size, 1)), np.cumsum(pieces, axis=1)], axis=1)
    at = np.searchsorted(cuts, np.append(marks, t1))
    return list(total[:, at].T)


def simulate_ode(
    model: Model, times: np.ndarray, method: str, rtol: float, atol: float, dt: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integrate the model: compartment totals (times × compartments), event times, and
    each transition's flow integrated from t = 0 to each output time (times ×
    transitions)."""
    f = RightHandSide(model)
    t_end = float(times[-1])
    schedule = Schedule(model.events, t_end)
    x = model.x0.astype(float).copy()
    rows: list[np.ndarray] = []
    flows: list[np.ndarray] = []
    done = np.zeros(model.rate.size)  # each transition's flow up to t
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
            seg, seg_flows, t, x, flow, trig = _euler(f, x, t, t1, grid, dt, schedule)
        else:
            seg, seg_flows, t, x, flow, trig = _solve(
                f, x, t, t1, grid, method, rtol, atol, schedule
            )
        rows.extend(seg)
        flows.extend(done + since for since in seg_flows)
        done = done + flow
        if trig is not None:
            schedule.fire_trigger(trig, t)
        elif last:
            break
    # The integrator may overshoot zero by its tolerance (S = -3.7e-9): nobody is a
    # negative count, so the outputs read 0 there (the state it integrates is unchanged).
    totals = np.maximum(model.totals(np.array(rows)), 0.0)
    return totals, schedule.fired, np.array(flows).reshape(len(rows), model.rate.size)


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
