"""Per-feature contributions by the decision path (Saabas), from leaf indices and tables built once.

LightGBM's `pred_contrib` (TreeSHAP) costs some 600 µs a row on the propensity model, batched or not; the
path attribution needs only the leaf each tree sends the row to (`pred_leaf`, about 1 µs a row) and a sum
of precomputed rows. Along a tree's path, each split's feature is credited with the change in the node's
value from parent to child; the root values are the bias. Like TreeSHAP the contributions and the bias add
up to the raw log-odds exactly; unlike it, they depend on the order of the splits along the path, so a
feature split near the root is credited more. Good enough to say which features drove a score; the exact
TreeSHAP values stay available (`OnlineScorer.contributions`).
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np

from pointflow.intelligence.propensity.metrics import FloatArray

METHOD = "path"  # as stored with each score
_PREDICT: dict[str, Any] = {"num_threads": 1, "predict_disable_shape_check": True}


def _value(node: dict[str, Any]) -> float:
    return float(node["leaf_value"] if "leaf_index" in node else node["internal_value"])


def _walk(node: dict[str, Any], path: FloatArray, table: FloatArray) -> None:
    if "leaf_index" in node:
        table[node["leaf_index"]] = path
        return
    for side in ("left_child", "right_child"):
        child = node[side]
        step = path.copy()
        step[node["split_feature"]] += _value(child) - _value(node)
        _walk(child, step, table)


class PathExplainer:
    """Built once from a Booster: for every tree and leaf, the path's contributions (features, then bias)."""

    def __init__(self, booster: lgb.Booster) -> None:
        self._booster = booster
        dump = booster.dump_model()
        features = int(dump["max_feature_idx"]) + 1
        trees = dump["tree_info"]
        self.table = np.zeros((len(trees), max(t["num_leaves"] for t in trees), features + 1))
        for t, tree in enumerate(trees):
            root = tree["tree_structure"]
            start = np.zeros(features + 1)
            start[-1] = _value(root)
            _walk(root, start, self.table[t])

    def contributions(self, x: FloatArray) -> FloatArray:
        """Rows × (features + 1): each feature's contribution to the raw log-odds, the bias last."""
        leaves = np.asarray(self._booster.predict(x, pred_leaf=True, **_PREDICT), dtype=np.int64)
        leaves = leaves.reshape(x.shape[0], -1)
        summed: FloatArray = np.zeros((x.shape[0], self.table.shape[2]))
        for t in range(self.table.shape[0]):  # a gather a tree beats one large fancy index by half
            summed += self.table[t][leaves[:, t]]
        return summed
