"""The payload converter every process uses: pydantic JSON, plus a reader for payloads a worker refused.

A worker's codec turns a payload it will not read (not encrypted with a known key, or not decryptable)
into a small `binary/refused` payload carrying the reason (complaints/codec.py). This converter reads such
a payload as a `RefusedPayload`, so the workflow sees *why* instead of failing to decode it: decoding
errors outside a handler fail the workflow task on every retry."""
from dataclasses import dataclass
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import EncodingPayloadConverter

REFUSED_ENCODING = "binary/refused"


@dataclass(frozen=True)
class RefusedPayload:
    reason: str


class RefusedPayloadConverter(EncodingPayloadConverter):
    @property
    def encoding(self) -> str:
        return REFUSED_ENCODING

    def to_payload(self, value: Any) -> Payload | None:
        if isinstance(value, RefusedPayload):
            return Payload(metadata={"encoding": REFUSED_ENCODING.encode()}, data=value.reason.encode())
        return None

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        return RefusedPayload(payload.data.decode(errors="replace")[:200])


class ComplaintPayloadConverter(PydanticPayloadConverter):
    def __init__(self) -> None:
        super().__init__()
        self._set_converters(RefusedPayloadConverter(), *self.converters.values())


def refused_payload(reason: str) -> Payload:
    return Payload(metadata={"encoding": REFUSED_ENCODING.encode()}, data=reason.encode())
