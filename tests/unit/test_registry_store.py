"""The model registry on disk: new versions only, champion and challenger pointers, loading by role."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pointflow.adapters.model_store import CARD, METADATA, ModelStore, RegistryError
from pointflow.intelligence.registry import ModelVersion

VERSION = ModelVersion(
    name="propensity",
    version="",
    created_at=datetime(2026, 1, 2, tzinfo=UTC),
    kind="lightgbm",
    training_window={"months": 9},
    features=("x",),
    metrics={"auc": 0.7},
)


def _register(store: ModelStore, model_text: str = "tree") -> ModelVersion:
    return store.register(VERSION, {"model.txt": model_text}, purpose="A test model.")


def test_the_first_version_is_champion_and_later_ones_challengers(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    first, second, third = (_register(store, t) for t in ("one", "two", "three"))
    assert (first.version, second.version, third.version) == ("v0001", "v0002", "v0003")
    assert store.pointers("propensity") == {"champion": "v0001", "challenger": "v0003"}
    metadata, files = store.load("propensity", "champion")
    assert (metadata.version, files) == ("v0001", {"model.txt": "one"})
    assert store.load("propensity", "latest")[1] == {"model.txt": "three"}
    folder = tmp_path / "propensity" / "v0002"
    assert {p.name for p in folder.iterdir()} == {"model.txt", METADATA, CARD}
    assert "A test model." in (folder / CARD).read_text()
    assert folder.stat().st_mode & 0o055 == 0o055  # readable by group and others, like any other file


def test_registering_never_touches_an_existing_version(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    _register(store, "original")
    before = {p.name: p.read_bytes() for p in (tmp_path / "propensity" / "v0001").iterdir()}
    _register(store, "newer")
    after = {p.name: p.read_bytes() for p in (tmp_path / "propensity" / "v0001").iterdir()}
    assert before == after
    assert not [p for p in (tmp_path / "propensity").iterdir() if p.name.startswith(".")]


def test_promotion_moves_the_champion_and_clears_the_challenger(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    _register(store)
    _register(store)
    store.promote("propensity", "v0002")
    assert store.pointers("propensity") == {"champion": "v0002"}


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda s: s.load("propensity"), "nothing registered"),
        (lambda s: s.load("propensity", "v0009"), "nothing registered"),
        (lambda s: s.set_pointer("propensity", "champion", "v0009"), "no version"),
        (lambda s: s.set_pointer("propensity", "king", "v0001"), "unknown role"),
    ],
)
def test_unknown_versions_and_roles_are_refused(tmp_path: Path, action: object, message: str) -> None:
    store = ModelStore(tmp_path)
    assert callable(action)
    with pytest.raises(RegistryError, match=message):
        action(store)


@pytest.mark.parametrize("name", [METADATA, CARD, "../escape.txt", ".hidden"])
def test_reserved_and_unsafe_file_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(RegistryError, match="unsafe"):
        ModelStore(tmp_path).register(replace(VERSION), {name: "x"}, purpose="p")


@pytest.mark.parametrize("name", ["../up", "a/b", "", "Upper"])
def test_unsafe_model_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(RegistryError, match="unsafe model name"):
        ModelStore(tmp_path).register(replace(VERSION, name=name), {"model.txt": "x"}, purpose="p")
    assert list(tmp_path.iterdir()) == []
