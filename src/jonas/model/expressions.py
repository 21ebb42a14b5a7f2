"""Rate expressions such as ``"rho * (1 - p_halfbie)"``, evaluated safely.

A transition's rate is a number, a parameter name, or arithmetic over parameter names:
numbers, names, + - * / ** % and parentheses, the constant ``pi`` and the functions of
:data:`FUNCTIONS`; no attributes, no other calls. A transition's rate (and only that) may
also use ``t``, the time in the scenario's time unit (a day/night cycle, a season):
:func:`over_time` evaluates it at many times at once.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import threading
from collections.abc import Callable, Mapping

import numpy as np

from jonas.errors import ScenarioError, shown_value, suggest

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}

#: the time in a transition's rate, in the scenario's time unit (not a parameter's name)
TIME = "t"
#: named constants (not parameters' names either)
CONSTANTS = {"pi": math.pi}
#: the functions an expression may call, with their number of arguments: numpy's, so that
#: one expression is evaluated at one time or at many
FUNCTIONS: dict[str, tuple[Callable[..., object], int]] = {
    "sin": (np.sin, 1),
    "cos": (np.cos, 1),
    "exp": (np.exp, 1),
    "log": (np.log, 1),
    "sqrt": (np.sqrt, 1),
    "abs": (np.abs, 1),
    "floor": (np.floor, 1),
    "min": (np.minimum, 2),
    "max": (np.maximum, 2),
}
#: what an expression may hold, in words (error messages)
ALLOWED = (
    "numbers, parameter names, + - * / ** % and parentheses, pi, the functions "
    + ", ".join(FUNCTIONS)
    + ", and t (the time) in a transition's rate"
)


#: CPython 3.11's parser is not safe to run in two threads at once ("SystemError: AST
#: constructor recursion depth mismatch", seen under jonas serve's concurrent requests)
_PARSING = threading.Lock()


#: the longest rate expression and its deepest nesting. The longest the built-in families
#: write is under 60 characters and 6 deep; the limits only keep a hostile or mistaken file
#: from costing memory and recursion ("-" * 20000 + "beta" took gigabytes to parse, a sum
#: of 1,000 terms overflowed the evaluator's recursion).
MAX_LENGTH = 1000
MAX_DEPTH = 100


def _parse(expr: str, where: str) -> ast.expr:
    shown = shown_value(expr, 60)
    if len(expr) > MAX_LENGTH:
        raise ScenarioError(
            f"{where}: the rate expression {shown} has {len(expr):,} characters; at most "
            f"{MAX_LENGTH:,} are allowed (give a long formula a parameter of its own)"
        )
    try:
        with _PARSING:
            tree = ast.parse(expr, mode="eval").body
    except (SyntaxError, ValueError):  # ValueError: a NUL character
        raise ScenarioError(
            f"{where}: {shown} is not a valid rate expression (allowed: {ALLOWED})"
        ) from None
    except (RecursionError, MemoryError):
        raise ScenarioError(
            f"{where}: the rate expression {shown} is nested too deeply; at most "
            f"{MAX_DEPTH} levels are allowed"
        ) from None
    if _depth(tree) > MAX_DEPTH:
        raise ScenarioError(
            f"{where}: the rate expression {shown} is nested too deeply (or has too many "
            f"terms in a row); at most {MAX_DEPTH} levels are allowed"
        )
    return tree


#: parsed expressions, for rates evaluated again and again (the ODE's right-hand side)
_parsed = functools.lru_cache(maxsize=256)(_parse)


def _depth(tree: ast.AST) -> int:
    """How deep the tree is, without recursion (the point is to refuse what would
    overflow it)."""
    deepest, todo = 0, [(tree, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _names(expr: str | float, where: str) -> set[str]:
    """Every name an expression refers to, but the functions it calls."""
    if not isinstance(expr, str):
        return set()
    tree = _parse(expr, where)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


def names_in(expr: str | float, where: str = "rate") -> set[str]:
    """The parameter names an expression refers to (not functions, constants or t)."""
    return _names(expr, where) - {TIME, *CONSTANTS}


def uses_time(expr: str | float, where: str = "rate") -> bool:
    """Whether an expression refers to ``t``, the time."""
    return TIME in _names(expr, where)


def evaluate(
    expr: str | float,
    parameters: Mapping[str, float],
    where: str = "rate",
    allow_negative: bool = False,
) -> float:
    """The value of an expression that does not depend on time, given the parameter values
    (finite; >= 0 unless ``allow_negative``, for callers that check the range
    themselves). One that uses ``t`` is refused: only a transition's rate may (see
    :func:`over_time`)."""
    if not isinstance(expr, str):
        return float(expr)
    if uses_time(expr, where):
        raise ScenarioError(
            f"{where}: {expr!r} uses t (the time); only a transition's rate may depend on "
            "time (a branch probability, a parameter or an intervention's value may not)"
        )
    value = float(_walk(expr, _parse(expr, where), parameters, None, where))
    if not math.isfinite(value) or (value < 0 and not allow_negative):
        raise ScenarioError(
            f"{where}: {expr!r} evaluates to {value}; a rate must be finite and >= 0"
        )
    return value


def over_time(
    expr: str | float, parameters: Mapping[str, float], times: np.ndarray, where: str = "rate"
) -> np.ndarray:
    """A rate's values at many ``times`` at once (a rate that may use ``t``), each finite and
    >= 0: else the error names the first time where it is not."""
    times = np.asarray(times, dtype=np.float64)
    if not isinstance(expr, str):
        return np.full(times.shape, float(expr))
    with np.errstate(all="ignore"):  # a division by zero or log(0) is checked below
        value = _walk(expr, _parsed(expr, where), parameters, times, where)
    value = np.array(np.broadcast_to(np.asarray(value, dtype=np.float64), times.shape))
    # round-off below zero (1 - cos(...) at a whole period) is zero
    value[(value < 0) & (value >= -1e-12 * np.max(np.abs(value), initial=1.0))] = 0.0
    bad = ~np.isfinite(value) | (value < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ScenarioError(
            f"{where}: {expr!r} is {value[i]:g} at t = {times[i]:g}; a rate must be finite "
            "and >= 0 at every time of the run"
        )
    return value


def _walk(
    expr: str,
    tree: ast.expr,
    parameters: Mapping[str, float],
    times: np.ndarray | None,
    where: str,
) -> float | np.ndarray:
    """The value of a parsed expression: a number, or one per time of ``times`` (given
    when the expression may use t). Python's own arithmetic on numbers keeps their
    errors (a division by zero) for the message; numpy's on times gives inf or NaN,
    which the caller checks."""

    def walk(node: ast.expr) -> float | np.ndarray:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id == TIME and times is not None:
                return times
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            if node.id not in parameters:
                raise ScenarioError(
                    f"{where}: unknown parameter {node.id!r} in {expr!r}."
                    + suggest(node.id, parameters)
                )
            return float(parameters[node.id])
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            try:
                value = _BINARY[type(node.op)](walk(node.left), walk(node.right))
            except ZeroDivisionError:
                raise ScenarioError(f"{where}: {expr!r} divides by zero") from None
            except OverflowError:
                raise ScenarioError(f"{where}: {expr!r} is too large") from None
            if isinstance(value, complex):
                raise ScenarioError(f"{where}: {expr!r} is not a real number")
            return value
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](walk(node.operand))
        if isinstance(node, ast.Call):
            return call(node)
        raise ScenarioError(f"{where}: {expr!r} uses {type(node).__name__}; allowed are {ALLOWED}")

    def call(node: ast.Call) -> float | np.ndarray:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS or node.keywords:
            shown = name or "a call of something other than a function's name"
            raise ScenarioError(
                f"{where}: {expr!r} calls {shown}; the functions allowed are "
                + ", ".join(FUNCTIONS)
                + "."
                + (suggest(name, FUNCTIONS) if name else "")
            )
        function, arity = FUNCTIONS[name]
        if len(node.args) != arity:
            raise ScenarioError(
                f"{where}: {expr!r}: {name}() takes {arity} argument{'s' * (arity > 1)}, "
                f"not {len(node.args)}"
            )
        with np.errstate(all="ignore"):  # log(0), sqrt(-1): checked as not finite
            value = function(*(walk(a) for a in node.args))
        return value if isinstance(value, np.ndarray) else float(value)  # type: ignore[arg-type]

    return walk(tree)
