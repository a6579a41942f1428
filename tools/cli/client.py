"""People's commands talk to the API as the signed-in person (`complaints login`); they hold no key.

The session file keeps the API address and the bearer token (mode 0600). A problem-details answer becomes
one line on stderr: exit 1 for a refusal, 2 when the API cannot be reached or nobody is signed in."""
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from complaints.config import settings
from tools.cli.common import fail


def session_file() -> Path:
    return settings().session_file


def load_session() -> dict[str, str]:
    path = session_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail("not signed in: run `complaints login` first", 2)
    except (OSError, ValueError):
        fail(f"cannot read the session file {path}: sign in again with `complaints login`", 2)
    if not isinstance(data, dict) or not data.get("token"):
        fail(f"the session file {path} holds no token: sign in again with `complaints login`", 2)
    return data


def save_session(api_url: str, user: str, token: str) -> Path:
    path = session_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"api_url": api_url, "user": user, "token": token}, f)
    os.chmod(path, 0o600)
    return path


def api_url(session: dict[str, str] | None = None) -> str:
    # COMPLAINTS_API_URL wins, so a script can point a saved session at another address.
    return (os.environ.get("COMPLAINTS_API_URL") or (session or {}).get("api_url") or settings().api_url).rstrip("/")


def channel_key() -> str | None:
    """A channel system's key (COMPLAINTS_CHANNEL_KEY): the commands then act as that channel."""
    return os.environ.get("COMPLAINTS_CHANNEL_KEY") or None


RETRIES = 3  # an action whose answer was lost is sent again, under the same Idempotency-Key: applied once


def request(method: str, path: str, *, auth: bool = True, raw: bool = False, what: str = "",
            idempotent: bool = False, **kw: Any) -> Any:
    """Call the API; the decoded JSON (or the response, with `raw`), or one clear line and an exit code.

    `idempotent`: an action, sent with a fresh Idempotency-Key and sent again (same key) when the connection
    fails or the API is briefly unavailable, so a lost answer never applies it twice."""
    key = channel_key() if auth else None
    session = load_session() if auth and not key else None
    base = api_url(session)
    token = key or (session or {}).get("token")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if idempotent:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    tries = RETRIES + 1 if idempotent else 1
    for attempt in range(tries):
        try:
            with httpx.Client(base_url=base, timeout=60, headers=headers) as h:
                r = h.request(method, path, **kw)
            if r.status_code != 503 or attempt == tries - 1:
                break
        except httpx.TransportError:
            if attempt == tries - 1:
                fail(f"cannot reach the API at {base}: is `complaints up` (or `complaints api`) running?", 2)
        time.sleep(0.5 * 2 ** attempt)
    if r.status_code >= 400:
        line = _problem(r)
        fail(f"{what}: {line}" if what and r.status_code == 422 else line, 2 if r.status_code == 401 else 1)
    if raw:
        return r
    return r.json() if r.content else None


def _problem(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return f"the API answered {r.status_code}"
    detail = body.get("detail") if isinstance(body, dict) else None
    if r.status_code == 401 and isinstance(detail, str):
        return f"{detail} (sign in with `complaints login`)"
    return detail if isinstance(detail, str) else f"the API answered {r.status_code}"
