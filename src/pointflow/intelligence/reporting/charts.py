"""The report's pictures as PNG bytes (matplotlib, Agg): calibration curves, lift by decile, liability."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_SIZE = (7.5, 4.2)
_DPI = 100


def _figure() -> tuple[Figure, Axes]:
    import matplotlib

    matplotlib.use("Agg")  # no display: a report is built on servers and in CI
    from matplotlib import pyplot as plt

    return plt.subplots(figsize=_SIZE)


def _png(figure: Figure) -> bytes:
    from matplotlib import pyplot as plt

    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    plt.close(figure)
    return buffer.getvalue()


def _plain(label: str) -> str:
    """Matplotlib reads `$…$` as maths; a candidate's name is shown as typed."""
    return label.replace("$", r"\$")


def calibration_png(curves: Mapping[str, Sequence[Mapping[str, Any]]]) -> bytes:
    """Predicted probability against the observed rate per bin, one line per candidate, and the diagonal."""
    figure, axis = _figure()
    axis.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfectly calibrated")
    for name, bins in curves.items():
        axis.plot(
            [float(b["predicted"]) for b in bins],
            [float(b["observed"]) for b in bins],
            marker="o",
            label=_plain(name),
        )
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel("predicted probability of redeeming (bin mean)")
    axis.set_ylabel("observed share who redeemed")
    axis.set_title("Calibration on the test months: closer to the diagonal is better")
    axis.legend(fontsize="small")
    return _png(figure)


def lift_png(lifts: Mapping[str, Sequence[float]]) -> bytes:
    """Lift per decile (1 = highest scores), grouped bars per candidate, with the no-model line at 1."""
    figure, axis = _figure()
    width = 0.8 / max(len(lifts), 1)
    for i, (name, values) in enumerate(lifts.items()):
        positions = [d + 1 - 0.4 + width * (i + 0.5) for d in range(len(values))]
        axis.bar(positions, list(values), width=width, label=_plain(name))
    axis.axhline(1.0, color="grey", linestyle="--", label="no model (lift 1)")
    axis.set_xticks(range(1, 11))
    axis.set_xlabel("decile of members by score (1 = most likely to redeem)")
    axis.set_ylabel("lift (× the average redemption rate)")
    axis.set_title("Lift by decile on the test months")
    axis.legend(fontsize="small")
    return _png(figure)


def liability_png(report: Mapping[str, Any]) -> bytes:
    """Expected redemptions and expiries per month (stacked bars) and the outstanding points (line)."""
    figure, axis = _figure()
    months = [str(m["month"]) for m in report["months"]]
    redeemed = [m["expected_redeemed_points"] for m in report["months"]]
    axis.bar(months, redeemed, label="expected redemptions")
    axis.bar(
        months,
        [m["expected_expired_points"] for m in report["months"]],
        bottom=redeemed,
        label="expected expiries (breakage)",
    )
    axis.plot(
        months, [m["outstanding_end_points"] for m in report["months"]], color="black", label="outstanding"
    )
    axis.set_ylabel("points")
    axis.set_xlabel("month")
    axis.set_title(f"Points liability forecast from {report['as_of']}")
    axis.legend(fontsize="small")
    axis.tick_params(axis="x", rotation=45)
    return _png(figure)
