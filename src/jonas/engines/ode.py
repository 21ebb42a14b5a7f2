"""The deterministic mean-field engine: scipy's ``solve_ivp``, or fixed-step Euler.

Between fixed-time events the ODE is integrated with the chosen method; at an event the
cull is applied exactly (a share of each state moved or removed) and integration restarts.
``method = "euler"`` takes fixed steps ``x += dt · f(x)``, as published code often does.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from jonas.errors import JonasError
from jonas.model import Model


class RightHandSide:
    """dx/dt for a model: propensities of every transition times the stoichiometry."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.nu = model.stoichiometry()
        self.has_src = model.src >= 0
        self.src = np.where(self.has_src, model.src, 0)
        self.has_cat = model.cat >= 0
        self.cat = np.where(self.has_cat, model.cat, 0)
        # Compartment totals as a matrix product: C = A @ x.
        self.agg = np.zeros((model.n_compartments, model.n_states))
        self.agg[model.state_compartment, np.arange(model.n_states)] = 1.0

    def propensities(self, x: np.ndarray) -> np.ndarray:
        m = self.model
        totals = self.agg @ x
        pool_n = totals[m.pool].sum()
        a = m.rate * np.where(self.has_src, x[self.src], 1.0)
        a = a * np.where(self.has_cat, totals[self.cat], 1.0)
        if m.freq.any():
            divisor = np.where(m.freq, pool_n, 1.0)
            a = np.divide(a, divisor, out=np.zeros_like(a), where=divisor != 0)
        return a

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        return self.nu @ self.propensities(x)


def _cull(x: np.ndarray, fraction: np.ndarray, dest: np.ndarray) -> np.ndarray:
    removed = x * fraction
    x = x - removed
    for s in np.nonzero(removed)[0]:
        if dest[s] >= 0:
            x[dest[s]] += removed[s]
    return x


def _euler(f: RightHandSide, x: np.ndarray, t0: float, grid: np.ndarray, dt: float) -> np.ndarray:
    """Fixed-step Euler from t0 through each time of ``grid``; the states there (columns)."""
    rows = []
    t = t0
    for target in grid:
        while target - t > 1e-12 * max(1.0, abs(target)):
            h = min(dt, target - t)
            x = x + h * f(t, x)
            t += h
        rows.append(x)
    return np.array(rows).T


def simulate_ode(
    model: Model, times: np.ndarray, method: str, rtol: float, atol: float, dt: float
) -> np.ndarray:
    """Integrate the model; returns compartment totals (times × compartments)."""
    f = RightHandSide(model)
    ev = model.events
    x = model.x0.astype(float).copy()
    rows: list[np.ndarray] = []
    t0 = 0.0
    k_out = 0
    for e in range(len(ev) + 1):
        final = e == len(ev)
        t1 = float(times[-1]) if final else float(ev.times[e])
        # Outputs in [t0, t1) come from this segment (the final one includes t_end);
        # an output at an event's time shows the state just after the event.
        stop = times.size if final else int(np.searchsorted(times, t1, side="left"))
        grid = times[k_out:stop]
        if t1 > t0:
            grid_end = grid if grid.size and grid[-1] == t1 else np.append(grid, t1)
            if method == "euler":
                y = _euler(f, x, t0, grid_end, dt)
            else:
                sol = solve_ivp(
                    f, (t0, t1), x, method=method, t_eval=grid_end, rtol=rtol, atol=atol
                )
                if not sol.success:
                    raise JonasError(f"ode engine: the integrator failed ({sol.message})")
                y = sol.y
            rows.extend(y.T[: grid.size])
            x = y[:, -1].copy()
        else:
            rows.extend(x.copy() for _ in range(grid.size))
        k_out = stop
        if not final:
            x = _cull(x, ev.fraction[e], ev.dest[e])
            t0 = t1
    return model.totals(np.array(rows))
