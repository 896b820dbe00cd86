"""The hub database: engine set-up per dialect, read and write transactions, Alembic upgrade, hub settings.

Commit-ordered cursor: every transaction that appends to the change log holds one lock for its whole life —
``pg_advisory_xact_lock`` on PostgreSQL (released only after the commit is visible), a process lock plus
``BEGIN IMMEDIATE`` on SQLite (single writer). So change-log writers are serialised and ``seq`` order is commit
order: a reader that sees seq N has already seen every committed seq below N, and a cursor never skips a row.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from repcompanion.hub.db import schema
from repcompanion.hub.errors import HubDatabaseError

#: key of the advisory lock that serialises change-log writers on PostgreSQL
CHANGE_LOG_LOCK = 0x52455043  # "REPC"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def redacted(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


class HubDb:
    """One engine and the transaction discipline every hub module uses."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        try:
            parsed = make_url(url)
        except Exception as exc:
            raise HubDatabaseError(f"{url!r} is not a database URL: {exc}") from exc
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                folder = Path(parsed.database).expanduser().resolve().parent
                if not folder.is_dir():
                    raise HubDatabaseError(
                        f"Cannot reach the hub database at {redacted(url)}: the folder {folder} does not exist. "
                        "Check --db."
                    )
            self.engine: Engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=pool_size, max_overflow=20
            )
            self._install_sqlite_hooks()
            self._write_lock: threading.Lock | None = threading.Lock()
        elif self.dialect == "postgresql":
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=20, pool_recycle=600)
            # reads run on one snapshot; a separate pool avoids switching isolation on every checkout
            self._read_engine = self.engine.execution_options(isolation_level="REPEATABLE READ")
            self._write_lock = None
        else:
            raise HubDatabaseError(
                f"The hub supports SQLite and PostgreSQL, not {self.dialect!r} ({redacted(url)}).",
                hint="Use --db sqlite:///path/hub.db or --db postgresql+psycopg://user@host/dbname.",
            )

    def _install_sqlite_hooks(self) -> None:
        @event.listens_for(self.engine, "connect")
        def _connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (pysqlite's own handling is wrong)
            cur = dbapi_conn.cursor()
            # FULL: a mutation the hub has acknowledged survives a power cut, not only a process crash.
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "cache_size=-65536"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(self.engine, "begin")
        def _begin(conn: Connection) -> None:
            immediate = conn.get_execution_options().get("sqlite_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    # -- transactions -------------------------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction on one snapshot (pull pages, head and counts agree with each other)."""
        engine = self._read_engine if self.dialect == "postgresql" else self.engine
        with self._translated(), engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction that may append to the change log (serialised, see the module docstring)."""
        with self._translated():
            if self._write_lock is not None:
                with self._write_lock, self.engine.connect() as conn:
                    conn = conn.execution_options(sqlite_write=True)
                    with conn.begin():
                        yield conn
                return
            with self.engine.connect() as conn, conn.begin():
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHANGE_LOG_LOCK})
                yield conn

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            if exc.connection_invalidated or _is_connect_error(exc):
                raise HubDatabaseError(
                    f"Cannot reach the hub database at {redacted(self.url)}: {_first_line(exc.orig)}. Check --db."
                ) from exc
            raise

    # -- the database itself: does it exist, is it current, create it ------------------------------------------

    def sqlite_file(self) -> Path | None:
        """The database file of a SQLite hub (None for PostgreSQL or an in-memory database)."""
        if self.dialect != "sqlite":
            return None
        database = make_url(self.url).database
        return Path(database).expanduser() if database and database != ":memory:" else None

    def revision(self) -> str | None:
        """The schema revision of this database (None: it is not a hub database yet). Never creates anything."""
        file = self.sqlite_file()
        if file is not None and not file.exists():
            return None
        with self.read() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
        return ",".join(sorted(heads)) or None

    def require(self, *, upgrade: bool) -> None:
        """Refuse a database that is not a hub database (``init`` creates one); bring an older one up to date
        (``upgrade``) or refuse it (read-only commands never write)."""
        found = self.revision()
        if found is None:
            raise HubDatabaseError(
                f"There is no hub database at {redacted(self.url)}.",
                hint="Create it with `repcompanion-hub init --db URL` (or check --db: nothing was created).",
            )
        newest = head_revision()
        if found == newest:
            return
        if not upgrade:
            raise HubDatabaseError(
                f"The hub database at {redacted(self.url)} is at schema revision {found}; this hub needs {newest}.",
                hint="Upgrade it with `repcompanion-hub init --db URL` (or start the service), then retry.",
            )
        self.migrate()

    def create(self) -> None:
        """Create the hub database (or upgrade an existing one). A new SQLite file is readable by its owner only
        (it holds the token-signing secret), and so are SQLite's -wal and -shm files, which copy its mode."""
        file = self.sqlite_file()
        if file is not None:
            file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                if os.name == "posix" and file.stat().st_mode & 0o077:
                    file.chmod(0o600)
        self.migrate()

    # -- schema -------------------------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision and create the hub's secrets once."""
        cfg = alembic_config(self.url)
        try:
            with self.write() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")  # capabilities add migrations as branches of 0002
                if not read_setting(conn, "token_secret"):
                    conn.execute(
                        schema.hub_settings.insert(),
                        [
                            {"key": "token_secret", "value": secrets.token_hex(32)},
                            {"key": "log_floor", "value": "0"},
                        ],
                    )
                if not read_setting(conn, "engagement_secret"):  # read-only commands may then show it
                    write_setting(conn, "engagement_secret", secrets.token_hex(32))
        except HubDatabaseError:
            raise
        except SQLAlchemyError as exc:
            raise HubDatabaseError(
                f"Cannot reach the hub database at {redacted(self.url)}: {_first_line(getattr(exc, 'orig', exc))}. "
                "Check --db."
            ) from exc

    def setting(self, conn: Connection, key: str, default: str = "") -> str:
        return read_setting(conn, key, default)

    def set_setting(self, conn: Connection, key: str, value: str) -> None:
        write_setting(conn, key, value)

    def dispose(self) -> None:
        self.engine.dispose()


def head_revision() -> str:
    """The newest schema revision this hub knows (several heads joined with ',')."""
    return ",".join(sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()))


def alembic_config(url: str) -> Config:
    """Alembic's configuration for the hub's migrations on ``url`` (its env.py compares against ``schema.metadata``)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def read_setting(conn: Connection, key: str, default: str = "") -> str:
    """The hub_settings value of ``key`` (``default`` when it has none)."""
    value = conn.execute(select(schema.hub_settings.c.value).where(schema.hub_settings.c.key == key)).scalar()
    return default if value is None else str(value)


def write_setting(conn: Connection, key: str, value: str) -> None:
    """Set (insert or update) the hub_settings value of ``key``."""
    hs = schema.hub_settings
    if not conn.execute(hs.update().where(hs.c.key == key).values(value=value)).rowcount:
        conn.execute(hs.insert().values(key=key, value=value))


def _is_connect_error(exc: DBAPIError) -> bool:
    text_ = str(exc.orig).lower()
    return any(
        s in text_
        for s in (
            "connection refused",
            "could not connect",
            "unable to open database",
            "no such host",
            "timeout",
            "connection failed",
            "name or service not known",
            'database "',
            "authentication failed",
        )
    )


def _first_line(value: object) -> str:
    return str(value).strip().splitlines()[0] if str(value).strip() else type(value).__name__
