"""The store: one database (SQLite by default, any SQLAlchemy URL) and content-addressed files.

Usage::

    store = Store.open(course)
    with store.transaction() as session:
        session.add(Student(id="alice"))

Every write goes through :meth:`Store.transaction`, one transaction each.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from grader.errors import StoreError
from grader.store.models import (  # noqa: F401  (re-exported)
    AccessToken,
    Assignment,
    Base,
    Competition,
    Grade,
    GradingJob,
    Instructor,
    Membership,
    Score,
    Student,
    Submission,
    Team,
    utcnow,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"Cannot use database URL {_redact(url)}: {exc}. Check [database] url in grader.toml.") from None
    return engine


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


class Store:
    """The course's database and file store."""

    def __init__(self, url: str, files_dir: Path):
        self.url = url
        self.files_dir = files_dir
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, course, url: str | None = None) -> "Store":
        return cls(url or course.database_url, course.path("files"))

    # -- schema -------------------------------------------------------------
    def create(self) -> None:
        """Bring the schema to the newest migration (a new database starts there)."""
        self.upgrade()

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        try:
            command.upgrade(self.alembic_config(), revision)
        except OperationalError as exc:
            raise StoreError(f"Cannot open the database {_redact(self.url)}: {exc.orig}.") from None

    def alembic_config(self):
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        config.attributes["engine"] = self.engine
        return config

    def tables(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    # -- sessions -----------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        except OperationalError as exc:
            raise StoreError(f"The database {_redact(self.url)} refused a write: {exc.orig}.") from None
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A session for reading only, whose queries all see the store as it was at the first of them.

        For a view read in several queries (teams, members, submissions) while others write: without
        one snapshot a team committed between two queries shows its members but not itself. SQLite
        (WAL): one deferred read transaction; PostgreSQL and others: ``REPEATABLE READ``.
        """
        from sqlalchemy import text

        session = self._sessions()
        try:
            if self.engine.dialect.name == "sqlite":
                session.execute(text("BEGIN"))
            else:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session
        finally:
            session.close()  # the pool rolls the read transaction back; what was read stays loaded

    # -- files --------------------------------------------------------------
    def put_file(self, data: bytes) -> str:
        """Store bytes under their sha256 (write-once, atomic, on disk before this returns); return the digest.

        The file and its folder are fsynced, so a row committed after this call never points at a file
        that an operating-system crash could lose.
        """
        digest = hashlib.sha256(data).hexdigest()
        target = self.file_path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
            folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def file_path(self, digest: str) -> Path:
        return self.files_dir / digest[:2] / digest

    def get_file(self, digest: str) -> bytes:
        return self.file_path(digest).read_bytes()


def lock_for_write(session, model, key) -> None:
    """Serialize the transactions that write for one row (``model`` with primary key ``key``) until this one ends.

    Must be the transaction's first statement. SQLite: ``BEGIN IMMEDIATE`` takes the
    database's write lock before anything is read (if the driver has already begun a
    transaction, a no-op write to the row takes it instead). PostgreSQL and others:
    ``SELECT ... FOR UPDATE`` locks the row.
    """
    from sqlalchemy import select, text, update

    column = model.__mapper__.primary_key[0]
    if session.get_bind().dialect.name == "sqlite":
        dbapi_connection = session.connection().connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            session.execute(text("BEGIN IMMEDIATE"))
            return
        session.execute(update(model).where(column == key).values({column.name: column}))
        return
    session.execute(select(column).where(column == key).with_for_update())
