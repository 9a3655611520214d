"""`pointflow drift …` and `pointflow fairness …`: the governance jobs and what they found."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pointflow.adapters.db import governance_store
from pointflow.adapters.scoring import MODEL
from pointflow.bootstrap import Container, bootstrap

drift_app = typer.Typer(
    help="Drift of the champion model against its training reference.", no_args_is_help=True
)
fairness_app = typer.Typer(help="Offer outcomes by segment and age band, with parity.", no_args_is_help=True)
out = Console()
AsOf = Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today, UTC)")]
AsJson = Annotated[bool, typer.Option("--json", help="one JSON object instead of tables")]


def register(app: typer.Typer) -> None:
    app.add_typer(drift_app, name="drift")
    app.add_typer(fairness_app, name="fairness")


def _day(container: Container, as_of: str | None) -> date:
    return date.fromisoformat(as_of) if as_of else container.clock().date()


def _dump(value: Any) -> None:
    print(json.dumps(value, sort_keys=True, default=str))


@drift_app.command("check")
def drift_check(as_of: AsOf = None, as_json: AsJson = False) -> None:
    """PSI and KS per feature and of the served scores; alerts, and the rule fallback past the threshold."""
    from pointflow.entrypoints.governance_jobs import check_drift  # NumPy and the model only when asked

    with bootstrap() as container:
        run = check_drift(container, _day(container, as_of))
    if as_json:
        _dump(run.as_dict())
        return
    if run.skipped:
        out.print(f"{run.model} {run.version or ''} as of {run.as_of}: skipped ({run.skipped})")
        return
    table = Table("series", "values", "PSI", "KS", "status")
    for m in sorted(run.measured, key=lambda m: -m.psi):
        table.add_row(
            m.name, str(m.rows), f"{m.psi:.4f}", "" if m.ks is None else f"{m.ks:.4f}", m.status.value
        )
    out.print(table)
    state = "ON (scoring uses the rule)" if run.fallback_active else "off"
    out.print(f"{run.model} {run.version} as of {run.as_of}: {run.verdict}; drift fallback {state}")


@drift_app.command("status")
def drift_status(as_json: AsJson = False) -> None:
    """The newest check of the champion's model, the fallback switches and recent drift alerts."""
    with bootstrap() as container, container.db.reader.connect() as conn:
        body = {
            "latest": governance_store.latest_drift(conn, model=MODEL),
            "fallbacks": governance_store.fallbacks(conn),
            "alerts": governance_store.recent_alerts(conn, kind="drift", limit=20),
        }
    if as_json:
        _dump(body)
        return
    for row in body["fallbacks"]:
        state = "ON" if row["active"] else "off"
        out.print(f"{row['model']}/{row['version']}: fallback {state} since {row['as_of']} — {row['reason']}")
    for alert in body["alerts"]:
        out.print(f"{alert['as_of']} {alert['level']}: {alert['message']}")
    if not (body["latest"] or body["fallbacks"]):
        out.print("no drift check yet: run `pointflow drift check`")


@fairness_app.command("report")
def fairness_report(
    as_of: AsOf = None,
    as_json: AsJson = False,
    fill_bands: Annotated[
        bool, typer.Option(help="first read missing age bands from the core's customer master")
    ] = True,
) -> None:
    """Offer rate, approval rate and mean offer value by segment and age band; ratios and alerts."""
    from pointflow.entrypoints.governance_jobs import fairness

    with bootstrap() as container:
        report = fairness(container, _day(container, as_of), fill_bands=fill_bands)
    if as_json:
        _dump(report)
        return
    _print(report)


def _print(report: dict[str, Any]) -> None:
    for dimension, rows in report["groups"].items():
        table = Table(dimension, "members", "offer rate", "approval rate", "avg offer value", "offers issued")
        for r in rows:
            table.add_row(
                str(r["group"]),
                str(r["members"]),
                _rate(r["offer_rate"]),
                _rate(r["approval_rate"]),
                "" if r["avg_offer_value"] is None else f"{r['avg_offer_value']:.2f}",
                str(r["offers_issued"]),
            )
        out.print(table)
    for p in report["parity"]:
        ratios = ", ".join(f"{g} {'—' if v is None else f'{v:.2f}'}" for g, v in p["ratios"].items())
        flag = f"  OUT OF BAND: {', '.join(p['out_of_band'])}" if p["out_of_band"] else ""
        out.print(f"{p['dimension']} {p['metric']} vs {p['reference']}: {ratios}{flag}")
    for note in report["notes"]:
        out.print(f"note: {note}")


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"
