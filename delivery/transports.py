"""The transports: SMTP for e-mail, an HTTP gateway for SMS and app messages.

A gateway request is `POST <url>` with a JSON body, `Idempotency-Key` (the notification's key: a retry the
gateway already served is not sent again), `X-Timestamp` and `X-Signature`, the hex HMAC-SHA256 of
`timestamp \\n sha256(body)` with the shared secret. An e-mail carries the key in its Message-ID for the
same reason. A 4xx answer (other than 408 and 429) is the gateway refusing this message for good."""
import hashlib
import hmac
import json
import smtplib
import time
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlparse

import httpx


class NotConfigured(Exception):
    """No transport for this channel: recorded on the notification, never silently dropped."""


class Rejected(Exception):
    """The far side refused this message for good: retrying would not help."""


def send_email(smtp_url: str, sender: str, to: str, subject: str, body: str, key: str) -> None:
    u = urlparse(smtp_url)
    if u.scheme not in ("smtp", "smtps"):
        raise NotConfigured(f"SMTP_URL must be smtp:// or smtps://, not {u.scheme or 'empty'}")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Date"] = sender, to, subject, formatdate(localtime=False)
    msg["Message-ID"] = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@complaints>"
    msg.set_content(body)
    connect = smtplib.SMTP_SSL if u.scheme == "smtps" else smtplib.SMTP
    with connect(u.hostname or "localhost", u.port or (465 if u.scheme == "smtps" else 25), timeout=20) as smtp:
        if u.username:
            smtp.login(unquote(u.username), unquote(u.password or ""))
        try:
            smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            raise Rejected(f"the mail server refused the recipient: {list(e.recipients.values())[0]!r}"[:300]) from None


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}\n{hashlib.sha256(body).hexdigest()}".encode(),
                    hashlib.sha256).hexdigest()


def gateway_client() -> httpx.Client:
    """One client for a worker's deliveries, shared by its activity threads (httpx allows it): a client of its
    own per message cost ~24 ms of CPU each (its TLS context loads the CA bundle), most of a delivery's
    cost in bench/bank_month.py; a shared one also keeps the gateway's connections alive."""
    return httpx.Client(timeout=10, limits=httpx.Limits(max_connections=32, max_keepalive_connections=16))


def post_gateway(url: str, secret: str, payload: dict, key: str, client: httpx.Client | None = None) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "Idempotency-Key": key, "X-Timestamp": stamp,
               "X-Signature": signature(secret, stamp, body)}
    if client is None:
        with gateway_client() as own:
            r = own.post(url, content=body, headers=headers)
    else:
        r = client.post(url, content=body, headers=headers)
    if 400 <= r.status_code < 500 and r.status_code not in (408, 429):
        raise Rejected(f"the gateway refused it: {r.status_code} {r.text[:200]}")
    r.raise_for_status()
