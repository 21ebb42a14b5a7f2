"""jonas serve: the JSON API (with Starlette's test client) and the page in a real browser
(Debian's chromium driven by Playwright) against a real server."""

from __future__ import annotations

import concurrent.futures
import socket
import threading
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from jonas.errors import JonasError
from jonas.web.app import create_app
from jonas.web.jobs import Jobs

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture()
def client(tmp_path: Path):
    with TestClient(create_app(tmp_path, workers=1)) as client:
        yield client


def _wait(client: TestClient, run_id: str, timeout: float = 120) -> dict:
    end = time.monotonic() + timeout
    while True:
        state = client.get(f"/api/runs/{run_id}").json()
        if state["status"] not in ("queued", "running"):
            return state
        assert time.monotonic() < end, state
        time.sleep(0.1)


def test_the_scenarios_and_what_can_be_steered(client: TestClient) -> None:
    names = [s["name"] for s in client.get("/api/scenarios").json()]
    assert {"hyosan", "sir", "korea"} <= set(names)
    hyosan = client.get("/api/scenarios/hyosan").json()
    beta = next(p for p in hyosan["parameters"] if p["name"] == "beta")
    assert beta["note"].startswith("calibrated") and beta["value"] > 0
    assert [i["name"] for i in hyosan["interventions"]][-2:] == ["strike", "soldiers' sweep"]
    assert hyosan["engine"] == "tauleap" and "ode" in hyosan["engines"]
    assert client.get("/api/scenarios/busan").status_code == 404


def test_a_country_scenario_offers_its_regions_to_click(client: TestClient) -> None:
    korea = client.get("/api/scenarios/korea").json()
    assert korea["outbreak"] == "Uiwang-si"
    figure = client.get("/api/scenarios/korea/map").json()
    assert len(figure["data"]) == 250
    chosen = [t["name"] for t in figure["data"] if t["fillcolor"] != "#f2f2f2"]
    assert chosen == ["Uiwang-si (Gyeonggi)"]
    assert client.get("/api/scenarios/sir").json()["outbreak"] is None
    assert client.get("/api/scenarios/sir/map").status_code == 404


def test_an_uploaded_scenario_is_checked_then_steered_and_run(client: TestClient) -> None:
    from jonas.spec import builtin_text

    text = builtin_text("sir").replace("name = \"sir\"", "name = \"my sir\"")
    uploaded = client.post("/api/scenarios", json={"toml": text}).json()
    assert uploaded["name"].startswith("upload:") and uploaded["engine"] == "ode"
    assert client.get(f"/api/scenarios/{uploaded['name']}").json() == uploaded
    state = client.post(
        "/api/runs", json={"scenario": uploaded["name"], "overrides": ["parameters.beta=0.5"]}
    ).json()
    assert state["status"] == "done"
    meta = client.get(f"/api/runs/{state['id']}/files/run.json").json()
    assert meta["scenario_name"] == "my sir"
    assert meta["scenario"]["parameters"]["beta"] == 0.5
    # bad files get the messages jonas validate gives, and files on the server stay out
    bad = client.post("/api/scenarios", json={"toml": text.replace("[run]", "[runn]")})
    assert bad.status_code == 400 and "runn" in bad.json()["error"]
    assert client.post("/api/scenarios", json={"toml": "x = = 1"}).status_code == 400
    with_map = text + '\n[agents]\nmap = "/etc/passwd"\n'
    refused = client.post("/api/scenarios", json={"toml": with_map})
    assert refused.status_code == 400 and "names a file" in refused.json()["error"]
    huge = client.post("/api/scenarios", json={"toml": "#" * 300_000})
    assert huge.status_code == 400 and "KB" in huge.json()["error"]
    assert client.post("/api/scenarios", json={"text": text}).status_code == 400


def test_an_ode_run_answers_at_once(client: TestClient) -> None:
    response = client.post("/api/runs", json={"scenario": "sir"})
    assert response.status_code == 200 and response.json()["status"] == "done"
    result = client.get(f"/api/runs/{response.json()['id']}/result").json()
    names = [t["name"] for t in result["figures"]["curves"]["data"]]
    assert names == ["susceptible (S)", "infected (I)", "recovered (R)"]
    assert "run.json" in result["files"]


def test_bad_values_get_the_cli_s_message(client: TestClient) -> None:
    response = client.post(
        "/api/runs", json={"scenario": "hyosan", "overrides": ["parameters.beta=-1"]}
    )
    assert response.status_code == 400 and "beta" in response.json()["error"]
    assert client.post("/api/runs", json={"scenario": "busan"}).status_code == 400
    assert client.post("/api/runs", content=b"{not json").status_code == 400


def test_a_stochastic_run_is_queued_followed_and_kept(client: TestClient) -> None:
    response = client.post(
        "/api/runs",
        json={"scenario": "hyosan", "replicates": 8, "overrides": ["parameters.alpha=0.02"]},
    )
    assert response.status_code == 202 and response.json()["status"] in ("queued", "running")
    state = _wait(client, response.json()["id"])
    assert state["status"] == "done" and state["done"] == state["total"] == 8
    run_id = state["id"]
    result = client.get(f"/api/runs/{run_id}/result").json()
    assert len(result["seeds"]) == 8 == len(result["metrics"]["survivors"])
    outcome = {row[0]: row for row in result["outcome"]}
    assert outcome["survivors"][5] in ("yes", "no")  # checked against its target
    meta = client.get(f"/api/runs/{run_id}/files/run.json").json()
    assert meta["replicates"] == 8
    assert meta["provenance"]["overrides"] == ["parameters.alpha=0.02"]
    assert client.get(f"/api/runs/{run_id}/files/..%2Frun.json").status_code == 404


def test_a_cancelled_run_stops_and_leaves_nothing(client: TestClient, tmp_path: Path) -> None:
    # (two output times: 100,000 replicates of 218 would be refused as 11.7 GB of outputs)
    response = client.post(
        "/api/runs",
        json={"scenario": "hyosan", "replicates": 100_000, "overrides": ["run.output_every=108"]},
    )
    run_id = response.json()["id"]
    end = time.monotonic() + 60
    while client.get(f"/api/runs/{run_id}").json()["done"] == 0:  # it has started
        assert time.monotonic() < end
        time.sleep(0.05)
    client.delete(f"/api/runs/{run_id}")
    state = _wait(client, run_id, timeout=60)
    assert state["status"] == "cancelled" and state["done"] < 100_000
    assert not (tmp_path / run_id).exists()


def test_the_queue_is_bounded_and_tells_each_run_its_place(tmp_path: Path) -> None:
    import jonas

    jobs = Jobs(tmp_path, max_waiting=2, workers=1)
    try:
        long = jonas.prepare("hyosan", ["run.output_every=108"], replicates=100_000)
        first = jobs.submit(jobs.new({}, long))
        end = time.monotonic() + 60
        while jobs.position(first) is not None:  # the worker has taken it
            assert time.monotonic() < end
            time.sleep(0.02)
        second = jobs.submit(jobs.new({}, long))
        third = jobs.submit(jobs.new({}, long))
        assert (jobs.position(second), jobs.position(third)) == (1, 2)
        with pytest.raises(JonasError, match="at most 2"):
            jobs.submit(jobs.new({}, long))
        jobs.cancel(second)
        assert second.status == "cancelled" and jobs.position(third) == 1
    finally:
        jobs.close()
    assert first.status == "cancelled"


def _browser_page(playwright):
    """Debian's chromium, a page in it, and the page's script errors as they come."""
    assert CHROMIUM.exists(), "the browser tests need Debian's chromium (apt-get install chromium)"
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return browser, page, errors


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(tmp_path: Path):
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(tmp_path, workers=1), port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < end, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_the_page_runs_what_it_is_given_and_shares_it(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page, errors = _browser_page(playwright)
        outside: list[str] = []
        page.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith(server) else None,
        )
        page.goto(server + "/")
        page.select_option("#scenario", "sir")
        page.wait_for_selector("#parameters input[data-name=beta]")
        page.fill("#parameters input[data-name=beta]", "0.5")
        page.click("#run")
        page.wait_for_selector("#curves .main-svg", timeout=60_000)
        shared = page.get_attribute("#share", "href")
        assert "scenario=sir" in shared and "parameters.beta%3D0.5" in shared
        # the shared link reproduces the same run by itself
        page.goto(shared)
        page.wait_for_selector("#curves .main-svg", timeout=60_000)
        assert page.input_value("#parameters input[data-name=beta]") == "0.5"
        assert page.locator("#status").text_content().startswith("done")
        # switch an intervention off: the shared link says so
        page.goto(server + "/?scenario=hyosan&replicates=4")
        page.wait_for_selector("#curves .main-svg", timeout=60_000)
        page.uncheck("#interventions input[type=checkbox][data-index='3']")  # the strike
        page.click("#run")
        page.wait_for_function("document.getElementById('share').href.includes('enabled')")
        page.wait_for_selector("#outcome td", timeout=60_000)
        assert "killed_in_strike" not in page.locator("#outcome").text_content()
        # a click on the map moves the outbreak (and korea's response with it)
        page.select_option("#scenario", "korea")
        page.wait_for_selector("#picker path.js-fill", state="attached", timeout=60_000)
        page.locator("#picker").scroll_into_view_if_needed()
        point = page.evaluate(
            """() => {
              const div = document.getElementById('picker');
              const i = div.data.findIndex(t => t.name.startsWith('Haeundae-gu'));
              const r = div.querySelectorAll('path.js-fill')[i].getBoundingClientRect();
              return [r.x + r.width / 2, r.y + r.height / 2];
            }"""
        )
        page.mouse.click(*point)
        page.wait_for_function("document.getElementById('origin').textContent.startsWith('Hae')")
        code = page.evaluate(
            "document.getElementById('picker').data.find(t => t.name.startsWith('Haeundae'))"
            ".customdata[0]"
        )
        assert f"metapop.outbreak={code}" in page.evaluate("request().overrides")
        # a file of one's own: uploaded, then steered like the others
        from jonas.spec import builtin_text

        own = builtin_text("sir").replace('description = "', 'description = "Mine: ')
        page.set_input_files(
            "#upload",
            files=[{"name": "mine.toml", "mimeType": "text/plain", "buffer": own.encode()}],
        )
        page.wait_for_function("document.getElementById('description').textContent.startsWith('Mine')")
        assert page.locator("#scenario option:checked").text_content() == "mine.toml (uploaded)"
        # a bad value's message is shown in the page
        page.fill("#replicates", "0")
        page.click("#run")
        page.wait_for_function("document.getElementById('error').textContent.length > 0")
        assert "replicates" in page.locator("#error").text_content()
        browser.close()
    assert errors == [] and outside == []


def test_an_unknown_run_is_404(client: TestClient) -> None:
    for response in (
        client.get("/api/runs/nope"),
        client.delete("/api/runs/nope"),
        client.get("/api/runs/nope/result"),
        client.get("/api/runs/nope/files/run.json"),
    ):
        assert response.status_code == 404 and response.json() == {"error": "no such run"}


def test_two_runs_compare_replicate_by_replicate(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page, errors = _browser_page(playwright)
        page.goto(server + "/?scenario=hyosan&replicates=6")
        page.wait_for_selector("#curves .main-svg", timeout=60_000)
        page.click("#keep")
        page.uncheck("#interventions input[type=checkbox][data-index='3']")  # no strike
        page.click("#run")
        page.wait_for_selector("#curves-b .main-svg", timeout=60_000)
        assert page.locator("#paired").text_content().startswith("6 replicates paired")
        cells = page.locator("#differences tr", has_text="survivors").locator("td")
        values = [cells.nth(k).text_content() for k in range(5)]
        a, b, difference = (float(v.replace(",", "")) for v in values[1:4])
        assert b > a and difference > 0  # without the strike, more survive
        browser.close()
    assert errors == []


def test_the_server_keeps_only_its_last_runs(tmp_path: Path) -> None:
    import jonas

    jobs = Jobs(tmp_path, workers=1, max_kept=2)
    try:
        ode = jonas.prepare("sir")
        runs = [jobs.run_now(jobs.new({}, ode)) for _ in range(3)]
        jobs.new({}, ode)  # a new run makes room
        assert [r.folder.exists() for r in runs] == [False, True, True]
        with pytest.raises(KeyError):
            jobs.get(runs[0].id)
    finally:
        jobs.close()


def test_scenarios_compile_in_many_threads_at_once() -> None:
    """The server prepares requests in a thread pool. CPython 3.11's parser, used for rate
    expressions, once failed with two threads parsing at once ("AST constructor recursion
    depth mismatch": a 500 in 2 of 6 runs of benchmarks/bench_serve.py's 20 clients); the
    race is too rare to trigger here at will, so this runs many preparations at once and
    checks every one succeeds."""
    import jonas

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        done = list(pool.map(lambda k: jonas.prepare("hyosan", seed=k), range(64)))
    assert len(done) == 64


def test_a_city_scenario_offers_its_map_to_click(client: TestClient, server: str) -> None:
    city = client.get("/api/scenarios/hyosan-city").json()
    assert city["start_at"] == "Hyosan High School" and city["outbreak"] is None
    figure = client.get("/api/scenarios/hyosan-city/city").json()
    image, places, star = figure["data"]
    assert image["type"] == "image" and image["source"].startswith("data:image/png;base64,")
    assert "Hyosan High School" in places["text"]
    school = places["text"].index("Hyosan High School")
    assert (star["x"][0], star["y"][0]) == (places["x"][school], places["y"][school])
    assert client.get("/api/scenarios/sir/city").status_code == 404
    assert client.get("/api/scenarios/hyosan/city").status_code == 404  # no map: well mixed

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page, errors = _browser_page(playwright)
        page.goto(server + "/")
        page.select_option("#scenario", "hyosan-city")
        # (on a fresh install the server's first city map compiles its kernels: minutes on
        # a busy 2-core machine)
        page.wait_for_function(
            "(document.getElementById('picker').data || [])[0]?.type === 'image'", timeout=240_000
        )
        page.locator("#picker").scroll_into_view_if_needed()
        box = page.locator("#picker .nsewdrag").first.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
        page.wait_for_function("request().overrides.some(o => o.startsWith('agents.start_at='))")
        assert page.locator("#origin").text_content() != "Hyosan High School"
        browser.close()
    assert errors == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port 70000: choose a port from 1 to 65535"),
        (["--workers", "0"], "--workers 0: give at least 1 worker"),
        (["--host", "nonsense.invalid"], "--host 'nonsense.invalid': not an address"),
        (["--port", "TAKEN"], "cannot listen there"),
    ],
)
def test_bad_serve_options_are_refused_before_it_starts(args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from jonas.cli import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = CliRunner().invoke(app, ["serve", *[port if a == "TAKEN" else a for a in args]])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output and "open http" not in result.output


def test_a_city_run_plays_back_in_the_page(server: str) -> None:
    """hyosan-city, its first hours: progress in simulated time while it runs, then the
    city played back (every agent), with a time slider, the clock and the counts."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page, errors = _browser_page(playwright)
        page.goto(server + "/?scenario=hyosan-city&replicates=1&set=run.t_end%3D3")
        page.wait_for_selector(".playback-canvas", timeout=300_000)
        assert page.locator("#extra-list").text_content() == "run.t_end=3"
        frames = page.evaluate("window.player.frames.length")
        assert frames == 7  # every half hour (the output interval) from 0 to 3 hours
        assert page.evaluate("window.player.frames[0].n") == 170_000
        assert page.locator(".playback-clock").text_content() == "day 1, 00:00"
        # the canvas shows the people: many pixels are not the map's
        coloured = page.evaluate(
            """() => {
              const c = document.querySelector('.playback-canvas');
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < d.length; i += 4) if (d[i] === 0x3f && d[i+1] === 0x5a) n++;
              return n;
            }"""
        )
        assert coloured > 10_000  # calm people, #3f5a7a
        page.select_option(".playback-controls select", "30")
        page.click(".playback-controls button")
        page.wait_for_function(  # played to the end, and stopped there
            "document.querySelector('.playback-controls input').value === '6' && "
            "document.querySelector('.playback-controls button').textContent.includes('Play')",
            timeout=10_000,
        )
        assert page.locator(".playback-clock").text_content() == "day 1, 03:00"
        assert "zombies" in page.locator(".playback-caption").text_content()
        page.fill(".playback-controls input", "2")
        page.dispatch_event(".playback-controls input", "input")
        assert page.locator(".playback-clock").text_content() == "day 1, 01:00"
        browser.close()
    assert errors == []


def test_a_country_run_plays_its_map_and_its_files_download(server: str) -> None:
    """korea for two days: the map with the cordon around Uiwang plays (its districts
    fill in), and a file downloads from its link as the server holds it."""
    import json

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser, page, errors = _browser_page(playwright)
        page.goto(server + "/?scenario=korea&replicates=1&set=run.t_end%3D48")
        page.wait_for_selector("#map .main-svg", timeout=300_000)
        names = page.evaluate("document.getElementById('map').data.map(t => t.name || '')")
        assert any(n.startswith("cordon: martial law around Uiwang (closed at 40") for n in names)
        colours = "[...document.querySelectorAll('#map path.js-fill')].map(p => p.style.fill)"
        start = page.evaluate(colours)
        page.locator("#map .updatemenu-button").first.click()  # play
        page.wait_for_function(
            "document.querySelector('#map .slider-group .slider-label')?.textContent"
            ".endsWith('48')",
            timeout=60_000,
        )
        page.wait_for_timeout(300)
        assert page.evaluate(colours) != start  # the districts filled in as it played
        with page.expect_download() as download:
            page.locator("#files a", has_text="run.json").click()
        meta = json.loads(Path(download.value.path()).read_text("utf-8"))
        assert meta["scenario"]["scenario"]["name"] == "korea" and meta["status"] == "complete"
        browser.close()
    assert errors == []
