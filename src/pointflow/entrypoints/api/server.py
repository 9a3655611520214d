"""Run the API under uvicorn, tuned for steady latency."""

from __future__ import annotations

import gc
import threading

import uvicorn

from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app

CHECKPOINT_SECONDS = 1.0


def serve(container: Container, *, host: str, port: int) -> None:
    app = create_app(container)
    stop = threading.Event()
    if container.db.is_sqlite:
        # Checkpoint the WAL beside the request path, so that no commit pays for a large checkpoint.
        threading.Thread(target=_checkpoints, args=(container, stop), daemon=True).start()
    # Objects built at start-up live for the whole process: keep them out of every collection, and collect
    # young objects less often, so that full collections do not land on requests as pauses.
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        stop.set()


def _checkpoints(container: Container, stop: threading.Event) -> None:
    while not stop.wait(CHECKPOINT_SECONDS):
        container.db.checkpoint()
