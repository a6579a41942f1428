"""The customer's link to their complaint's page, the one-time code that opens it, and the page's session.

A link's token reads `<complaint id>.<expiry, base 36 Unix seconds>.<epoch>.<MAC>`: the MAC (128 bits of an
HMAC-SHA256 under a key derived from the payload key) makes it unguessable and untamperable; the expiry ends
it; the epoch revokes it (the complaint's row keeps the epoch in force: a revoked link carries an older one).
A session cookie has the same shape under another purpose, so neither stands in for the other.

The token opens nothing by itself: a forwarded link shows only that a code goes to the phone on record."""
import base64
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

LINK, SESSION, CODE = "link", "session", "code"
SHAPE = re.compile(r"^([A-Z]{2}\d{10})\.([0-9a-z]{1,10})\.(\d{1,6})\.([A-Za-z0-9_-]{22})$")
Signer = Callable[[str, str], bytes]  # FieldCipher.sign: (purpose, value) -> MAC


@dataclass(frozen=True)
class Opened:
    complaint_id: str
    epoch: int
    until: datetime


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _mac(sign: Signer, purpose: str, body: str) -> str:
    return base64.urlsafe_b64encode(sign(purpose, body)[:16]).decode().rstrip("=")


def issue(sign: Signer, purpose: str, complaint_id: str, epoch: int, until: datetime) -> str:
    body = f"{complaint_id}.{_b36(int(until.timestamp()))}.{epoch}"
    return f"{body}.{_mac(sign, purpose, body)}"


def check(sign: Signer, purpose: str, token: str, now: datetime, epoch_in_force: Callable[[str], int | None]
          ) -> Opened | str:
    """The token's complaint, or why not: `link_tampered` (not one we made, or changed), `link_expired`,
    `link_revoked` (the bank issued newer ones and revoked this), `no_complaint`."""
    m = SHAPE.match(token or "")
    if m is None:
        return "link_tampered"
    cid, expiry, epoch, mac = m.groups()
    if not hmac.compare_digest(mac, _mac(sign, purpose, f"{cid}.{expiry}.{epoch}")):
        return "link_tampered"
    until = datetime.fromtimestamp(int(expiry, 36), UTC)
    if now >= until:
        return "link_expired"
    in_force = epoch_in_force(cid)
    if in_force is None:
        return "no_complaint"
    if int(epoch) < in_force:
        return "link_revoked"
    return Opened(cid, int(epoch), until)


def new_code() -> str:
    """Six digits, uniformly drawn."""
    return f"{secrets.randbelow(10**6):06d}"


def code_digest(sign: Signer, code_id: str, code: str) -> str:
    """What the database keeps of a code: a keyed MAC bound to its row (a million codes are too few to keep a
    plain hash of)."""
    return _mac(sign, CODE, f"{code_id}\n{code.strip()}")


def masked_phone(phone: str) -> str:
    """What the page says the code went to: the last four digits only."""
    digits = re.sub(r"\D", "", phone)
    return f"•••• {digits[-4:]}" if len(digits) >= 4 else "••••"
