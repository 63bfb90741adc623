"""Settings refuse unsafe production values; health answers from the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "SAFEPATH_ENV", "SAFEPATH_MASTER_KEY"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "safepath.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_the_default_secret_key() -> None:
    result = load_settings(SAFEPATH_ENV="production", DEBUG="0")

    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


MASTER_KEY = "a2V5LWZvci10ZXN0cy1vbmx5LWtleS1mb3ItdGVzdHM="  # 32 bytes, base64


def test_production_refuses_the_default_master_key() -> None:
    result = load_settings(SAFEPATH_ENV="production", SECRET_KEY="k" * 50, DEBUG="0")

    assert result.returncode != 0
    assert "set SAFEPATH_MASTER_KEY" in result.stderr


@pytest.mark.parametrize("bad", ["not-base64!", "c2hvcnQ="])
def test_a_malformed_master_key_is_refused_everywhere(bad: str) -> None:
    result = load_settings(SAFEPATH_MASTER_KEY=bad)

    assert result.returncode != 0
    assert "must be 32 random bytes" in result.stderr


def test_production_refuses_debug() -> None:
    result = load_settings(
        SAFEPATH_ENV="production", SECRET_KEY="k" * 50, DEBUG="1", SAFEPATH_MASTER_KEY=MASTER_KEY
    )

    assert result.returncode != 0
    assert "DEBUG on" in result.stderr


def test_production_starts_with_safe_values() -> None:
    result = load_settings(
        SAFEPATH_ENV="production", SECRET_KEY="k" * 50, DEBUG="0", SAFEPATH_MASTER_KEY=MASTER_KEY
    )

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_starts_with_defaults() -> None:
    result = load_settings()

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_healthz_answers_when_the_database_does() -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


@pytest.mark.django_db
def test_healthz_reports_a_database_that_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_cursor(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = Client().get("/healthz")

    assert response.status_code == 503


def settings_values(tmp_path: Path, code: str, **env: str) -> str:
    """Start Django in a fresh process with a clean key environment and print ``code``."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "SAFEPATH_ENV",
            "SAFEPATH_MASTER_KEY",
            "DATABASE_URL",
            "SAFEPATH_KEY_FILE",
        }
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            f"print(repr(({code})))",
        ],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "safepath.settings",
            "SAFEPATH_KEY_FILE": str(tmp_path / "keys.json"),
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_fresh_checkout_generates_its_own_keys_and_keeps_them(tmp_path: Path) -> None:
    code = "settings.SECRET_KEY, settings.SAFEPATH_MASTER_KEY, settings.DEBUG"
    first = settings_values(tmp_path, code)
    again = settings_values(tmp_path, code)
    other = settings_values(tmp_path / "elsewhere", code)

    from safepath import settings as defaults

    assert defaults.DEFAULT_SECRET_KEY not in first
    assert defaults.DEFAULT_MASTER_KEY not in first
    assert first.endswith("False)"), "DEBUG must be off unless asked for"
    assert again == first, "the generated keys must be reused on the next start"
    assert other != first, "each checkout gets its own keys"
    key_file = tmp_path / "keys.json"
    assert key_file.stat().st_mode & 0o077 == 0, "the key file is readable by its owner only"


def test_the_default_key_file_is_ignored_by_git() -> None:
    from django.conf import settings

    relative = Path(settings.KEY_FILE).relative_to(ROOT)
    result = subprocess.run(
        ["git", "check-ignore", "--quiet", str(relative)], cwd=ROOT, check=False
    )

    assert result.returncode == 0, f"{relative} must be git-ignored"


def test_debug_is_on_only_when_asked(tmp_path: Path) -> None:
    assert settings_values(tmp_path, "settings.DEBUG", DEBUG="1") == "True"
    assert settings_values(tmp_path, "settings.DEBUG") == "False"


def test_keys_from_the_environment_win_over_the_file(tmp_path: Path) -> None:
    printed = settings_values(
        tmp_path,
        "settings.SECRET_KEY, settings.SAFEPATH_MASTER_KEY",
        SECRET_KEY="s" * 50,
        SAFEPATH_MASTER_KEY=MASTER_KEY,
    )

    assert printed == repr(("s" * 50, MASTER_KEY))
    assert not (tmp_path / "keys.json").exists()


@pytest.mark.parametrize(
    "database_url", ["sqlite:///{tmp}/a.sqlite3", "sqlite:///", "sqlite://:memory:"]
)
def test_sqlite_safety_options_apply_however_sqlite_is_configured(
    tmp_path: Path, database_url: str
) -> None:
    printed = settings_values(
        tmp_path,
        "settings.DATABASES['default']['OPTIONS']",
        DATABASE_URL=database_url.format(tmp=tmp_path),
    )

    assert "'transaction_mode': 'IMMEDIATE'" in printed
    assert "journal_mode=WAL" in printed
    assert "'timeout':" in printed
