"""Dependencies point inward: the domain imports no framework, the service layer no adapter or entrypoint."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pointflow

PACKAGE = Path(pointflow.__file__).parent
FRAMEWORKS = frozenset(
    {"sqlalchemy", "fastapi", "starlette", "faststream", "polars", "lightgbm", "httpx", "yaml", "uvicorn"}
)
OUTER_LAYERS_OF_DOMAIN = ("pointflow.adapters", "pointflow.entrypoints", "pointflow.service_layer")
OUTER_LAYERS_OF_SERVICES = ("pointflow.adapters", "pointflow.entrypoints")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module an import statement anywhere in `source` names, relative imports made absolute.

    `from a import b` yields both `a` and `a.b`, since `b` may be a submodule.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = resolve(node, module, is_package=is_package)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def resolve(node: ast.ImportFrom, module: str, *, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    anchor = package[: len(package) - (node.level - 1)]
    return ".".join([*anchor, *([node.module] if node.module else [])])


def imports_of(path: Path) -> set[str]:
    return imported_modules(
        path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py"
    )


def offending(imports: set[str], *, frameworks: frozenset[str], layers: tuple[str, ...]) -> list[str]:
    return sorted(
        name
        for name in imports
        if name.split(".")[0] in frameworks
        or any(name == layer or name.startswith(f"{layer}.") for layer in layers)
    )


DOMAIN_FILES = sorted((PACKAGE / "domain").glob("*.py"))
SERVICE_FILES = sorted((PACKAGE / "service_layer").rglob("*.py"))
INTELLIGENCE_FILES = sorted((PACKAGE / "intelligence").rglob("*.py"))
INTELLIGENCE_MAY_IMPORT = ("pointflow.domain", "pointflow.governance", "pointflow.intelligence")


def test_the_layers_to_check_exist() -> None:
    names = {p.name for p in DOMAIN_FILES}
    assert {"__init__.py", "ledger.py", "reversal.py"} <= names
    assert {"__init__.py", "ports.py"} <= {p.name for p in SERVICE_FILES}
    assert {"__init__.py", "bgnbd.py", "paretonbd.py"} <= {p.name for p in INTELLIGENCE_FILES}


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: p.name)
def test_the_domain_imports_no_framework_and_no_outer_layer(path: Path) -> None:
    bad = offending(imports_of(path), frameworks=FRAMEWORKS, layers=OUTER_LAYERS_OF_DOMAIN)
    assert bad == [], f"{module_name(path)} imports {bad}"


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_service_layer_imports_no_adapter_and_no_entrypoint(path: Path) -> None:
    bad = offending(imports_of(path), frameworks=frozenset(), layers=OUTER_LAYERS_OF_SERVICES)
    assert bad == [], f"{module_name(path)} imports {bad}"


@pytest.mark.parametrize("path", INTELLIGENCE_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_intelligence_imports_only_the_domain_and_governance(path: Path) -> None:
    ours = {name for name in imports_of(path) if name == "pointflow" or name.startswith("pointflow.")}
    bad = sorted(
        n for n in ours if not any(n == ok or n.startswith(f"{ok}.") for ok in INTELLIGENCE_MAY_IMPORT)
    )
    assert bad == [], f"{module_name(path)} imports {bad}"


# The checker itself must be able to see a violation, however it is spelt.
@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import sqlalchemy.orm", "pointflow.domain.x", "sqlalchemy.orm"),
        ("from fastapi import FastAPI", "pointflow.domain.x", "fastapi"),
        ("def f():\n    import polars as pl\n", "pointflow.domain.x", "polars"),
        ("from pointflow import adapters", "pointflow.domain.x", "pointflow.adapters"),
        (
            "from pointflow.service_layer.ports import Connector",
            "pointflow.domain.x",
            "pointflow.service_layer.ports",
        ),
        ("from ..adapters.db import engine", "pointflow.domain.x", "pointflow.adapters.db"),
        ("from ..entrypoints import cli", "pointflow.service_layer.x", "pointflow.entrypoints"),
    ],
)
def test_the_import_checker_catches_every_spelling(source: str, module: str, expected: str) -> None:
    bad = offending(imported_modules(source, module), frameworks=FRAMEWORKS, layers=OUTER_LAYERS_OF_DOMAIN)
    assert expected in bad


def test_the_import_checker_lets_inner_and_standard_imports_through() -> None:
    source = "from decimal import Decimal\nfrom pointflow.domain.money import Points\nfrom . import errors\n"
    assert (
        offending(
            imported_modules(source, "pointflow.domain.ledger"),
            frameworks=FRAMEWORKS,
            layers=OUTER_LAYERS_OF_DOMAIN,
        )
        == []
    )
    # A name that merely starts like a layer is not that layer.
    assert offending({"pointflow.adapters_extra"}, frameworks=FRAMEWORKS, layers=OUTER_LAYERS_OF_DOMAIN) == []
