"""Benchmark ``jonas serve`` as a browser and its users meet it: the page's load, an ODE
round trip, the first results of a 20-replicate hyosan, the server's memory, 20 clients
at once, and the city: a hyosan-city run to the strike, its progress in simulated time,
and its playback's frame rate at 170,000 agents in headless Chromium (Debian's).

Run from the repository root (the web extra installed)::

    .venv/bin/python benchmarks/bench_serve.py            # prints the table
    .venv/bin/python benchmarks/bench_serve.py --readme   # ... and writes it into README.md

The server is ``jonas serve`` in its own process on a free port (numba's cache warm: a
first hyosan run is made before timing); the client is httpx in this process. Each
timing is the best of 5 unless said. Targets (issue 17): the ODE round trip under 300 ms,
the first results of a 20-replicate hyosan under 10 s; 20 clients at once, every run
finished and none lost; the city's playback at 20 frames per second or more.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench_ensemble import machine, write_section

START, END = "<!-- serve:start -->", "<!-- serve:end -->"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _children_rss_mb(pid: int) -> float:
    """The server and its worker processes."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    children = [int(p) for p in out.stdout.split() if Path(f"/proc/{p}").exists()]
    return _rss_mb(pid) + sum(_rss_mb(p) for p in children)


def _run(client: httpx.Client, body: dict) -> tuple[float, dict]:
    """Start a run and wait for its result; (seconds, result)."""
    start = time.perf_counter()
    state = client.post("/api/runs", json=body).raise_for_status().json()
    while state["status"] in ("queued", "running"):
        time.sleep(0.05)
        state = client.get(f"/api/runs/{state['id']}").json()
    assert state["status"] == "done", state
    result = client.get(f"/api/runs/{state['id']}/result").raise_for_status().json()
    return time.perf_counter() - start, result


def _city(client: httpx.Client, base: str) -> dict:
    """hyosan-city through the server, then its playback in headless Chromium."""
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    state = client.post("/api/runs", json={"scenario": "hyosan-city", "replicates": 1})
    state = state.raise_for_status().json()
    first = None
    while state["status"] in ("queued", "running"):
        if first is None and state.get("t"):
            first = time.perf_counter() - start
        time.sleep(0.2)
        state = client.get(f"/api/runs/{state['id']}").raise_for_status().json()
    assert state["status"] == "done", state
    client.get(f"/api/runs/{state['id']}/result").raise_for_status()
    run_s = time.perf_counter() - start
    url = f"/api/runs/{state['id']}/files/playback.bin"
    size = len(client.get(url).raise_for_status().content)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(base + "/")
        page.wait_for_selector("#scenario option", state="attached")
        opened = page.evaluate(
            """async (url) => {
              const div = document.getElementById('city');
              document.getElementById('city-section').hidden = false;
              const t0 = performance.now();
              const buffer = await (await fetch(url)).arrayBuffer();
              window.player = await jonasPlayback(div, buffer);
              return performance.now() - t0;
            }""",
            url,
        )
        render = page.evaluate(
            """() => {
              const p = window.player, n = p.frames.length;
              const t0 = performance.now();
              for (let i = 0; i < 2 * n; i++) p.render(i % n);
              return (performance.now() - t0) / (2 * n);
            }"""
        )
        played = page.evaluate(
            """() => new Promise((resolve) => {
              const p = window.player;
              const slider = document.querySelector('.playback-controls input');
              document.querySelector('.playback-controls select').value = '30';
              p.render(0);
              let shown = 0, last = slider.value;
              const t0 = performance.now();
              function count() {
                if (slider.value !== last) { shown += 1; last = slider.value; }
                if (performance.now() - t0 < 3000) requestAnimationFrame(count);
                else { p.pause(); resolve(shown / ((performance.now() - t0) / 1000)); }
              }
              p.play();
              requestAnimationFrame(count);
            })"""
        )
        header = page.evaluate(
            "[window.player.frames.length, Math.max(...window.player.frames.map(f => f.n))]"
        )
        browser.close()
    return {
        "run_s": run_s,
        "first_progress_s": first if first is not None else float("nan"),
        "mb": size / 1e6,
        "frames": header[0],
        "agents": header[1],
        "open_ms": opened,
        "render_ms": render,
        "fps": played,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readme", action="store_true")
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    port = _free_port()
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (the server's messages, shown on failure)
    server = subprocess.Popen(
        [sys.executable, "-c", "from jonas.cli import main; main()", "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        client = httpx.Client(base_url=base, timeout=600)
        end = time.monotonic() + 60
        while True:
            try:
                client.get("/api/scenarios")
                break
            except httpx.TransportError:
                assert time.monotonic() < end, "the server did not start"
                time.sleep(0.2)
        _run(client, {"scenario": "hyosan", "replicates": 20})  # warm: numba, imports
        _run(client, {"scenario": "sir"})
        rows = []

        def best(label: str, fn, n: int = 5) -> float:
            times = []
            for _ in range(n):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
            rows.append((label, min(times)))
            return min(times)

        def page() -> None:
            for path in ("/", "/static/app.js", "/static/style.css", "/static/plotly.min.js"):
                client.get(path).raise_for_status()
            client.get("/api/scenarios").raise_for_status()
            client.get("/api/scenarios/hyosan").raise_for_status()

        best("page load (HTML, scripts incl. plotly.js 4.8 MB, scenario list and hyosan)", page)
        best("ODE round trip (sir: start, run, result)", lambda: _run(client, {"scenario": "sir"}))
        best(
            "ODE round trip (hyosan on the ode engine)",
            lambda: _run(client, {"scenario": "hyosan", "engine": "ode"}),
        )
        best(
            "first results of a 20-replicate hyosan (queue, ensemble, result)",
            lambda: _run(client, {"scenario": "hyosan", "replicates": 20}),
        )
        rss_idle = _children_rss_mb(server.pid)

        def one_client(k: int) -> float:
            with httpx.Client(base_url=base, timeout=900) as own:
                seconds, result = _run(own, {"scenario": "hyosan", "replicates": 20, "seed": k})
                assert result["replicates"] == 20
                return seconds

        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
            # the queue holds 8: clients that are refused try again, as the page tells them
            def patient(k: int) -> float:
                while True:
                    try:
                        return one_client(k)
                    except httpx.HTTPStatusError as exc:
                        if exc.response.status_code != 400:
                            raise
                        time.sleep(0.5)

            seconds = list(pool.map(patient, range(args.clients)))
        wall = time.perf_counter() - start
        rss_busy = _children_rss_mb(server.pid)
        city = _city(client, base)
    except Exception:
        log.seek(0)
        print(log.read()[-5000:], file=sys.stderr)
        raise
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}; best of 5.",
        "",
        "| what | time |",
        "|---|---|",
        *[f"| {label} | {t * 1000:,.0f} ms |" for label, t in rows],
        f"| {args.clients} clients at once, each a 20-replicate hyosan (all finished, none "
        f"lost) | {wall:.1f} s in all; each waited {min(seconds):.1f}–{max(seconds):.1f} s |",
        "",
        f"- Server memory (the server and its worker processes, resident): {rss_idle:,.0f} MB "
        f"after the single runs, {rss_busy:,.0f} MB after the {args.clients} clients.",
        f"- Targets: ODE round trip under 300 ms ({rows[1][1] * 1000:,.0f} ms, "
        f"{'met' if rows[1][1] < 0.3 else 'not met'}); first results of a 20-replicate "
        f"hyosan under 10 s ({rows[3][1]:.1f} s, {'met' if rows[3][1] < 10 else 'not met'}); "
        f"the city's playback at 20 frames/s or more ({city['fps']:.0f} frames/s played, "
        f"{'met' if city['fps'] >= 20 else 'not met'}).",
        "",
        "The city (`hyosan-city`, one replicate to the strike and after, 108 hours):",
        "",
        "| what | figure |",
        "|---|---|",
        f"| run, from the request to its result | {city['run_s']:.1f} s |",
        f"| first progress in simulated time | after {city['first_progress_s']:.1f} s "
        f"(the page then says how far it has got and the time left) |",
        f"| playback.bin | {city['frames']} frames of up to {city['agents']:,} agents, "
        f"{city['mb']:.0f} MB |",
        "| page: fetch and decode the playback, draw the first frame | "
        f"{city['open_ms']:,.0f} ms |",
        f"| one frame drawn (mean over every frame, twice) | {city['render_ms']:.1f} ms "
        f"({1000 / city['render_ms']:.0f} frames/s possible) |",
        f"| played at the page's fastest speed (30 frames/s), frames shown per second | "
        f"{city['fps']:.1f} |",
    ]
    text = "\n".join(lines)
    print(text)
    if args.readme:
        write_section(START, END, text)


if __name__ == "__main__":
    main()
