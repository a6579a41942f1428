"""Database engine and the idempotent write helpers activities use."""
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

import models.access  # noqa: F401  - registers the tables
import models.customer  # noqa: F401
import models.tables  # noqa: F401
from complaints import schema


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: a failed statement's log line must not carry customers' names and texts.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # WAL: readers (reports, CLI) never block the worker's writes
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
    else:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    schema.upgrade(engine)
    return engine


def insert_ignore(session: Session, table: type[SQLModel], rows: Iterable[dict[str, Any]]) -> None:
    """Insert rows, skipping any whose key exists: a retried activity writes nothing twice.

    Core executemany on one statement per table: SQLAlchemy caches its compiled form, where a multi-row
    VALUES through the ORM's bulk path was rebuilt for every batch (a tenth of the worker's time)."""
    rows = list(rows)
    if not rows:
        return
    session.connection().execute(_insert_ignore(table, session.get_bind().dialect.name), rows)


@lru_cache(maxsize=64)
def _insert_ignore(table: type[SQLModel], dialect: str):
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]  # a table class


def insert_or_take(session: Session, table: type[SQLModel], rows: Iterable[dict[str, Any]], key: str,
                   taken: tuple[str, ...]) -> None:
    """Insert rows; where a key exists, overwrite only the `taken` columns.

    One statement per row set: on PostgreSQL a concurrent writer deleting the same keys cannot leave them
    missing (an insert that found a row and an update that then found it gone would)."""
    rows = list(rows)
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table)
    session.connection().execute(stmt.on_conflict_do_update(
        index_elements=[key], set_={c: stmt.excluded[c] for c in taken}), rows)


def upsert_versioned(session: Session, table: type[SQLModel], row: dict[str, Any], key: str = "id") -> None:
    """Insert or update a row, but never overwrite a newer version with an older one."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(row)
    updates = {k: stmt.excluded[k] for k in row if k != key}
    session.exec(stmt.on_conflict_do_update(
        index_elements=[key], set_=updates, where=table.version <= stmt.excluded.version))  # type: ignore[attr-defined]
