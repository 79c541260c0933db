"""docker-compose.yml for users: checked here, since no Docker engine runs on this machine."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_runs_every_part_with_health_checks_and_volumes():
    compose = _compose()
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "stubs"} <= set(services)
    for name in ("postgres", "redis", "web", "worker", "beat", "stubs"):
        assert "healthcheck" in services[name], name
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert env["REDIS_URL"].startswith("redis://"), name
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["stubs"]["environment"]["DJANGO_SETTINGS_MODULE"] == "stubs.settings"
    assert services["web"]["environment"]["EOMS_BASE_URL"] == "http://stubs:8100/eoms"
    assert (ROOT / "Dockerfile").exists()


def test_docker_compose_config_accepts_the_file():
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client on this machine")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip("the docker client here has no compose plugin")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
