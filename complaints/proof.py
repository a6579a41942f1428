"""The actor key: the API seals the messages it sends for a person; a worker's codec vouches for them.

The key is not the payload key and the codec server never loads it, so its token (and the payload key an
operator holds to read histories) can never make a message speak for someone (models/proof.py says what
a seal binds). Older keys may be listed after the first line of the key file, for checking only."""
import base64
import hashlib
import hmac
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from temporalio.api.common.v1 import Payload

from complaints.files import create_secret
from models.proof import SEAL, VOUCHED, Binding, join_seal, split_seal


def load_or_create(path: Path, create: bool = True) -> list[bytes]:
    """The keys in the file (the first signs; all check), created (mode 0600) on first run when allowed."""
    path = Path(path).absolute()
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no actor key at {path}: run `complaints init` (or `./run up`, which makes it), "
                                    "or set COMPLAINTS_ACTOR_KEY_FILE to the key the API and workers use")
        create_secret(path, base64.b64encode(os.urandom(32)).decode())
    keys = [base64.b64decode(line) for line in path.read_text().split() if line.strip()]
    if not keys or any(len(k) < 32 for k in keys):
        raise ValueError(f"actor key file {path} must hold base64 keys of 32 bytes, one a line")
    return keys


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Prover:
    """Seals outgoing messages (the API) and vouches for incoming ones (a worker's codec)."""

    def __init__(self, keys: list[bytes]):
        self._keys = keys

    def _mac(self, key: bytes, binding: bytes) -> str:
        return hmac.new(key, binding, hashlib.sha256).hexdigest()

    def seal(self, payload: Payload, workflow_id: str, message: str, message_id: str | None = None,
             now: datetime | None = None, request_id: str = "") -> Binding:
        """Seal `payload` (in place) for one message to one workflow; returns what was bound."""
        b = Binding(workflow_id=workflow_id, message=message, id=message_id or uuid.uuid4().hex,
                    issued_at=now or datetime.now(UTC), digest=digest(payload.data),
                    request_id=request_id[:128])
        bound = b.model_dump_json().encode()
        payload.metadata[SEAL] = join_seal(bound, self._mac(self._keys[0], bound))
        return b

    def vouch(self, payload: Payload) -> None:
        """Mark `payload` VOUCHED with its binding when its seal holds; never trust a mark it came with."""
        if VOUCHED in payload.metadata:
            del payload.metadata[VOUCHED]
        sealed = payload.metadata.get(SEAL)
        if not sealed or len(sealed) > 2048:
            return
        bound, mac = split_seal(sealed)
        if not any(hmac.compare_digest(self._mac(k, bound).encode(), mac) for k in self._keys):
            return
        try:
            b = Binding.model_validate_json(bound)
        except ValueError:
            return
        if hmac.compare_digest(b.digest, digest(payload.data)):
            payload.metadata[VOUCHED] = bound


def strip(payload: Payload) -> None:
    """A process without the key vouches for nothing (the codec server, a bare client)."""
    if VOUCHED in payload.metadata:
        del payload.metadata[VOUCHED]


def prover_of(client) -> "Prover | None":
    """The prover a Temporal client seals with: its codec's (complaints.temporal builds it from the settings)."""
    return getattr(client.data_converter.payload_codec, "prover", None)
