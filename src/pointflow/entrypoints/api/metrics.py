"""Prometheus metrics, one registry per app so that tests and workers never share counters."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.events = Counter(
            "pointflow_events_total",
            "Inbound events by connector and outcome",
            ["connector", "status"],
            registry=self.registry,
        )
        self.points = Counter(
            "pointflow_points_accrued_total", "Points accrued through ingest", registry=self.registry
        )
        self.redemptions = Counter(
            "pointflow_redemptions_total", "Redemptions by outcome", ["status"], registry=self.registry
        )
        self.latency = Histogram(
            "pointflow_http_request_seconds",
            "HTTP request latency",
            ["route", "method", "status"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
