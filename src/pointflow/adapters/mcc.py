"""Merchant category codes from the ISO 18245 data of the `iso18245` package."""

from __future__ import annotations

from functools import lru_cache

import iso18245


@lru_cache(maxsize=2048)
def mcc_range(mcc: str) -> str | None:
    """The ISO 18245 range description of an MCC ("Transportation"), or None if it is not assigned."""
    try:
        return str(iso18245.get_mcc(mcc).range.description)
    except (iso18245.MCCNotFound, iso18245.InvalidMCC):
        return None


@lru_cache(maxsize=2048)
def mcc_description(mcc: str) -> str | None:
    try:
        return str(iso18245.get_mcc(mcc).iso_description)
    except (iso18245.MCCNotFound, iso18245.InvalidMCC):
        return None


def is_known(mcc: str) -> bool:
    return mcc_range(mcc) is not None
