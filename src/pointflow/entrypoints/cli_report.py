"""`pointflow report models`: one self-contained HTML page on the registered models and the liability."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from pointflow.adapters.model_store import CARD, ModelStore
from pointflow.bootstrap import bootstrap
from pointflow.config import Settings
from pointflow.entrypoints.cli_forecast import liability_report
from pointflow.entrypoints.cli_models import registry_dir
from pointflow.intelligence.registry import ROLES
from pointflow.intelligence.reporting.models import LiabilityView, RegisteredModel, models_report

report_app = typer.Typer(help="Reports for people, as self-contained HTML.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


@report_app.command("models")
def models(
    out: Annotated[Path, typer.Option(dir_okay=False, help="The HTML file to write")],
    registry: Annotated[
        Path | None, typer.Option(help="The model registry directory (default: POINTFLOW_MODEL_REGISTRY_DIR)")
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="POINTFLOW_DATABASE_URL", help="The ledger for the liability forecast; none: skip"
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Liability as-of date, YYYY-MM-DD; today if omitted")
    ] = None,
    horizon: Annotated[int, typer.Option(min=1, max=60, help="Months of liability forecast")] = 12,
    history: Annotated[int, typer.Option(min=1, max=60, help="Months of history for the hazard")] = 12,
) -> None:
    """Every champion and challenger (card, metrics beside baselines, calibration, lift) and the liability."""
    day = date.fromisoformat(as_of) if as_of else date.today()
    page = models_report(
        registered(ModelStore(registry_dir(registry))),
        _liability(database_url, day, horizon, history),
        generated_at=datetime.now(UTC),
        registry=str(registry_dir(registry)),
    )
    out.write_text(page, encoding="utf-8")
    typer.echo(str(out))


def registered(store: ModelStore) -> list[RegisteredModel]:
    """Each model's champion then challenger, models by name; versions without a role are left out."""
    names = sorted(p.name for p in store.root.iterdir() if p.is_dir()) if store.root.is_dir() else []
    found: list[RegisteredModel] = []
    for name in names:
        for role in ROLES:
            if store.pointer(name, role) is None:
                continue
            label = store.resolve(name, role)
            metadata, _ = store.load(name, label)
            card = (store.root / name / label / CARD).read_text(encoding="utf-8")
            found.append(RegisteredModel(role, metadata, card))
    return found


def _liability(database_url: str | None, day: date, horizon: int, history: int) -> LiabilityView:
    if database_url is None:
        return LiabilityView(
            None, "No database configured (--database-url): the liability forecast is skipped."
        )
    container = bootstrap(Settings(database_url=database_url))
    try:
        report = liability_report(container, day, horizon, history)
    finally:
        container.close()
    if not report.get("outstanding_points"):
        return LiabilityView(None, f"No outstanding points lots on {day.isoformat()}: nothing to forecast.")
    return LiabilityView(report)
