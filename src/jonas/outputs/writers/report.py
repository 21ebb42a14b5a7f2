"""``report.html`` (``jonas run --report``, ``jonas report DIR``): the run in one
self-contained page that opens offline in any browser. It holds the scenario (its
description, citation and every value, the engine, seed and jonas version), the outcome
table against the scenario's targets, the interactive curves with the events marked, a
regional run's map with a time slider, and the run's notes. plotly.js comes from the
installed ``plotly`` package (``pip install 'jonas[web]'``) and is written into the page:
no network is needed to open it."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from jonas.engines import resolved
from jonas.errors import JonasError
from jonas.files import write_atomic
from jonas.outputs.finished import FinishedRun, open_run
from jonas.outputs.names import PLAYBACK

REPORT = "report.html"
#: the largest playback a report carries (base64 in the page makes it a third larger)
REPORT_PLAYBACK_MB = 40


def check_available() -> None:
    """Refuse before any work is done when plotly is not installed."""
    import importlib.util

    if importlib.util.find_spec("plotly") is None:
        raise JonasError(
            "report.html needs plotly (its charts): install it with pip install 'jonas[web]'"
        )


def plotly_js() -> str:
    """plotly.js's source, from the installed plotly package."""
    check_available()
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _plain(value: Any) -> Any:
    """JSON-ready: numpy arrays and numbers as lists and floats, NaN and infinities as null."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json(value: Any) -> str:
    """JSON to put inside a <script> element (a "</" in a string must not close it)."""
    return json.dumps(_plain(value), separators=(",", ":")).replace("</", "<\\/")


def _number(value: Any) -> str:
    if value is None:
        return "–"
    value = float(value)
    if abs(value) >= 100 or value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def outcome_rows(summary: dict[str, Any]) -> list[list[str]]:
    """The outcome table: each metric's median, 5–95% range and unit, and its target
    (the range allowed and whether the median is inside it) where the scenario has one."""
    targets = summary.get("targets", {})
    rows = []
    for name, stats in summary["metrics"].items():
        target = targets.get(name)
        if target is None:
            wanted, verdict = "", ""
        else:
            wanted = f"{_number(target['low'])} – {_number(target['high'])}"
            verdict = "yes" if target["within"] else "no"
        rows.append(
            [
                name,
                _number(stats["median"]),
                f"{_number(stats['q05'])} – {_number(stats['q95'])}",
                stats.get("unit") or "",
                wanted,
                verdict,
            ]
        )
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table; a cell reading "yes" or "no" (a target's verdict) is coloured."""

    def cell(text: str) -> str:
        kind = f' class="{text}"' if text in ("yes", "no") else ""
        return f"<td{kind}>{html.escape(text)}</td>"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; }
.meta { color: #555; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.8rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.yes { color: #1a7f37; } td.no { color: #b42318; }
.chart { width: 100%; min-height: 480px; }
pre { background: #f6f6f6; padding: 1rem; overflow: auto; font-size: 0.85rem; }
.city img { max-width: 100%; }
.shots { display: flex; flex-wrap: wrap; gap: 1rem; }
.shots figure { margin: 0; width: 48%; } .shots img { width: 100%; }
figcaption { font-size: 0.85rem; color: #555; }
"""


def _embedded(path: Path, kind: str, alt: str) -> str:
    import base64

    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/{kind};base64,{data}" alt="{html.escape(alt)}">'


def city_pictures(run: FinishedRun) -> str:
    """The city played back (``playback.bin``, with its player; else ``animation.gif``)
    and the snapshots, when the run recorded them, written into the page; otherwise a line
    saying how to get them. A playback over REPORT_PLAYBACK_MB is left out of the page
    (the GIF stands in for it) and said so."""
    if not run.engine.on_map(run.scenario):
        return ""
    animation = run.root / "animation.gif"
    played = _playback(run.root / PLAYBACK)
    if not played and not animation.exists():
        return (
            "<h2>The city</h2><p>Run with <code>--animate</code> for the city's playback "
            "and its snapshots.</p>"
        )
    if animation.exists() and not played.startswith("<div"):
        played += (
            f'<div class="city">{_embedded(animation, "gif", "the outbreak in the city")}</div>'
        )
    shots = sorted((run.root / "snapshots").glob("*.png"))
    figures = "".join(
        f"<figure>{_embedded(p, 'png', p.stem)}<figcaption>{html.escape(p.stem)}"
        "</figcaption></figure>"
        for p in shots
    )
    snapshots = (
        f'<details><summary>{len(shots)} snapshots</summary><div class="shots">{figures}'
        "</div></details>"
        if shots
        else ""
    )
    return f"<h2>The city (the first replicate)</h2>{played}{snapshots}"


def _playback(path: Path) -> str:
    """The playback and its player, inline (base64 in the page: it opens offline)."""
    import base64

    from jonas.outputs.writers.playback import player_js

    if not path.exists():
        return ""
    size = path.stat().st_size
    if size > REPORT_PLAYBACK_MB * 1e6:
        return (
            f"<p>The playback ({size / 1e6:.0f} MB, over the {REPORT_PLAYBACK_MB} MB a report "
            f"carries) is in <code>{PLAYBACK}</code> beside this file; the GIF below shows the "
            "same run.</p>"
        )
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"""<div id="city-playback"></div>
<script>{player_js()}</script>
<script>
(function () {{
  const text = atob("{data}");
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  jonasPlayback(document.getElementById("city-playback"), bytes.buffer)
    .then((player) => {{ window.player = player; }});
}})();
</script>"""


def run_figures(run: FinishedRun) -> dict[str, dict[str, Any]]:
    """The run's interactive figures (plotly.js specifications, JSON-ready): its curves,
    and a regional run's map over time. The report and ``jonas serve`` draw these."""
    from jonas.outputs.writers.curves import story_curves
    from jonas.plots.interactive import curves_figure, spread_map_figure

    info = run.scenario.scenario
    told, marks = story_curves(run)
    curves = told.curves
    many = run.replicates > 1
    shown = f", {run.replicates} replicates: median, 50% and 90% bands" if many else ""
    figures = {
        "curves": curves_figure(
            run.times, curves, marks, info.time_unit, f"{info.name} — {run.engine.name}{shown}"
        )
    }
    if run.regions is not None:
        from jonas.outputs.writers.maps import cordons, country_of, median_zombies, origins

        codes, population, times, zombies = median_zombies(run)
        figures["map"] = spread_map_figure(
            country_of(run), codes, population, times, zombies, origins(run), info.time_unit,
            "zombies per 1,000 residents (median over the replicates)", cordons(run),
        )  # fmt: skip
    return _plain(figures)


def page(run: FinishedRun) -> str:
    """The whole report as one HTML document."""

    info = run.scenario.scenario
    meta = run.metadata
    summary = run.summary
    figures = run_figures(run)
    rows = outcome_rows(summary)
    outcome = (
        _table(["metric", "median", "5–95%", "unit", "target", "within"], rows)
        if rows
        else "<p>This scenario names no metrics.</p>"
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in run.notes)
    facts = [
        f"jonas {meta['jonas_version']}",
        f"engine {run.engine.name}",
        f"seed {meta['seed']}",
        f"{run.replicates} replicate{'s' if run.replicates != 1 else ''}",
        f"status {meta['status']}",
        f"written {meta['created']}",
    ]
    charts = "".join(f'<div id="{name}" class="chart"></div>' for name in figures)
    scenario_json = json.dumps(resolved(run.scenario), indent=2, ensure_ascii=False)
    origin = run.extra.get("provenance")
    if origin:
        changes = origin["overrides"] + [f"--{k} {v}" for k, v in origin["options"].items()]
        changed = (
            "<ul>" + "".join(f"<li><code>{html.escape(c)}</code></li>" for c in changes) + "</ul>"
            if changes
            else "<p>as written, with no changes.</p>"
        )
        source = (
            f"<p>From the {html.escape(origin['source_label'])}, changed by:</p>{changed}"
            f"<p>Run it again: <code>{html.escape(origin['command'])}</code></p>"
            f"<details><summary>the scenario file</summary>"
            f"<pre>{html.escape(origin['text'])}</pre></details>"
        )
    else:  # a run saved from Python: its values are all there is
        source = "<p>Saved from Python (<code>Result.save</code>): the values below.</p>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(info.name)} — jonas report</title>
<style>{STYLE}</style>
<script>{plotly_js()}</script>
</head>
<body>
<h1>{html.escape(info.name)}</h1>
<p>{html.escape(info.description or "")}</p>
<p class="meta">{html.escape(" · ".join(facts))}</p>
<p class="meta">{html.escape(info.citation or "")}</p>
<h2>Outcome</h2>
{outcome}
<h2>Over time</h2>
{charts}
{city_pictures(run)}
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
<h2>Scenario</h2>
{source}
<details><summary>every value this run used</summary>
<pre>{html.escape(scenario_json)}</pre></details>
<script>
const figures = {_json(figures)};
for (const [name, figure] of Object.entries(figures)) {{
  const options = {{responsive: true, displaylogo: false}};
  Plotly.newPlot(name, figure.data, figure.layout, options).then((div) => {{
    if (figure.frames) Plotly.addFrames(div, figure.frames);
  }});
}}
</script>
</body>
</html>
"""


class Report:
    name = REPORT
    order = 60  # after the city's pictures, which it carries

    def wanted(self, run: FinishedRun) -> bool:
        return run.report

    def write(self, run: FinishedRun) -> None:
        text = page(run)
        write_atomic(run.root / REPORT, lambda p: p.write_text(text, "utf-8"))


WRITERS = (Report(),)


def write_report(folder: Path) -> Path:
    """Write report.html into a run's folder (finished or interrupted) and nothing else."""
    Report().write(open_run(folder, report=True))
    return Path(folder) / REPORT
