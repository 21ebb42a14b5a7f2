"""Rate expressions such as ``"rho * (1 - p_halfbie)"``, evaluated safely.

A transition's rate is a number, a parameter name, or arithmetic over parameter names.
Only numbers, names, + - * / ** and parentheses are allowed: no calls, no attributes.
"""

from __future__ import annotations

import ast
import math
import operator
import threading

from jonas.errors import ScenarioError, shown_value, suggest

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


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
            f"{where}: {shown} is not a valid rate expression "
            "(allowed: numbers, parameter names, + - * / ** and parentheses)"
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


def _depth(tree: ast.AST) -> int:
    """How deep the tree is, without recursion (the point is to refuse what would
    overflow it)."""
    deepest, todo = 0, [(tree, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        todo.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def names_in(expr: str | float, where: str = "rate") -> set[str]:
    """The parameter names an expression refers to (function names are not parameters)."""
    if not isinstance(expr, str):
        return set()
    tree = _parse(expr, where)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


def evaluate(
    expr: str | float,
    parameters: dict[str, float],
    where: str = "rate",
    allow_negative: bool = False,
) -> float:
    """The value of a rate expression, given the parameter values (finite; >= 0 unless
    ``allow_negative``, for callers that check the range themselves)."""
    if not isinstance(expr, str):
        return float(expr)

    def walk(node: ast.expr) -> float:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return float(node.value)
        if isinstance(node, ast.Name):
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
        what = "function calls" if isinstance(node, ast.Call) else type(node).__name__
        raise ScenarioError(
            f"{where}: {expr!r} uses {what}; allowed are numbers, parameter names, "
            "+ - * / ** and parentheses"
        )

    value = walk(_parse(expr, where))
    if not math.isfinite(value) or (value < 0 and not allow_negative):
        raise ScenarioError(
            f"{where}: {expr!r} evaluates to {value}; a rate must be finite and >= 0"
        )
    return value
