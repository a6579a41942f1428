"""The database schema, by Alembic migrations (complaints/migrations/versions/): `upgrade` brings any
database to the newest revision; every process that opens the database calls it, so there is no separate
step to forget. A database made before migrations existed (by `create_all`) is stamped at the baseline
first, then upgraded like any other."""
import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001"
LOCK = 7_274_310  # a PostgreSQL advisory lock: two workers starting together migrate one after the other


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> None:
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        # SQLite has no advisory lock: processes started together (three workers and the API) would each
        # find no tables and create them, and all but one fail. A lock file beside the database orders them.
        with open(f"{database}.migrate-lock", "a") as held:  # noqa: PTH123 - a lock file, not data
            fcntl.flock(held, fcntl.LOCK_EX)
            _upgrade(engine)
        return
    _upgrade(engine)


def _upgrade(engine: Engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SELECT pg_advisory_xact_lock({LOCK})"))
        tables = set(inspect(conn).get_table_names())
        cfg = config(conn)
        if "complaint" in tables and "alembic_version" not in tables:
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, "head")


def revision(engine: Engine, message: str) -> None:
    """A new migration from what the models say and the database lacks (for developers)."""
    with engine.begin() as conn:
        command.revision(config(conn), message=message, autogenerate=True)
