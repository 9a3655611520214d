"""The model registry on disk: `<root>/<name>/<version>/` holds one version; never rewritten.

Each version directory holds `metadata.json` (a ModelVersion), `MODEL_CARD.md` and the model's own files
(e.g. LightGBM model text). `<root>/<name>/pointers.json` names the champion and the challenger. A version
is written into a temporary directory and renamed into place, so a reader never sees half a version.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from pointflow.intelligence.registry import ROLES, ModelCard, ModelVersion, is_version, next_version

METADATA = "metadata.json"
CARD = "MODEL_CARD.md"
POINTERS = "pointers.json"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


class RegistryError(Exception):
    """A registry operation that cannot be done: an unknown model, version or role, or an existing version."""


class ModelStore:
    """Versions of named models under one directory, with champion and challenger pointers."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def versions(self, name: str) -> list[str]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and is_version(p.name))

    def register(
        self, version: ModelVersion, files: Mapping[str, str], *, purpose: str, limits: tuple[str, ...] = ()
    ) -> ModelVersion:
        """Write a new version (its label is assigned here); the first of a name becomes champion, later
        ones challenger. Returns the version as written."""
        if not _NAME.fullmatch(version.name):
            raise RegistryError(
                f"unsafe model name {version.name!r}: use lower-case letters, digits, - and _"
            )
        if {METADATA, CARD} & set(files) or any("/" in f or f.startswith(".") for f in files):
            raise RegistryError(f"reserved or unsafe file name among {sorted(files)}")
        folder = self.root / version.name
        folder.mkdir(parents=True, exist_ok=True)
        written = replace(version, version=next_version(self.versions(version.name)))
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
        staging.chmod(0o755)  # mkdtemp makes it private; a registered version is for every reader
        for file_name, text in {
            **files,
            METADATA: written.to_json(),
            CARD: ModelCard(written, purpose, limits).markdown(),
        }.items():
            (staging / file_name).write_text(text, encoding="utf-8")
        try:
            staging.rename(folder / written.version)  # fails if a concurrent writer took the label
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise RegistryError(f"{version.name} {written.version} already exists") from exc
        role = "champion" if self.pointer(written.name, "champion") is None else "challenger"
        self.set_pointer(written.name, role, written.version)
        return written

    def pointers(self, name: str) -> dict[str, str]:
        path = self.root / name / POINTERS
        return dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else {}

    def pointer(self, name: str, role: str) -> str | None:
        return self.pointers(name).get(role)

    def set_pointer(self, name: str, role: str, version: str) -> None:
        """Point `role` (champion or challenger) at an existing version; the file is replaced atomically."""
        if role not in ROLES:
            raise RegistryError(f"unknown role {role!r}; expected one of {ROLES}")
        if version not in self.versions(name):
            raise RegistryError(f"{name} has no version {version}")
        self._write_pointers(name, {**self.pointers(name), role: version})

    def _write_pointers(self, name: str, pointers: Mapping[str, str]) -> None:
        path = self.root / name / POINTERS
        staging = path.with_name(f".{POINTERS}.tmp")
        staging.write_text(json.dumps(dict(pointers), indent=2, sort_keys=True), encoding="utf-8")
        os.replace(staging, path)

    def promote(self, name: str, version: str) -> None:
        """Make `version` the champion (and drop it as challenger if it was)."""
        self.set_pointer(name, "champion", version)
        if self.pointer(name, "challenger") == version:
            self._write_pointers(name, {k: v for k, v in self.pointers(name).items() if k != "challenger"})

    def resolve(self, name: str, ref: str = "champion") -> str:
        """A role (champion, challenger), `latest`, or a version label → an existing version label."""
        versions = self.versions(name)
        label = (
            self.pointer(name, ref)
            if ref in ROLES
            else (versions[-1] if ref == "latest" and versions else ref)
        )
        if label is None or label not in versions:
            raise RegistryError(f"{name}: nothing registered as {ref!r}")
        return label

    def load(self, name: str, ref: str = "champion") -> tuple[ModelVersion, dict[str, str]]:
        """A version's metadata and its model files (the card left out)."""
        folder = self.root / name / self.resolve(name, ref)
        metadata = ModelVersion.from_json((folder / METADATA).read_text(encoding="utf-8"))
        files = {
            p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name not in {METADATA, CARD}
        }
        return metadata, files
