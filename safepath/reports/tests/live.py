"""Reading a real deployment's database directly, as an attacker with a dump would."""

from __future__ import annotations

import sqlite3
from typing import Any

from safepath.core.testing import Deployment


def _connect(live: Deployment) -> Any:
    url = live.env.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
    return sqlite3.connect(live.env["SQLITE_PATH"])


def _tables(live: Deployment, cursor: Any) -> list[str]:
    if live.env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return [row[0] for row in cursor.fetchall()]


def raw_dump(live: Deployment) -> str:
    """Every value in every table, bytes decoded loosely, joined as text."""
    chunks: list[str] = []
    with _connect(live) as connection:
        cursor = connection.cursor()
        for table in _tables(live, cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608  # names from the catalog
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview | bytearray):
                        chunks.append(bytes(value).decode("latin-1"))
                    else:
                        chunks.append(str(value))
    return "\n".join(chunks)


def latest_report_reference(live: Deployment, code: str) -> str:
    with _connect(live) as connection:
        cursor = connection.cursor()
        mark = "%s" if live.env.get("DATABASE_URL") else "?"
        cursor.execute(
            "SELECT r.reference FROM reports_report r JOIN placements_placement p "  # noqa: S608
            f"ON r.placement_id = p.id WHERE p.code = {mark} ORDER BY r.id DESC LIMIT 1",
            (code,),
        )
        row = cursor.fetchone()
        assert row, f"no report at {code}"
        return str(row[0])


def report_count(live: Deployment, code: str) -> int:
    with _connect(live) as connection:
        cursor = connection.cursor()
        mark = "%s" if live.env.get("DATABASE_URL") else "?"
        cursor.execute(
            "SELECT COUNT(*) FROM reports_report r JOIN placements_placement p "  # noqa: S608
            f"ON r.placement_id = p.id WHERE p.code = {mark}",
            (code,),
        )
        return int(cursor.fetchone()[0])
