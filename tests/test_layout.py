"""The layout stays as README's "Layout" says: who may import whom.

Reads every module of the project (imports inside functions included) and checks
each import against the rules below; then imports every module, so that none is
left behind by a move. Run it alone with `make test ARGS=tests/test_layout.py`.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["config", "core", "api", "actors", "negotiations", "ingestion", "ops", "bench"]
APPS = ["actors", "negotiations", "ingestion", "ops", "bench"]

# (modules this rule is about, what they must not import, why)
RULES = [
    ("core", ["config", "api", *APPS], "project plumbing imports no app"),
    ("api", ["config", *APPS], "API plumbing imports no app (api.urls wires them in)"),
    ("actors", ["negotiations", "ingestion", "ops", "bench"], "actors are below negotiations"),
    ("negotiations", ["ingestion", "ops", "bench"], "negotiations knows no later app"),
    (
        "negotiations.positions",
        ["negotiations.site", "negotiations.api", "negotiations.statements"],
        "the positions engine serves the pages and the API, never the reverse",
    ),
    (
        "negotiations.statements",
        ["negotiations.site", "negotiations.api"],
        "the write path is called by the surfaces, never the reverse",
    ),
    (
        "negotiations.webhooks",
        ["negotiations.site", "negotiations.api"],
        "webhooks are fed by the positions engine",
    ),
    (
        "negotiations.models",
        ["negotiations.site", "negotiations.api", "negotiations.statements"],
        "models are the bottom layer",
    ),
    ("negotiations.api", ["negotiations.site"], "the API and the site are siblings"),
    ("negotiations.site", ["negotiations.api"], "the site and the API are siblings"),
    (
        "ingestion",
        ["negotiations.site", "negotiations.api", "negotiations.positions", "ops", "bench"],
        "ingestion writes drafts through the statements service only",
    ),
    ("ops", ["bench"], "operations do not need the benchmark"),
]
# Where a package is wired together: it may import what it wires.
COMPOSITION_ROOTS = {"api.urls": "the API's address book mounts each app's views"}
PURE = {
    "negotiations.positions.rules": {"negotiations.models", "__future__", "dataclasses"},
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports_of(path: Path) -> set[str]:
    """Every module the file imports, anywhere in it (`from a import b` gives a and a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


MODULES = modules()


def test_every_import_goes_the_allowed_way():
    broken = []
    for module, path in MODULES.items():
        if module in COMPOSITION_ROOTS:
            continue
        imported = imports_of(path)
        for owner, forbidden, why in RULES:
            if not within(module, owner):
                continue
            for name in sorted(imported):
                if any(within(name, bad) for bad in forbidden) and not within(name, owner):
                    broken.append(f"{module} imports {name}: {why}")
    assert not broken, "\n".join(broken)


def test_the_rules_are_pure_python():
    for module, allowed in PURE.items():
        imported = {name for name in imports_of(MODULES[module]) if "." not in name}
        imported |= {
            name.rsplit(".", 1)[0]
            for name in imports_of(MODULES[module])
            if name.count(".") >= 2 and name.startswith("negotiations.")
        }
        roots = {name.split(".")[0] for name in imported}
        assert "django" not in roots, f"{module} must not need Django"
        assert imported <= allowed | {"datetime", "itertools"}, imported - allowed


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports(module):
    importlib.import_module(module)
