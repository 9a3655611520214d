"""Redemption propensity: P(redeem next month) and the preferred reward type, per month-end snapshot."""

from pointflow.intelligence.propensity.dataset import (
    REWARD_TYPES,
    History,
    feature_columns,
    history_from_tables,
    snapshot_features,
    training_set,
)
from pointflow.intelligence.propensity.model import PropensityModel
from pointflow.intelligence.propensity.training import TimeSplit, TrainingResult, time_split, train_propensity

__all__ = [
    "REWARD_TYPES",
    "History",
    "PropensityModel",
    "TimeSplit",
    "TrainingResult",
    "feature_columns",
    "history_from_tables",
    "snapshot_features",
    "time_split",
    "train_propensity",
    "training_set",
]
