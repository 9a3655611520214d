"""Scoring members in the hot path: the fallback rule (no libraries) and the online feature rows (NumPy).

Nothing here imports LightGBM or Polars, so a service without a registered model loads neither.
"""
