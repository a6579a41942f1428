"""Personal data at rest: the read model's name, phone, e-mail, customer id and text columns are sealed by
the application with a key derived from the payload key, and the phone and customer id carry a keyed hash
beside them for exact search. Whoever reads the database file without the key sees neither.

A sealed value reads `f1:<key id>:<base64 of nonce + AES-GCM ciphertext>`, bound to its column and row (a
value copied into another row or column does not open). A value without the prefix is one written before
sealing came in, and reads as it is."""
import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "f1:"


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"complaints read model " + purpose).derive(key)


def normal(value: str) -> str:
    """What an exact search compares: no spaces or dashes, case folded (a phone typed as 138-0013-8000)."""
    return value.replace(" ", "").replace("-", "").casefold()


class FieldCipher:
    def __init__(self, key_id: str, key: bytes):
        self.key_id = key_id
        self._aes = AESGCM(_derive(key, b"fields"))
        self._mac = _derive(key, b"search")
        self._signing = _derive(key, b"customer links")  # the customer's links, codes and page sessions

    def sign(self, purpose: str, value: str) -> bytes:
        """A keyed MAC of `value` for one purpose (a link's token and a session's cookie never stand in for
        each other): what complaints/links.py signs and checks with."""
        return hmac.new(self._signing, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()

    def seal_bytes(self, data: bytes, column: str, row: str) -> bytes:
        """A file the customer sent (an image), sealed like a column: nonce + AES-GCM, bound to where it is kept."""
        nonce = os.urandom(12)
        return nonce + self._aes.encrypt(nonce, data, f"{column}/{row}".encode())

    def open_bytes(self, data: bytes, column: str, row: str) -> bytes:
        return self._aes.decrypt(data[:12], data[12:], f"{column}/{row}".encode())

    def seal(self, value: str, column: str, row: str) -> str:
        if not value:
            return value
        nonce = os.urandom(12)
        sealed = self._aes.encrypt(nonce, value.encode(), f"{column}/{row}".encode())
        return f"{PREFIX}{self.key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, value: str | None, column: str, row: str) -> str:
        if not value or not value.startswith(PREFIX):
            return value or ""
        key_id, _, data = value[len(PREFIX):].partition(":")
        if key_id != self.key_id:
            raise ValueError(f"unknown key id {key_id!r}: this is not the key the read model was written with "
                             "(check COMPLAINTS_KEY_FILE / DATA_DIR)")
        raw = base64.b64decode(data)
        return self._aes.decrypt(raw[:12], raw[12:], f"{column}/{row}".encode()).decode()

    def tag(self, value: str) -> str:
        """The keyed hash an exact search finds a phone or customer id by."""
        return hmac.new(self._mac, normal(value).encode(), hashlib.sha256).hexdigest()[:40]


def cipher_for(settings, create: bool = False) -> FieldCipher:
    from complaints.codec import load_or_create_key

    return FieldCipher(*load_or_create_key(settings.key_file, create=create))


SEALED = ("customer_id", "customer_name", "customer_phone", "customer_email", "text")


def sealed_row(cipher: FieldCipher, complaint_id: str, **plain: str) -> dict[str, str]:
    """The read-model columns for these values: each sealed, and the search tags beside them."""
    out = {column: cipher.seal(value, column, complaint_id) for column, value in plain.items()}
    if "customer_id" in plain:
        out["customer_id_tag"] = cipher.tag(plain["customer_id"])
    if "customer_phone" in plain:
        out["customer_phone_tag"] = cipher.tag(plain["customer_phone"])
    return out


def opened(cipher: FieldCipher, row, column: str) -> str:
    """One sealed column of a complaint row, in clear."""
    return cipher.open(getattr(row, column), column, row.id)


def customer_of(cipher: FieldCipher, row) -> dict[str, object]:
    """The customer of a complaint row, in clear, as an intake's `customer` (a recurrence or a review is the
    same customer's new complaint). A row past retention holds no one: its masked name stands in."""
    return {"id": opened(cipher, row, "customer_id"), "name": opened(cipher, row, "customer_name") or row.customer_masked,
            "phone": opened(cipher, row, "customer_phone"), "tier": row.tier, "language": row.customer_language,
            "elderly": bool(getattr(row, "customer_elderly", False)),
            **({"email": email} if (email := opened(cipher, row, "customer_email")) else {})}
