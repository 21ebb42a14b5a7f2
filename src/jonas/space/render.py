"""Deprecated (jonas 0.2): city maps are drawn by :mod:`jonas.plots.city`, with the rest of
jonas's plotting; ``python -m jonas.plots.city`` replaces ``python -m jonas.space.render``.
This alias goes in jonas 0.3."""

import warnings

from jonas.plots.city import draw_map, main, render_map

__all__ = ["draw_map", "main", "render_map"]

warnings.warn(
    "jonas.space.render is now jonas.plots.city (draw_map, render_map; python -m "
    "jonas.plots.city)",
    DeprecationWarning,
    stacklevel=2,
)

if __name__ == "__main__":
    raise SystemExit(main())
