"""Settings decide safety at start-up; each case runs Django in a fresh process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(DJANGO_SETTINGS_MODULE="portal.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_production_refuses_the_development_secret_key():
    result = _python(SETUP, PORTAL_ENVIRONMENT="production")
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set in production" in result.stderr


def test_production_starts_with_a_real_secret_and_debug_off():
    result = _python(SETUP, PORTAL_ENVIRONMENT="production", SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_turns_debug_on_by_default():
    result = _python(SETUP, PORTAL_ENVIRONMENT="development")
    assert result.stdout.strip() == "True"


def test_debug_in_production_fails_the_system_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=dict(os.environ, PORTAL_ENVIRONMENT="production", SECRET_KEY="x" * 60, DEBUG="1"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "portal.E001" in result.stderr


def test_a_malformed_boolean_stops_start_up():
    result = _python(SETUP, PORTAL_ENVIRONMENT="development", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_every_variable_the_settings_read_is_listed_in_env_example():
    import re

    source = (ROOT / "portal" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "the settings read no variable: the pattern is stale"
    assert read <= listed, read - listed
