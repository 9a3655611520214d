"""Buy-till-you-die customer lifetime value: BG/NBD, Pareto/NBD and Gamma-Gamma by maximum likelihood."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pointflow.intelligence.clv import bgnbd, gammagamma, paretonbd
from pointflow.intelligence.clv.bgnbd import BgNbd
from pointflow.intelligence.clv.fitting import Optimum
from pointflow.intelligence.clv.gammagamma import GammaGamma
from pointflow.intelligence.clv.paretonbd import ParetoNbd
from pointflow.intelligence.clv.summary import Summary, read_summary_csv, read_transaction_log, summarise


class FittedModel(Protocol):
    """What every fitted model can say about itself."""

    @property
    def name(self) -> str: ...

    def params(self) -> dict[str, float]: ...


FITTERS: dict[str, Callable[[Summary], tuple[FittedModel, Optimum]]] = {
    "bgnbd": bgnbd.fit,
    "paretonbd": paretonbd.fit,
    "gammagamma": gammagamma.fit,
}

__all__ = [
    "FITTERS",
    "BgNbd",
    "FittedModel",
    "GammaGamma",
    "Optimum",
    "ParetoNbd",
    "Summary",
    "read_summary_csv",
    "read_transaction_log",
    "summarise",
]
