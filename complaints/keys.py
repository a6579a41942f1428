"""Every key and secret file the system reads, made once by an operator before the first start
(`complaints init`), never by whichever process happened to start first: two workers that each made a key on
an empty volume would write complaints the other cannot read.

`init` refuses to overwrite: a key replaced is every sealed payload and column lost. `up` makes the missing
ones only (`only_missing`), so a newcomer's second `./run up` keeps the first one's keys."""
import base64
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from complaints.config import Settings
from complaints.files import create_secret


def _payload_key() -> str:
    key_id = base64.b32encode(os.urandom(5)).decode().lower()
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


def _actor_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _token() -> str:
    return base64.urlsafe_b64encode(os.urandom(24)).decode()


@dataclass(frozen=True)
class Secret:
    name: str             # compose's secret name
    what: str             # for a person
    path: Callable[[Settings], Path]
    make: Callable[[], str]


SECRETS = (
    Secret("complaints_key", "payload and column key (AES-256-GCM)", lambda s: s.key_file, _payload_key),
    Secret("actor_key", "seals each message to the person who sent it", lambda s: s.actor_key_file, _actor_key),
    Secret("api_secret", "signs the API's sessions and channel secrets",
           lambda s: s.api_secret_file or s.data_dir / "api.secret", _token),
    Secret("codec_token", "the codec server's bearer token",
           lambda s: s.codec_token_file or s.data_dir / "codec.token", _token),
    Secret("gateway_secret", "HMAC key shared with the SMS and app gateways",
           lambda s: s.gateway_secret_file or s.data_dir / "gateway.secret", _token),
    Secret("grafana_admin", "Grafana's admin password", lambda s: s.data_dir / "grafana.admin", _token),
    # The bank's provider issues this one: made empty, for the operator to fill (compose mounts it either way).
    Secret("oidc_client_secret", "the workbench's client secret at the bank's provider (fill it in)",
           lambda s: s.oidc_client_secret_file or s.data_dir / "oidc-client.secret", lambda: ""),
)


class Exists(RuntimeError):
    """`init` found files it will not overwrite."""


@dataclass
class Made:
    name: str
    path: Path
    made: bool  # False: it was there already and kept


def make(settings: Settings, only_missing: bool = False) -> list[Made]:
    """Write every secret file (mode 0600). Without `only_missing`, refuse before writing anything if any exists."""
    paths = [(s, s.path(settings)) for s in SECRETS]
    there = [p for _, p in paths if p.exists()]
    if there and not only_missing:
        raise Exists("will not overwrite " + ", ".join(str(p) for p in there) + ": a replaced key loses every "
                     "complaint sealed with it (move them away first if you mean it)")
    done = []
    for secret, path in paths:
        if path.exists():
            done.append(Made(secret.name, path, False))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        create_secret(path, secret.make())
        done.append(Made(secret.name, path, True))
    return done


class Missing(RuntimeError):
    """A process of the system started without a file `complaints init` makes."""


def require(settings: Settings, *names: str) -> None:
    """Stop a process at start, in one line, when a secret it needs was never made."""
    gone = [f"{s.path(settings)} ({s.what})" for s in SECRETS if s.name in names and not s.path(settings).exists()]
    if gone:
        raise Missing("missing " + "; ".join(gone) + ": run `complaints init` once before the first start "
                      "(docs/operations.md); no process makes a key of its own")
