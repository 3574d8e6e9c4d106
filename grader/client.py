"""The ``grader`` command as a student's client of a class server (as the Kaggle CLI is of Kaggle).

    login("https://cnn.example.edu", token)             # checks it, keeps it in a 0600 file
    submit("https://cnn.example.edu", "digit-recognizer", Path("sub.csv"), message="v2")
    hand_in("https://cnn.example.edu", "01-preprocessing", Path("01-preprocessing.ipynb"))

The token comes from ``$GRADER_TOKEN``, else from the file ``grader login`` wrote
(``$XDG_CONFIG_HOME/cnnkit/credentials.json``, one token per server address). Every
answer the server gives that is not a success becomes one :class:`ClientError` line:
its own message, or what went wrong on the way (no connection, not a cnnkit server).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from grader.errors import GraderError

TIMEOUT = 60.0


class ClientError(GraderError):
    "The class server refused the request or could not be reached."

    def __init__(self, message: str, payload: dict | None = None):
        super().__init__(message)
        self.payload = payload or {}


def credentials_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "cnnkit" / "credentials.json"


def _normal(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ClientError(f"'{url}' is not a server address; give it as https://host (or http://127.0.0.1:8000).")
    return url


def token_for(url: str) -> str:
    token = os.environ.get("GRADER_TOKEN")
    if token:
        return token.strip()
    path = credentials_path()
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    token = saved.get(_normal(url)) if isinstance(saved, dict) else None
    if not token:
        raise ClientError(f"No API token for {_normal(url)}. Run 'grader login {_normal(url)} TOKEN' with the token "
                          "your instructor sent you, or set GRADER_TOKEN.")
    return token


def request(url: str, method: str, path: str, *, token: str | None = None, **kwargs):
    """One request to the server; the decoded JSON of a success, else a ClientError with the server's message."""
    import httpx

    base = _normal(url)
    headers = {"Authorization": f"Bearer {token or token_for(base)}", "Accept": "application/json"}
    try:
        response = httpx.request(method, base + path, headers=headers, timeout=TIMEOUT, **kwargs)
    except httpx.HTTPError as exc:
        raise ClientError(f"Cannot reach the class server at {base}: {exc or type(exc).__name__}. "
                          "Check the address and your connection.") from None
    try:
        body = response.json()
    except ValueError:
        raise ClientError(f"{base} answered {response.status_code} with something that is not cnnkit's JSON; "
                          "is this the class server's address?") from None
    if response.status_code >= 400:
        message = body.get("message") if isinstance(body, dict) else None
        raise ClientError(str(message or f"the server answered {response.status_code}"),
                          body if isinstance(body, dict) else None)
    return body


def login(url: str, token: str) -> dict:
    """Check ``token`` against the server and keep it (0600) for later commands; who it belongs to."""
    base = _normal(url)
    who = request(base, "GET", "/api/me", token=token.strip())
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        saved = saved if isinstance(saved, dict) else {}
    except (OSError, ValueError):
        saved = {}
    saved[base] = token.strip()
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(saved, handle, indent=2)
    os.replace(partial, path)
    os.chmod(path, 0o600)
    return who


def _read(file: Path) -> bytes:
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        raise ClientError(f"Cannot read {file}: {exc.strerror or exc}. Check the file name.") from None


def competition(url: str, name: str) -> dict:
    """One competition as the server lists it for the caller (title, metric, deadline, time zone, team)."""
    listed = request(url, "GET", "/api/competitions")
    for entry in listed:
        if entry.get("name") == name:
            return entry
    names = ", ".join(entry.get("name", "?") for entry in listed) or "none"
    raise ClientError(f"The server has no competition '{name}' open to you. Competitions: {names}.")


def submit(url: str, competition: str, file: Path, *, message: str | None = None) -> dict:
    """Upload a prediction file; the submission (its status, public score, errors)."""
    return request(url, "POST", f"/api/competitions/{competition}/submissions",
                   files={"file": (Path(file).name, _read(file))}, data={"message": message or ""})


def submissions(url: str, competition: str) -> list[dict]:
    return request(url, "GET", f"/api/competitions/{competition}/submissions")


def select(url: str, competition: str, ids: list[int]) -> list[int]:
    """Make ``ids`` the caller's team's final selection; the ids selected."""
    return request(url, "POST", f"/api/competitions/{competition}/selection", json={"ids": list(ids)})["selected"]


def hand_in(url: str, assignment: str, notebook: Path) -> dict:
    """Hand in a notebook; the hand-in (its id, status and place in the grading queue)."""
    return request(url, "POST", f"/api/assignments/{assignment}/submissions",
                   files={"file": (Path(notebook).name, _read(notebook))})


def assignments(url: str) -> list[dict]:
    """Every released assignment with the caller's newest hand-in (``latest``, None when not handed in)."""
    return request(url, "GET", "/api/assignments")


def hand_ins(url: str, assignment: str) -> list[dict]:
    """The caller's hand-ins of ``assignment``, oldest first, with their grading status."""
    return request(url, "GET", f"/api/assignments/{assignment}/submissions")
