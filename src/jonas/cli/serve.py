"""``jonas serve``: the browser app on a local web server."""

from __future__ import annotations

from typing import Annotated

import typer

from jonas.cli.common import WorkersOption, app, guarded


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(metavar="HOST", help="Address to listen on (127.0.0.1: this machine).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 8000,
    workers: WorkersOption = None,
) -> None:
    """Start the browser app: choose a scenario, steer it, run it and see it (needs
    jonas\\[web]). Runs are queued and run one at a time on all cores."""

    def check() -> None:
        import importlib.util

        from jonas.errors import JonasError

        needed = ("starlette", "uvicorn", "plotly")
        missing = [m for m in needed if importlib.util.find_spec(m) is None]
        if missing:
            raise JonasError(
                f"jonas serve needs {', '.join(missing)}: install them with "
                "pip install 'jonas[web]'"
            )
        if not 0 < port < 65536:
            raise JonasError(f"--port {port}: choose a port from 1 to 65535")

    guarded(check)
    import uvicorn

    from jonas.web.app import create_app

    print(f"jonas serve: open http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    uvicorn.run(create_app(workers=workers), host=host, port=port, log_level="warning")
