"""`pointflow offers …`: the shadow report (AI choices beside the rule-based baseline) and the expiry job."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pointflow.adapters.db import offer_views
from pointflow.bootstrap import bootstrap
from pointflow.domain.offer_report import ShadowReport, shadow_report
from pointflow.service_layer.offer_commands import expire_offers
from pointflow.service_layer.offer_decisions import OfferEngine
from pointflow.service_layer.offer_jobs import run_offer_triggers

offers_app = typer.Typer(help="Next-best offers: shadow report and jobs.", no_args_is_help=True)
out = Console()


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@offers_app.command("shadow-report")
def shadow(
    since: Annotated[str, typer.Option(help="first day (YYYY-MM-DD) of decisions to compare")] = "1970-01-01",
    until: Annotated[str | None, typer.Option(help="last day (YYYY-MM-DD), inclusive; default today")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object instead of a table")] = False,
) -> None:
    """Compare the AI's offer choices with the rule-based baseline on expected cost and response."""
    with bootstrap() as container:
        last = date.fromisoformat(until) if until else container.clock().date()
        with container.db.reader.connect() as conn:
            records = offer_views.decision_records(
                conn, since=_start(date.fromisoformat(since)), until=_start(last + timedelta(days=1))
            )
            report = shadow_report(records)
    if as_json:
        print(json.dumps(report.as_dict(), sort_keys=True))
        return
    _print(report)


def _print(report: ShadowReport) -> None:
    out.print(
        f"{report.decisions} decisions; {report.compared} compared (model choice vs rules), "
        f"{report.agreed} agreed; {report.fallbacks} used the rule-based offer (no model or unsure); "
        f"{report.explored} explored. Actions: {report.by_action}"
    )
    table = Table("policy", "offers", "expected cost", "expected accepts", "expected net value")
    for name, side in (("AI", report.ai), ("rule-based baseline", report.baseline)):
        table.add_row(
            name,
            str(side.offers),
            f"{side.expected_cost:.2f}",
            f"{side.expected_accepts:.2f}",
            f"{side.expected_value:.2f}",
        )
    out.print(table)


@offers_app.command("expire")
def expire(
    as_of: Annotated[str, typer.Option(help="ISO date or date-time (UTC); the job is idempotent for it")],
) -> None:
    """Expire pending approvals due by AS_OF and mark issued offers whose validity ended then ignored."""
    moment = datetime.fromisoformat(as_of)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    with bootstrap() as container:
        result = expire_offers(moment, container.offer_deps())
    print(json.dumps({"as_of": moment.isoformat(), **result.as_dict()}))


@offers_app.command("run")
def run(
    as_of: Annotated[str, typer.Option(help="YYYY-MM-DD; the job decides once per member and date")],
) -> None:
    """Evaluate anniversaries, score crossings, expiring points and schedules for every member."""
    with bootstrap() as container:
        if not isinstance(container.offers, OfferEngine):
            raise typer.BadParameter("offers are switched off in this deployment")
        result = run_offer_triggers(
            date.fromisoformat(as_of),
            sessions=container.sessions,
            engine=container.offers,
            programme=lambda: container.programmes.active().programme,
        )
    print(json.dumps(result.as_dict()))
