"""Run the API under uvicorn, tuned for steady latency."""

from __future__ import annotations

import uvicorn

from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app
from pointflow.entrypoints.tuning import long_running


def serve(container: Container, *, host: str, port: int) -> None:
    app = create_app(container)
    with long_running(container.db):
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
