"""report.html: one self-contained page per run (``jonas run --report``, ``jonas report
DIR``), checked as a file here and drawn in a real browser with the network cut off."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import jonas
from jonas.cli import app

runner = CliRunner()
# hyosan with a few replicates: its metrics and targets, in a second
HYOSAN = ["-r", "6", "-q"]
CHROMIUM = Path("/usr/bin/chromium")


def _figures(text: str) -> dict:
    found = re.search(r"const figures = (\{.*?\});\n", text, re.S)
    assert found, "no figures in the page"
    return json.loads(found.group(1).replace("<\\/", "</"))


@pytest.fixture(scope="module")
def hyosan_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hyosan")
    result = runner.invoke(app, ["run", "hyosan", *HYOSAN, "--out", str(out), "--report"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def korea_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("korea")
    scenario = jonas.load(
        "korea",
        ["metapop.regions=['Seoul', 'Gyeonggi']", "run.t_end=48.0", "run.replicates=2"],
    )
    jonas.run(scenario).save(out, report=True)
    return out


def test_the_report_holds_the_run_and_needs_no_network(hyosan_run: Path) -> None:
    text = (hyosan_run / "report.html").read_text("utf-8")
    meta = json.loads((hyosan_run / "run.json").read_text("utf-8"))
    assert "<h1>hyosan</h1>" in text
    assert f"jonas {meta['jonas_version']}" in text and f"seed {meta['seed']}" in text
    # nothing is fetched: no external script, style, image or font outside plotly.js (the
    # browser test below also watches every request)
    library, page = text.split("</head>", 1)
    assert "plotly.js" in library.lower() and "Plotly.newPlot" in page
    assert "<script src" not in library and '<link rel="stylesheet"' not in library
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    # the outcome table: every metric with its median, and the targets with the verdict
    for name, stats in meta["summary"]["metrics"].items():
        assert f"<td>{name}</td>" in text
        median = stats["median"]
        assert (f"{median:,.0f}" if median is not None and median >= 100 else "<td>") in text
    for name, target in meta["summary"]["targets"].items():
        verdict = "yes" if target["within"] else "no"
        assert re.search(rf"<td>{name}</td>.*?<td class=\"{verdict}\">{verdict}</td>", text)
    # the curves: one median per story group, bands around each, the events named
    curves = _figures(text)["curves"]
    medians = [t for t in curves["data"] if t.get("name", "").endswith("(median)")]
    assert len(medians) >= 3 and len(curves["data"]) == 5 * len(medians)
    marks = {a["text"] for a in curves["layout"]["annotations"]}
    # where the scenario came from, and how to run it again
    assert meta["provenance"]["command"] == "jonas run hyosan --replicates 6"
    assert "Run it again: <code>jonas run hyosan --replicates 6</code>" in text
    assert "calibrated: bites per zombie per hour" in text  # the file's own notes
    labels = {e["label"].removesuffix(" on") for e in meta["events"]}
    assert {"martial law", "strike"} <= marks <= labels


def test_only_asked_for_and_written_whole(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "sir", "-q", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "report.html").exists()
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'report.html'}" in result.output
    after = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert after.pop("report.html") and after == before  # nothing else touched
    assert not list(tmp_path.glob(".*.part"))  # no temporary file left


def test_a_folder_that_is_no_run_is_refused(tmp_path: Path) -> None:
    (tmp_path / "thesis.tex").write_text("mine")
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a jonas run folder" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.tex"]


def test_without_plotly_the_run_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "plotly" else real(name, *a)
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", "sir", "--report", "--out", str(out)])
    assert result.exit_code == 2
    assert "pip install 'jonas[web]'" in result.output
    assert not out.exists()


def test_a_regional_run_has_its_map_with_a_time_slider(korea_run: Path) -> None:
    figure = _figures((korea_run / "report.html").read_text("utf-8"))["map"]
    import pandas as pd

    regions = pd.read_parquet(korea_run / "regions.parquet")
    districts = regions["region"].nunique()
    filled = [t for t in figure["data"] if t.get("fill") == "toself"]
    assert len(filled) == districts  # every district drawn
    assert any("Jung-gu" in t["name"] for t in filled)
    times = json.loads((korea_run / "run.json").read_text("utf-8"))["summary"]["t_end"]
    assert figure["frames"][-1]["name"] == f"{times:g}"
    assert len(figure["layout"]["sliders"][0]["steps"]) == len(figure["frames"])
    # the first hour is blank and the outbreak shows later, on the log scale
    first = {d["fillcolor"] for d in figure["frames"][0]["data"] if "fillcolor" in d}
    last = {d["fillcolor"] for d in figure["frames"][-1]["data"] if "fillcolor" in d}
    assert len(last) > len(first)
    star = next(t for t in figure["data"] if t.get("name") == "where it started")
    assert star["text"] == ["Uiwang-si"]
    # the cordon around the outbreak: dashed while open, solid from when it closed (40 h)
    cordon = next(t for t in figure["data"] if t.get("name", "").startswith("cordon"))
    assert cordon["name"] == "cordon: martial law around Uiwang (closed at 40 hours)"
    at = figure["data"].index(cordon)
    for frame in figure["frames"]:
        line = frame["data"][frame["traces"].index(at)]["line"]
        assert line["dash"] == ("solid" if float(frame["name"]) >= 40 else "dash")


def _browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "the browser tests need Debian's chromium (apt-get install chromium)"
    return sync_playwright()


def _open(playwright, path: Path):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    asked: list[str] = []

    def route(request_route) -> None:  # the network is cut off: only the file itself
        url = request_route.request.url
        if url.startswith("file:"):
            request_route.continue_()
        else:
            asked.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    return browser, page, errors, asked


def test_the_report_draws_offline_in_a_browser(hyosan_run: Path, korea_run: Path) -> None:
    with _browser() as playwright:
        browser, page, errors, asked = _open(playwright, hyosan_run / "report.html")
        page.wait_for_selector("#curves .main-svg", timeout=60_000)
        lines = page.locator("#curves .scatterlayer .trace").count()
        assert lines >= 3
        page.get_by_text("log", exact=True).click()
        assert page.evaluate("document.getElementById('curves').layout.yaxis.type") == "log"
        browser.close()
        assert errors == [] and asked == []

        browser, page, errors, asked = _open(playwright, korea_run / "report.html")
        page.wait_for_selector("#map .main-svg", timeout=60_000)
        colours = "[...document.querySelectorAll('#map path.js-fill')].map(p => p.style.fill)"
        start = page.evaluate(colours)
        last = page.evaluate("document.getElementById('map')._transitionData._frames.at(-1).name")
        page.evaluate(
            f"Plotly.animate('map', ['{last}'], {{mode: 'immediate', "
            "frame: {duration: 0, redraw: false}, transition: {duration: 0}})"
        )
        page.wait_for_timeout(500)
        end = page.evaluate(colours)
        assert len(start) == len(end) > 30 and start != end  # the districts filled in
        browser.close()
        assert errors == [] and asked == []


def test_a_city_report_plays_the_city_back_offline(tmp_path: Path) -> None:
    """--animate --report: the report carries the playback and its player; the city plays
    in the browser with the network cut off."""
    out = tmp_path / "city"
    args = ["run", "hyosan-city", "--set", "run.t_end=1", "--animate", "--report", "-q"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "playback.bin").exists() and (out / "animation.gif").exists()
    text = (out / "report.html").read_text("utf-8")
    assert 'id="city-playback"' in text and "jonasPlayback" in text
    with _browser() as playwright:
        browser, page, errors, asked = _open(playwright, out / "report.html")
        page.wait_for_selector(".playback-canvas", timeout=60_000)
        assert page.evaluate("window.player.frames.length") == 3  # 0, 0.5 and 1 hour
        assert page.locator(".playback-clock").text_content() == "day 1, 00:00"
        browser.close()
        assert errors == [] and asked == []


def test_the_country_map_png_names_the_hardest_hit_and_draws_the_start_and_cordon(
    korea_run: Path,
) -> None:
    from jonas.outputs.finished import open_run
    from jonas.outputs.writers.maps import cordons, country_of, origins
    from jonas.plots.choropleth import outcome_map

    run = open_run(korea_run)
    assert origins(run) == ["31170"]  # Uiwang-si
    found = cordons(run)
    assert [(c.name, c.codes, c.closed) for c in found] == [
        ("martial law around Uiwang", ("31170",), 40.0)
    ]
    figure = outcome_map(country_of(run), run.regions, "korea", "hours", origins(run), found)
    left, right = (ax for ax in figure.axes if ax.get_title())
    # one key, on the left: the right panel's corner holds the list (they covered each other)
    assert right.get_legend() is None
    keys = [t.get_text() for t in left.get_legend().get_texts()]
    assert keys == [
        "cordon: martial law around Uiwang (closed at 40 hours)",
        "where it started: Uiwang-si",
    ]
    listed = next(t.get_text() for t in right.texts if t.get_text().startswith("hardest hit"))
    assert len(listed.splitlines()) == 6
    assert all("(Seoul)" in line or "(Gyeonggi)" in line for line in listed.splitlines()[1:])
    assert [t.get_text() for t in right.texts if len(t.get_text()) == 1] == list("12345")


def test_the_animated_map_titles_count_and_name_the_last_event() -> None:
    from jonas.plots.choropleth import spread_title

    marks = [(40.0, "martial law"), (84.0, "strike")]
    assert spread_title("korea", 30, "hours", 1234.4, marks) == (
        "korea: 30 hours · 1,234 zombies (median)"
    )
    assert spread_title("korea", 90, "hours", 5e6, marks) == (
        "korea: 90 hours · 5,000,000 zombies (median)\nlast: strike (84 hours)"
    )
