"""Proof that a message was built by the API (or another process holding the actor key), and what it binds.

Holding the payload key (or the codec server's token) lets an operator read and even encrypt payloads; it
must not let anyone act as a person. So the API seals each message it sends: an HMAC, with a key the codec
server never holds, over the target workflow, the message name, a message id (the update id), the time it
was issued and a digest of the payload's bytes. The seal travels in the payload's metadata (inside the
encryption). A worker's codec checks the HMAC and, only when it holds, marks the payload `VOUCHED` with
what the seal binds (complaints/proof.py); the workflow then checks that binding against itself here,
deterministically: right workflow, right message, right update id, issued recently.

An update is checked by its validator, which Temporal runs only when the update first arrives: its handler
(and so a replay, by an operator without the actor key) reads the binding as sealed. A signal has no
validator: it is checked where it is handled, so replaying a sealed signal needs the actor key (the API
sends none; a signal from another system or the `temporal` CLI is unproven, and refused the same way on
every replay)."""
from datetime import datetime, timedelta

from pydantic import BaseModel, Field, ValidationError

SEAL = "complaints-seal"        # set by the sender: the binding and its HMAC
VOUCHED = "complaints-vouched"  # set only by a worker's codec after checking the HMAC: the binding
# A sealed message is good this long after it was issued (either way, for clocks a little apart): a captured
# message replayed later is refused, and within the window its id is remembered (exactly once).
FRESH_FOR = timedelta(minutes=15)


class Binding(BaseModel):
    """What a seal binds; its canonical JSON is what the HMAC covers (with the payload's digest)."""

    workflow_id: str = Field(max_length=200)
    message: str = Field(max_length=64)
    id: str = Field(max_length=200)          # the update id (a signal's own id)
    issued_at: datetime
    digest: str = Field(max_length=64)       # sha256 of the payload's bytes: the body it was issued for
    request_id: str = Field(default="", max_length=128)  # the API request that sent it (logs, request audit)


def join_seal(bound: bytes, mac: str) -> bytes:
    """A seal as it travels: the binding's JSON, a newline, the hex HMAC (JSON holds no raw newline)."""
    return bound + b"\n" + mac.encode()


def split_seal(sealed: bytes) -> tuple[bytes, bytes]:
    """(the binding's JSON, the hex HMAC) of a seal made by `join_seal`."""
    bound, _, mac = sealed.rpartition(b"\n")
    return bound, mac


def as_sealed(sealed: bytes | None) -> Binding | None:
    """What a seal says it binds, unchecked: for an update's handler, whose validator checked the seal before
    Temporal accepted it (a replay runs no validator, so it needs no key to take the same path)."""
    if not sealed:
        return None
    try:
        return Binding.model_validate_json(split_seal(sealed)[0])
    except ValidationError:
        return None


def unproven(vouched: bytes | None, workflow_id: str, message: str, update_id: str | None,
             now: datetime) -> tuple[Binding | None, str | None]:
    """(the binding, None) when the message is proven for this workflow, message and update; else (None, why)."""
    if not vouched:
        return None, "its actor is not proven: only the API speaks for a person"
    try:
        b = Binding.model_validate_json(vouched)
    except ValidationError:
        return None, "its proof is unreadable"
    if b.workflow_id != workflow_id:
        return None, "its proof was issued for another workflow"
    if b.message != message:
        return None, f"its proof was issued for {b.message[:64]!r}, not {message!r}"
    if update_id is not None and b.id != update_id:
        return None, "its proof was issued for another update id"
    if abs(now - b.issued_at) > FRESH_FOR:
        return None, f"its proof was issued at {b.issued_at:%Y-%m-%d %H:%M:%S} UTC, more than " \
                     f"{int(FRESH_FOR.total_seconds() // 60)} minutes from now"
    return b, None
