"""Dependencies point down: core imports no app, the inbox no process app; sla reads the process apps only
through the registry (its catalogue and peer imports are on their way to `keyaccounts/catalogue` and
`keyaccounts/peers`)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROCESS_APPS = {"customers", "opportunities", "orders", "provisioning"}
# What sla still takes from the process apps until the catalogue and the peers have their own apps.
ON_THE_WAY_OUT = {
    ("orders.models", "Product"),
    ("orders.models", "Service"),
    ("provisioning.models", "OutboxMessage"),
    ("provisioning.models", "Peer"),
    ("provisioning.outbox", "outbox_enqueue"),
    ("provisioning.peers", "PeerError"),
    ("provisioning.peers", "peer_list"),
}


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
        ("keyaccounts/core", {*PROCESS_APPS, "sla", "keyaccounts.inbox"}),
        ("keyaccounts/inbox", PROCESS_APPS),
    ],
)
def test_a_platform_package_imports_no_app_above_it(folder, forbidden):
    wrong = [
        (file, module)
        for file, module, _name in _imports(folder)
        if _top(module) in forbidden or any(module == f or module.startswith(f"{f}.") for f in forbidden)
    ]
    assert wrong == []


def test_sla_reads_the_process_apps_through_the_registry():
    wrong = [
        (file, module, name)
        for file, module, name in _imports("sla")
        if _top(module) in PROCESS_APPS and (module, name) not in ON_THE_WAY_OUT
    ]
    assert wrong == []
