"""Behaviour segments with stable ids across refreshes and a plain-language description of each."""

from pointflow.intelligence.segments.describe import profiles
from pointflow.intelligence.segments.features import FEATURES, behaviour_features
from pointflow.intelligence.segments.model import Segmentation, refresh

__all__ = ["FEATURES", "Segmentation", "behaviour_features", "profiles", "refresh"]
