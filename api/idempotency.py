"""The `Idempotency-Key` of a request, as the update id Temporal applies once (models/proof.py, the
workflow's remembered answers): the same key and body apply once and return the first answer."""
import hashlib

from fastapi import Header

from api.identity import Principal

IDEMPOTENCY_KEY = Header(default=None, alias="Idempotency-Key", min_length=8, max_length=128,
                         pattern=r"^[\x21-\x7e]+$",
                         description="Any unique string per action (a UUID): sent again, the action is applied once "
                         "and the first answer returned; with another body it is refused (422)")


def message_id(principal: Principal, key: str | None) -> str | None:
    """The update id for a key, scoped to who sends it (another person's same key is another message); None
    without a key: a fresh id each time, so a retry without a key may apply twice."""
    if key is None:
        return None
    if not 8 <= len(key) <= 128 or not key.isascii() or not key.isprintable() or " " in key:
        key = hashlib.sha256(key.encode(errors="replace")).hexdigest()  # the pages' header, never trusted raw
    scoped = f"{principal.kind}:{principal.id}:{key}".encode()
    return "idem-" + hashlib.sha256(scoped).hexdigest()[:40]
