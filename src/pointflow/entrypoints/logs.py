"""Structured logs (structlog): JSON lines in production, readable lines at a terminal."""

from __future__ import annotations

import logging

import structlog


def configure(level: str = "INFO", *, json: bool = True) -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
    quiet_url_loggers()


# Their INFO and DEBUG lines carry request URLs, and a core's URLs carry customer ids (GET /customers/{id}):
# personal data must not reach the logs (docs/governance.md), so they log warnings only.
URL_LOGGERS = ("httpx", "httpcore")


def quiet_url_loggers() -> None:
    for name in URL_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
