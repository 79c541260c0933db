"""Dependencies point down: core imports no app; the platform apps (inbox, catalogue, peers, sla) import no
process app, which reach them through the registry. Imports inside functions count too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROCESS_APPS = {"customers", "opportunities", "orders", "provisioning", "assurance"}
PLATFORM_APPS = {"keyaccounts.inbox", "keyaccounts.catalogue", "keyaccounts.peers", "sla"}


def _imports(folder: str) -> list[tuple[str, str, str]]:
    """(file, module, name) of every absolute import in the folder's modules, migrations left out."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found += [(str(path.relative_to(ROOT)), node.module, alias.name) for alias in node.names]
            elif isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name, "") for alias in node.names]
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("keyaccounts/core", PROCESS_APPS | PLATFORM_APPS),
        ("keyaccounts/inbox", PROCESS_APPS),
        ("keyaccounts/catalogue", PROCESS_APPS),
        ("keyaccounts/peers", PROCESS_APPS),
        ("sla", PROCESS_APPS),
    ],
)
def test_a_platform_package_imports_no_app_above_it(folder, forbidden):
    wrong = [
        (file, module)
        for file, module, _name in _imports(folder)
        if _top(module) in forbidden or any(module == f or module.startswith(f"{f}.") for f in forbidden)
    ]
    assert wrong == []
