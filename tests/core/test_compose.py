"""docker-compose.yml for users: checked structurally here (no Docker engine runs on this machine), and by
`docker compose config` too wherever the compose plugin is installed."""

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ("migrate", "web", "worker", "beat")  # the project's image with production settings
PRODUCTION = "keyaccounts.settings.production"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _module_exists(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _dockerfile_env() -> dict:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    env_line = next(line for line in text.splitlines() if line.startswith("ENV "))
    return dict(pair.split("=", 1) for pair in env_line.split()[1:])


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


def test_app_services_build_the_image_and_run_production_settings_on_the_servers():
    services = _compose()["services"]
    for name in (*APP_SERVICES, "stubs"):
        service = services[name]
        assert service["build"] == ".", name
        assert (ROOT / service["build"] / "Dockerfile").exists()
        assert service["image"] == "keyaccounts:latest", name
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == PRODUCTION, name
        assert re.fullmatch(r"postgres://[^@]+@postgres:5432/\w+", env["DATABASE_URL"]), name
        assert env["REDIS_URL"].startswith("redis://redis:6379/"), name
        # The key comes from the user's environment and is required: never a value written in the file.
        assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]+\}", env["DJANGO_SECRET_KEY"]), name
    assert _module_exists(PRODUCTION)
    assert _dockerfile_env()["DJANGO_SETTINGS_MODULE"] == PRODUCTION


def test_services_start_after_what_they_need_is_healthy():
    services = _compose()["services"]
    for name, service in services.items():
        for needed, condition in (service.get("depends_on") or {}).items():
            assert needed in services, (name, needed)
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[needed], (name, needed)
    assert services["migrate"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "stubs": {"condition": "service_healthy"},
    }
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}, name


def test_commands_name_modules_that_exist_and_ports_match_their_binds():
    services = _compose()["services"]
    web, stubs = services["web"]["command"], services["stubs"]["command"][-1]
    assert web[:2] == ["gunicorn", "keyaccounts.wsgi"]
    assert _module_exists("keyaccounts.wsgi")
    assert web[web.index("--bind") + 1] == "0.0.0.0:8000"
    assert services["web"]["ports"] == ["8000:8000"]
    assert "gunicorn stubs.wsgi --bind 0.0.0.0:8100" in stubs
    assert _module_exists("stubs.wsgi")
    assert services["stubs"]["ports"] == ["8100:8100"]
    for name, subcommand in (("worker", "worker"), ("beat", "beat")):
        assert services[name]["command"][:4] == ["celery", "-A", "keyaccounts", subcommand], name
    assert _module_exists("keyaccounts.celery")
    from keyaccounts.celery import app

    assert app.main == "keyaccounts"
    assert "python manage.py migrate" in services["migrate"]["command"][-1]
    assert services["web"]["healthcheck"]["test"][-1] == "http://127.0.0.1:8000/healthz"
    assert services["stubs"]["healthcheck"]["test"][-1] == "http://127.0.0.1:8100/healthz"


def test_user_files_and_data_live_on_declared_volumes():
    compose = _compose()
    services, declared = compose["services"], set(compose["volumes"])
    media = f"{_dockerfile_env()['KEYACCOUNTS_VAR_DIR']}/media"  # base settings: MEDIA_ROOT = VAR_DIR/media
    for name in APP_SERVICES:
        assert f"media:{media}" in services[name]["volumes"], name
        assert services[name]["environment"]["FILE_STORAGE"].startswith("${FILE_STORAGE:-filesystem}"), name
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            assert volume.split(":", 1)[0] in declared, (name, volume)


def test_docker_compose_config_accepts_the_file_where_the_plugin_exists():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode:
        return  # no compose plugin here: the structural tests above are the check
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SECRET_KEY": "x" * 50},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
