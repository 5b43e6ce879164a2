"""No Docker engine runs here, so the production shape is checked by reading it: every
service, command, module, file and variable it names must exist in the project."""

import importlib.util
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
APP_SERVICES = ["migrate", "web", "worker", "worker-screening", "beat"]


def _command(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    return command if isinstance(command, list) else shlex.split(command)


def test_the_production_services_are_all_there():
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"].startswith("postgres:16")
    assert SERVICES["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize("service", ["postgres", "redis", "web", "worker", "worker-screening"])
def test_long_running_services_have_health_checks(service):
    assert SERVICES[service]["healthcheck"]["test"]


def test_data_lives_in_named_volumes():
    declared = set(COMPOSE["volumes"])
    for service in ("postgres", "redis"):
        for volume in SERVICES[service]["volumes"]:
            assert volume.split(":")[0] in declared


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_build_this_project_and_read_dot_env(service):
    assert SERVICES[service]["build"] == "."
    assert SERVICES[service]["env_file"] == ".env"


def test_the_web_command_names_an_importable_wsgi_app_and_config():
    command = _command("web")
    assert command[0] == "gunicorn"
    module, attribute = command[1].split(":")
    assert importlib.util.find_spec(module) is not None
    assert attribute == "application"
    assert (ROOT / command[command.index("--config") + 1]).is_file()


@pytest.mark.parametrize("service", ["worker", "worker-screening", "beat"])
def test_celery_commands_name_the_project_app(service):
    command = _command(service)
    assert command[:3] == ["celery", "-A", "portal"]
    assert importlib.util.find_spec("portal.celery") is not None


def test_the_workers_consume_every_queue_the_tasks_are_routed_to(settings):
    consumed = {
        queue
        for service in ("worker", "worker-screening")
        for queue in _command(service)[_command(service).index("--queues") + 1].split(",")
    }
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert consumed == routed | {settings.CELERY_TASK_DEFAULT_QUEUE}
    assert _command("worker-screening")[5] == settings.SCREENING_QUEUE


def test_the_migrate_command_is_a_manage_py_command():
    command = _command("migrate")
    assert command[1] == "manage.py" and (ROOT / "manage.py").is_file()


def test_every_variable_compose_uses_is_documented_in_env_example():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\$\{?([A-Z_]+)", text)) - {"HOSTNAME"}
    documented = set(
        re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    assert used <= documented


def test_every_path_the_dockerfile_copies_exists():
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
