"""``jonas serve``: the browser app on a local web server."""

from __future__ import annotations

import socket
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

    def listen() -> socket.socket:
        """Check the options and take the address, before anything starts: a bad one is
        refused with the option named (a port in use, a host that is no address here)."""
        import importlib.util

        from jonas.ensemble.backends import check_options
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
        check_options("local", workers, None)
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise JonasError(f"--host {host!r}: not an address of this machine ({exc})") from None
        family, kind, proto, _, address = found[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            sock.close()
            raise JonasError(
                f"--host {host} --port {port}: cannot listen there ({exc.strerror}); "
                "choose another --port"
            ) from None
        return sock

    sock = guarded(listen)
    import uvicorn

    from jonas.web.app import create_app

    config = uvicorn.Config(create_app(workers=workers), log_level="warning")
    print(f"jonas serve: open http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    uvicorn.Server(config).run(sockets=[sock])
