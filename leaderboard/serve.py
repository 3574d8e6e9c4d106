"""Show the site on localhost and rebuild it when the store changes.

``grader serve`` is for the instructor's screen or a classroom projector: the
site is still static, served by :mod:`http.server` bound to 127.0.0.1 only.
A watcher thread asks the store once a second for a fingerprint (the newest
submission, score, team, membership and grade ids, and each competition's
reveal time) plus the SQLite file's modification time, and rebuilds the
folder when it changes — and once a minute anyway, so "ends in …" stays true.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import func, select

from grader.store.models import Competition, Grade, Membership, Score, Submission, Team
from leaderboard.build import build_site

HOST = "127.0.0.1"
REBUILD_AT_LEAST_EVERY = 60.0


def store_fingerprint(store) -> tuple:
    """Something that changes whenever anything the site shows changes in the store."""
    with store.read() as session:
        ids = tuple(session.scalar(select(func.max(column))) for column in
                    (Submission.id, Score.id, Team.id, Membership.id, Grade.id))
        counts = tuple(session.scalar(select(func.count()).select_from(table)) for table in (Team, Membership))
        reveals = tuple(session.execute(select(Competition.name, Competition.revealed_at).order_by(Competition.name)))
        # A submission's status and selection change in place (progress, not results).
        selected = session.scalar(select(func.count()).where(Submission.selected.is_(True)))
        statuses = tuple(session.execute(select(Submission.status, func.count()).group_by(Submission.status)
                                         .order_by(Submission.status)))
    mtime = None
    if store.url.startswith("sqlite:///"):
        database = Path(store.url.removeprefix("sqlite:///"))
        wal = database.with_name(database.name + "-wal")
        mtime = tuple(p.stat().st_mtime_ns for p in (database, wal) if p.exists())
    return ids, counts, reveals, selected, statuses, mtime


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (http.server's name)
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class SiteServer:
    """The site folder over HTTP on 127.0.0.1, rebuilt by a watcher thread."""

    def __init__(self, course, store, out_dir: Path, *, port: int = 8000, poll_seconds: float = 1.0):
        self.course, self.store, self.out_dir = course, store, Path(out_dir).resolve()
        self.poll_seconds = poll_seconds
        self.builds = 0
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._fingerprint = None
        self._built_at = 0.0
        self.rebuild_if_changed()
        handler = partial(_QuietHandler, directory=str(self.out_dir))
        self.httpd = ThreadingHTTPServer((HOST, port), handler)
        self.port = self.httpd.server_address[1]
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def rebuild_if_changed(self) -> bool:
        fingerprint = store_fingerprint(self.store)
        stale = time.monotonic() - self._built_at >= REBUILD_AT_LEAST_EVERY
        if fingerprint == self._fingerprint and not stale:
            return False
        try:
            build_site(self.course, self.store, self.out_dir, now=datetime.now(timezone.utc))
        except Exception as exc:  # keep serving the previous site; say why once
            self.last_error = f"{type(exc).__name__}: {exc}"
            return False
        self._fingerprint, self._built_at = fingerprint, time.monotonic()
        self.builds += 1
        self.last_error = None
        return True

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            self.rebuild_if_changed()

    def start(self) -> "SiteServer":
        for target in (self.httpd.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def wait(self) -> None:
        """Block until :meth:`stop` (or Ctrl-C in the caller)."""
        while not self._stop.wait(1.0):
            continue

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
