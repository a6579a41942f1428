"""AES-GCM payload encryption, so the Temporal server and UI never hold personal data in clear text.

Payloads are compressed before they are encrypted (ciphertext does not compress): a complaint's state is
JSON that shrinks to about a third, which the server then stores, copies and sends in every history event
that carries it. Payloads written before compression came in have no `compression` entry and decode as
they always did."""
import base64
import os
import zlib
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from complaints.files import create_secret
from complaints.proof import Prover, strip
from models.payloads import refused_payload

ENCODING = b"binary/encrypted"
ZLIB = b"zlib"
COMPRESS_FROM = 256  # bytes: below this zlib's header costs more than it saves


class MissingKey(RuntimeError):
    """A client was pointed at a key file that does not exist: it must not invent a key of its own."""


def secret_file(path: Path, create: bool = True) -> str:
    """A random token kept in a file (mode 0600), created on first use like the key."""
    path = Path(path).absolute()
    if not path.exists():
        if not create:
            raise MissingKey(f"no token file at {path}: run `complaints init` (or `./run up`, which makes it)")
        create_secret(path, base64.urlsafe_b64encode(os.urandom(24)).decode())
    return path.read_text().strip()


def load_or_create_key(path: Path, create: bool = True) -> tuple[str, bytes]:
    """(key id, key) from the key file. Only the processes that own the data (`up`, a worker, the codec
    server) write a new random key there on first run (mode 0600); a client with `create=False` refuses:
    a key made up by a CLI run from another folder would write complaints no worker can read."""
    path = Path(path).absolute()
    if not path.exists():
        if not create:
            raise MissingKey(f"no key file at {path}: run `complaints init` (or `./run up`, which makes it), or set "
                             "DATA_DIR / COMPLAINTS_KEY_FILE to the key the workers use")
        key = AESGCM.generate_key(bit_length=256)
        key_id = base64.b32encode(os.urandom(5)).decode().lower()
        create_secret(path, f"{key_id}:{base64.b64encode(key).decode()}")
    key_id, _, encoded = path.read_text().strip().partition(":")
    key = base64.b64decode(encoded)
    if len(key) != 32 or not key_id:
        raise ValueError(f"key file {path} is not of the form '<key id>:<base64 of 32 bytes>'")
    return key_id, key


class EncryptionCodec(PayloadCodec):
    """AES-GCM with the key file's key (and older keys, for reading only).

    Clients decode strictly: a payload they cannot read is an error at once. A worker's codec is built with
    `refuse=True`: the key is the authority on the Temporal side, so a payload that is not encrypted with a
    known key (plain JSON from a `temporal` CLI without the codec, a forged or corrupted ciphertext) becomes a
    small REFUSED payload naming why. The workflow then records or refuses that message like any other
    malformed one; raising here instead would fail the workflow task on every retry, forever."""

    def __init__(self, key_id: str, key: bytes, old_keys: dict[str, bytes] | None = None, refuse: bool = False,
                 prover: Prover | None = None):
        self.key_id = key_id
        self.prover = prover  # with the actor key: vouches for sealed messages (models/proof.py); else none
        self._keys = {key_id: AESGCM(key)} | {k: AESGCM(v) for k, v in (old_keys or {}).items()}
        self._refuse = refuse

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        aes = self._keys[self.key_id]
        out = []
        for p in payloads:
            plain = p.SerializeToString()
            metadata = {"encoding": ENCODING, "encryption-key-id": self.key_id.encode()}
            if len(plain) >= COMPRESS_FROM:
                packed = zlib.compress(plain, 1)  # level 1: most of the gain for a fraction of the time
                if len(packed) < len(plain):
                    plain, metadata["compression"] = packed, ZLIB
            nonce = os.urandom(12)
            out.append(Payload(metadata=metadata, data=nonce + aes.encrypt(nonce, plain, None)))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding") != ENCODING:
                out.append(refused_payload("the payload is not encrypted with the complaint key") if self._refuse else p)
                continue
            try:
                decoded = self._decrypt(p)
                self.prover.vouch(decoded) if self.prover else strip(decoded)
                out.append(decoded)
            except Exception as e:  # noqa: BLE001 - any unreadable payload is refused the same way
                if not self._refuse:
                    raise ValueError(str(e) or type(e).__name__) from None
                out.append(refused_payload(f"the payload could not be decrypted ({str(e)[:80] or type(e).__name__})"))
        return out

    def _decrypt(self, p: Payload) -> Payload:
        key_id = p.metadata.get("encryption-key-id", b"").decode(errors="replace")
        aes = self._keys.get(key_id)
        if aes is None:
            raise ValueError(f"payload encrypted with unknown key id {key_id[:16]!r}: this is not the key "
                             "the complaints were written with (check COMPLAINTS_KEY_FILE / DATA_DIR)")
        try:
            plain = aes.decrypt(p.data[:12], p.data[12:], None)
        except InvalidTag:
            raise ValueError("payload failed authentication (forged or corrupted)") from None
        compression = p.metadata.get("compression")
        if compression == ZLIB:
            plain = zlib.decompress(plain)
        elif compression is not None:
            raise ValueError(f"payload compressed with unknown method {compression.decode(errors='replace')!r}")
        decoded = Payload()
        decoded.ParseFromString(plain)
        return decoded

