import pytest

from portal.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
)


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on"])
def test_env_bool_reads_true(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", default=False) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_env_bool_reads_false(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", default=True) is False


def test_env_bool_uses_default_when_unset(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", default=True) is True


def test_env_bool_rejects_a_typo(monkeypatch):
    monkeypatch.setenv("FLAG", "ture")
    with pytest.raises(ImproperlyConfiguredEnv, match="FLAG"):
        env_bool("FLAG", default=False)


def test_env_int_rejects_a_non_number(monkeypatch):
    monkeypatch.setenv("COUNT", "12s")
    with pytest.raises(ImproperlyConfiguredEnv, match="COUNT must be an integer"):
        env_int("COUNT", 1)


def test_env_int_reads_a_number(monkeypatch):
    monkeypatch.setenv("COUNT", "42")
    assert env_int("COUNT", 1) == 42


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_env_choice_rejects_an_unknown_value(monkeypatch):
    monkeypatch.setenv("MODE", "staging")
    with pytest.raises(ImproperlyConfiguredEnv, match="production, development"):
        env_choice("MODE", ("production", "development"), default="production")


def test_env_secret_reads_a_file(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.delenv("TOKEN", raising=False)
    monkeypatch.setenv("TOKEN_FILE", str(secret_file))
    assert env_secret("TOKEN") == "s3cret"


def test_env_secret_refuses_both_value_and_file(monkeypatch, tmp_path):
    monkeypatch.setenv("TOKEN", "a")
    monkeypatch.setenv("TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfiguredEnv, match="not both"):
        env_secret("TOKEN")


def test_env_secret_names_an_unreadable_file(monkeypatch, tmp_path):
    monkeypatch.delenv("TOKEN", raising=False)
    monkeypatch.setenv("TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfiguredEnv, match="cannot read"):
        env_secret("TOKEN")
