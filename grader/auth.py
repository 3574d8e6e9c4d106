"""Who is asking: sign-in links, API tokens and signed session cookies. No password is ever stored.

* ``grader invite`` makes, per student (or instructor), a **sign-in link** holding a random
  single-use token that expires (``[server] invite_days``), and an **API token** for the
  ``grader`` command line (``Authorization: Bearer ...``). Only their sha256 is stored, so a
  copy of the database signs nobody in.
* Opening a link shows a page whose button POSTs the token (link previewers and mail
  scanners that fetch the link cannot use it up); the server then sets a **session cookie**
  signed with the course's secret key (HttpOnly, SameSite=Lax, Secure behind https). The
  cookie names the principal, a CSRF nonce and the principal's ``session_version``:
  ``grader invite --rotate`` increments it, which signs that person out everywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, update

from grader.errors import GraderError

STUDENT, INSTRUCTOR = "student", "instructor"
SIGNIN, API = "signin", "api"
SECRET_NAME = ".server-secret"
TOKEN_BYTES = 32


class AuthError(GraderError):
    "A sign-in link or token is unknown, used or expired."


@dataclass(frozen=True)
class Principal:
    """The person behind a request: a student or an instructor."""

    role: str
    id: str
    name: str
    session_version: int = 0

    @property
    def is_instructor(self) -> bool:
        return self.role == INSTRUCTOR


@dataclass(frozen=True)
class Invitation:
    role: str
    principal: str
    name: str
    url: str
    token: str | None  # the API token, when one was made now (else None: the old one stands)
    expires_at: datetime


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


# ---------------------------------------------------------------- the course's secret key


def secret_path(course) -> Path:
    return course.path(SECRET_NAME)


def ensure_secret(course) -> bytes:
    """The course's secret key, created (0600) when missing."""
    path = secret_path(course)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    return read_secret(course)


def read_secret(course) -> bytes:
    """The persisted secret key; refused when missing, too short or readable by others."""
    path = secret_path(course)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise AuthError(f"The course has no secret key ({path}). Run 'grader serve' once on 127.0.0.1 "
                        "(it creates one), or 'grader init' makes one for a new course.") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuthError(f"{path} is readable by other users; anyone who reads it can sign in as anyone. "
                        f"Run 'chmod 600 {path}'.")
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise AuthError(f"{path} holds a key shorter than 32 characters. Delete it and run 'grader serve' "
                        "on 127.0.0.1 once to make a new one (everyone is signed out).")
    return key.encode("utf-8")


# ---------------------------------------------------------------- invitations


def invite(course, store, *, role: str, principal: str, base_url: str, days: float, rotate: bool = False,
           now: datetime | None = None) -> Invitation:
    """A new sign-in link for ``principal`` (earlier unused links stop working); an API token when it
    has none yet, or a fresh one with ``rotate`` (which also signs the person out everywhere)."""
    from grader.store import AccessToken, Instructor, Student

    now = now or datetime.now(timezone.utc)
    link_token, api_token = new_token(), None
    expires = now + timedelta(days=days)
    model = Student if role == STUDENT else Instructor
    with store.transaction() as session:
        person = session.get(model, principal)
        if person is None:
            if role == STUDENT:
                raise AuthError(f"No student '{principal}' in the roster. Add them with 'grader roster import FILE.csv'.")
            person = Instructor(id=principal, name=principal)
            session.add(person)
            session.flush()
        mine = (AccessToken.role == role, AccessToken.principal == principal, AccessToken.revoked_at.is_(None))
        session.execute(update(AccessToken).where(*mine, AccessToken.kind == SIGNIN, AccessToken.used_at.is_(None))
                        .values(revoked_at=now))
        has_api = session.scalar(select(AccessToken.id).where(*mine, AccessToken.kind == API)) is not None
        if rotate:
            session.execute(update(AccessToken).where(*mine, AccessToken.kind == API).values(revoked_at=now))
            person.session_version = (person.session_version or 0) + 1
        if rotate or not has_api:
            api_token = new_token()
            session.add(AccessToken(digest=digest(api_token), kind=API, role=role, principal=principal,
                                    created_at=now))
        session.add(AccessToken(digest=digest(link_token), kind=SIGNIN, role=role, principal=principal,
                                created_at=now, expires_at=expires))
        name = getattr(person, "display_name", None) or person.name or principal
    return Invitation(role=role, principal=principal, name=name, url=f"{base_url.rstrip('/')}/signin/{link_token}",
                      token=api_token, expires_at=expires)


def new_api_token(store, principal: Principal, *, now: datetime | None = None) -> str:
    """Replace the caller's API token (the page's "Create a new API token"): the old one stops working."""
    from grader.store import AccessToken

    now = now or datetime.now(timezone.utc)
    token = new_token()
    with store.transaction() as session:
        session.execute(update(AccessToken).where(
            AccessToken.role == principal.role, AccessToken.principal == principal.id, AccessToken.kind == API,
            AccessToken.revoked_at.is_(None)).values(revoked_at=now))
        session.add(AccessToken(digest=digest(token), kind=API, role=principal.role, principal=principal.id,
                                created_at=now))
    return token


# ---------------------------------------------------------------- checking


def redeem_signin(store, token: str, *, now: datetime | None = None) -> Principal:
    """Use up a sign-in link's token (once); the person it signs in. Unknown, used and expired links differ."""
    from grader.store import AccessToken

    now = now or datetime.now(timezone.utc)
    with store.transaction() as session:
        row = session.scalar(select(AccessToken).where(AccessToken.digest == digest(token),
                                                       AccessToken.kind == SIGNIN))
        if row is None:
            raise AuthError("This sign-in link is not valid. Check that you copied the whole link, "
                            "or ask your instructor for a new one.")
        if row.used_at is not None:
            raise AuthError("This sign-in link was already used; each link works once. "
                            "Ask your instructor for a new one (grader invite).")
        if row.revoked_at is not None:
            raise AuthError("This sign-in link was replaced by a newer one. Use the newest link you were sent.")
        if row.expires_at is not None and _utc(row.expires_at) <= now:
            raise AuthError("This sign-in link has expired. Ask your instructor for a new one (grader invite).")
        claimed = session.execute(update(AccessToken).where(AccessToken.id == row.id, AccessToken.used_at.is_(None))
                                  .values(used_at=now)).rowcount
        if claimed != 1:  # another request used it at the same moment
            raise AuthError("This sign-in link was already used; each link works once. Ask for a new one.")
        role, principal = row.role, row.principal
    found = load_principal(store, role, principal)
    if found is None:
        raise AuthError("The person this link was made for is no longer in the course.")
    return found


def principal_for_api_token(store, token: str) -> Principal | None:
    from grader.store import AccessToken

    if not token or len(token) > 200:
        return None
    with store.read() as session:
        row = session.scalar(select(AccessToken).where(
            AccessToken.digest == digest(token), AccessToken.kind == API, AccessToken.revoked_at.is_(None)))
        if row is None:
            return None
        role, principal = row.role, row.principal
    return load_principal(store, role, principal)


def load_principal(store, role: str, principal: str) -> Principal | None:
    from grader.store import Instructor, Student

    with store.read() as session:
        if role == STUDENT:
            person = session.get(Student, principal)
            name = (person.display_name or person.name or person.id) if person else ""
        elif role == INSTRUCTOR:
            person = session.get(Instructor, principal)
            name = (person.name or person.id) if person else ""
        else:
            return None
        if person is None:
            return None
        return Principal(role=role, id=person.id, name=name, session_version=person.session_version or 0)


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
