"""``jonas serve``'s application: the page and its JSON API (Starlette, served by uvicorn).

The API, which scripts can use too (docs/serve.md):

- ``GET /api/scenarios``: the built-in scenarios;
- ``POST /api/scenarios`` with ``{"toml": "..."}``: an uploaded scenario file, checked as
  ``jonas validate`` checks one (it may not name files); answered as the next one is, under
  the name (``upload:…``) that runs it;
- ``GET /api/scenarios/{name}``: one, as the page steers it (parameters with their notes,
  interventions, engines, seed, replicates, the outbreak's regions);
- ``GET /api/scenarios/{name}/map``: a country scenario's regions to click on (a plotly.js
  figure; each region's code in its ``customdata``);
- ``GET /api/scenarios/{name}/city``: a city scenario's map to click on (a plotly.js
  figure in metres: the land use as an image, the named places, where it starts);
- ``POST /api/runs`` with ``{"scenario", "overrides", "engine", "seed", "replicates"}``:
  checked as ``jonas run`` checks it (400 with the same message if it is bad); a
  deterministic run answers at once (``status`` "done"), a stochastic one is queued (202,
  with its ``position``);
- ``GET /api/runs/{id}``: where it stands (status, position, replicates done of total);
- ``DELETE /api/runs/{id}``: cancel it (its folder goes);
- ``GET /api/runs/{id}/result``: the outcome table, the summary and the figures
  (plotly.js specifications, as in report.html), and the files to download;
- ``GET /api/runs/{id}/files/{name}``: one of those files.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from jonas.errors import JonasError
from jonas.files import write_atomic
from jonas.web import catalogue
from jonas.web.jobs import Job, Jobs

STATIC = "jonas.web.static"
#: uploaded scenarios the server keeps at once (the oldest goes first)
MAX_UPLOADS = 100


class NoSuchRun(Exception):
    """A run id the server does not know (404)."""


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _prepare(body: dict[str, Any], uploads: dict[str, Path]) -> tuple[dict[str, Any], Any]:
    """A run request checked as ``jonas run`` checks its arguments."""
    from jonas.api import prepare
    from jonas.spec import builtin_names
    from jonas.spec.sources import provenance

    name = body.get("scenario")
    source = uploads.get(name) if isinstance(name, str) else None
    if name not in builtin_names() and source is None:
        raise JonasError(f"scenario: choose a built-in scenario or upload one, not {name!r}")
    overrides = body.get("overrides") or []
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise JonasError("overrides: a list of 'section.key=value' strings")
    options = {k: body.get(k) for k in ("engine", "seed", "replicates")}
    prepared = prepare(source or name, overrides, **options)
    if prepared.engine.on_map(prepared.scenario):  # the page plays the city back
        prepared = prepare(source or name, [*overrides, *_playback(prepared)], **options)
    request = {"scenario": name, "overrides": overrides, **options}
    request["provenance"] = provenance(source or name, overrides, options)
    return request, prepared


#: frames a city's playback shows at most (each is five bytes an agent)
PLAYBACK_FRAMES = 120


def _playback(prepared: Any) -> list[str]:
    """What a run on a city map records for the page's playback: every agent (up to the
    engine's limit), in at most about PLAYBACK_FRAMES frames (plus one at each event),
    unless the scenario chose its own."""
    agents = prepared.scenario.agents
    people = int(sum(prepared.scenario.initial.values()))
    chosen = [f"agents.frame_points={min(max(people, agents.frame_points), 1_000_000)}"]
    if agents.frame_every is None:
        times = prepared.times
        interval = float(times[1] - times[0]) if times.size > 1 else float(times[-1])
        every = max(interval, float(times[-1]) / PLAYBACK_FRAMES)
        chosen.append(f"agents.frame_every={every:.6g}")
    return chosen


def _closing(jobs: Jobs) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        jobs.close()  # running ensembles stop at their next batch

    return lifespan


def create_app(root: Path | None = None, workers: int | None = None) -> Starlette:
    """The application; runs go in folders under ``root`` (a new temporary folder by
    default), which the server owns."""
    root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="jonas-serve-"))
    jobs = Jobs(root, workers=workers)
    uploads: dict[str, Path] = {}  # "upload:<token>" -> the file the server keeps
    cities: dict[str, Any] = {}  # scenario name -> its city to click on

    def job_of(request: Request) -> Job:
        try:
            return jobs.get(request.path_params["id"])
        except KeyError:
            raise NoSuchRun from None

    async def index(request: Request) -> Response:
        page = resources.files(STATIC).joinpath("index.html").read_text("utf-8")
        return Response(page, media_type="text/html")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "plotly.min.js":
            from jonas.outputs.writers.report import plotly_js

            return Response(plotly_js(), media_type="text/javascript")
        if name == "playback.js":
            from jonas.outputs.writers.playback import player_js

            return Response(player_js(), media_type="text/javascript")
        if name not in ("app.js", "style.css"):
            return _error(f"no such file {name!r}", 404)
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return Response(resources.files(STATIC).joinpath(name).read_text("utf-8"), media_type=kind)

    async def list_scenarios(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(catalogue.scenarios))

    async def one_scenario(request: Request) -> Response:
        from jonas.spec import builtin_names

        name = request.path_params["name"]
        if name not in builtin_names() and name not in uploads:
            return _error(f"no scenario {name!r}", 404)
        return JSONResponse(await run_in_threadpool(catalogue.scenario, name, uploads.get(name)))

    async def upload(request: Request) -> Response:
        """A scenario file from the page: checked, kept in the server's folder, and
        steered and run like a built-in one under the name it is given back."""
        try:
            body = await request.json()
            text = body["toml"]
            assert isinstance(text, str)
        except (ValueError, KeyError, TypeError, AssertionError):
            return _error('upload: send {"toml": "the scenario file\'s text"}')
        try:
            await run_in_threadpool(catalogue.check_upload, text)
        except JonasError as exc:
            return _error(str(exc))
        name = f"upload:{uuid.uuid4().hex[:12]}"
        folder = root / "uploads"
        folder.mkdir(exist_ok=True)
        path = folder / f"{name.split(':')[1]}.toml"
        write_atomic(path, lambda p: p.write_text(text, "utf-8"))
        while len(uploads) >= MAX_UPLOADS:  # the oldest goes
            uploads.pop(next(iter(uploads))).unlink(missing_ok=True)
        uploads[name] = path
        return JSONResponse(await run_in_threadpool(catalogue.scenario, name, path))

    async def one_map(request: Request) -> Response:
        from jonas.spec import builtin_names

        name = request.path_params["name"]
        figure = None
        if name in builtin_names() or name in uploads:
            figure = await run_in_threadpool(catalogue.regions_map, uploads.get(name, name))
        if figure is None:
            return _error(f"no built-in scenario {name!r} with regions", 404)
        return JSONResponse(figure)

    async def one_city(request: Request) -> Response:
        from jonas.spec import builtin_names

        name = request.path_params["name"]
        figure = None
        if name in builtin_names() or name in uploads:
            if name not in cities:  # drawing the city takes a second: once per scenario
                cities[name] = await run_in_threadpool(catalogue.city_map, uploads.get(name, name))
            figure = cities[name]
        if figure is None:
            return _error(f"no built-in scenario {name!r} on a city map", 404)
        return JSONResponse(figure)

    async def start(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return _error("the request is not JSON")
        if not isinstance(body, dict):
            return _error("the request is a JSON object")
        try:
            asked, prepared = await run_in_threadpool(_prepare, body, uploads)
            job = jobs.new(asked, prepared)
            if prepared.engine.deterministic:
                await run_in_threadpool(jobs.run_now, job)
                return JSONResponse(job.state(None))
            jobs.submit(job)
        except JonasError as exc:
            return _error(str(exc))
        return JSONResponse(job.state(jobs.position(job)), status_code=202)

    async def status(request: Request) -> Response:
        job = job_of(request)
        return JSONResponse(job.state(jobs.position(job)))

    async def cancel(request: Request) -> Response:
        job = job_of(request)
        jobs.cancel(job)
        return JSONResponse(job.state(jobs.position(job)))

    def _result(job: Job) -> dict[str, Any]:
        from jonas.outputs.finished import open_run
        from jonas.outputs.writers.report import outcome_rows, run_figures

        run = open_run(job.folder)
        table = run.table
        return {
            "outcome": outcome_rows(run.summary),
            "figures": run_figures(run),
            "files": sorted(p.name for p in job.folder.iterdir() if p.is_file()),
            "replicates": run.replicates,
            # each replicate's metrics, by seed: two runs compare replicate by replicate
            "seeds": table["seed"].tolist(),
            "metrics": {
                name: [None if v != v else float(v) for v in table[name].tolist()]
                for name in run.summary["metrics"]
            },
        }

    async def result(request: Request) -> Response:
        job = job_of(request)
        if job.status != "done":
            return _error(f"the run is {job.status}", 409)
        return JSONResponse(await run_in_threadpool(_result, job))

    async def download(request: Request) -> Response:
        job = job_of(request)
        name = request.path_params["name"]
        path = job.folder / name
        if job.status != "done" or "/" in name or name.startswith(".") or not path.is_file():
            return _error(f"no such file {name!r}", 404)
        return FileResponse(path, filename=name)

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/static/{name}", static),
            Route("/api/scenarios", list_scenarios),
            Route("/api/scenarios", upload, methods=["POST"]),
            Route("/api/scenarios/{name}", one_scenario),
            Route("/api/scenarios/{name}/map", one_map),
            Route("/api/scenarios/{name}/city", one_city),
            Route("/api/runs", start, methods=["POST"]),
            Route("/api/runs/{id}", status),
            Route("/api/runs/{id}", cancel, methods=["DELETE"]),
            Route("/api/runs/{id}/result", result),
            Route("/api/runs/{id}/files/{name}", download),
        ],
        lifespan=_closing(jobs),
        exception_handlers={NoSuchRun: lambda request, exc: _error("no such run", 404)},
    )
    app.state.jobs = jobs
    return app
