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
