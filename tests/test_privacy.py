"""Personal data never reaches the Temporal server or a log line in clear text."""
import io
import json
import logging

import pytest
import structlog

from api import service
from complaints.logs import handler_for, mask_text
from models import messages as m
from models.enums import Stage
from models.intake import workflow_id_for
from tests.actors import INTAKE
from tests.conftest import eventually, make_intake
from tests.helpers import result, stage_is

NAME, PHONE, ID_NUMBER, CARD = "欧阳娜娜", "13912345678", "110105199003071234", "6222020200112233445"
TEXT = f"我叫{NAME}，身份证{ID_NUMBER}，卡号{CARD}被盗刷了，请回电{PHONE}"
SECRETS = [NAME, PHONE, ID_NUMBER, CARD, "被盗刷了"]


async def run_lifecycle(client, queue) -> str:
    intake = make_intake(TEXT, customer={"id": "C-PII", "name": NAME, "phone": PHONE, "tier": "private",
                                         "elderly": True})
    cid = (await service.submit(client, intake, queue)).complaint_id
    await eventually(lambda: stage_is(client, cid, Stage.HANDLE))
    await service.send(client, cid, "withdraw", m.Withdraw(actor=INTAKE, reason=f"客户{NAME}来电撤诉 {PHONE}"))
    await result(client, cid)
    return cid


async def test_the_servers_history_holds_no_personal_data_in_clear(client, workers):
    cid = await run_lifecycle(client, workers["calm"])
    history = await client.get_workflow_handle(workflow_id_for(cid)).fetch_history()
    raw = json.dumps(history.to_json_dict(), ensure_ascii=False)
    assert "binary/encrypted" in raw or "YmluYXJ5L2VuY3J5cHRlZA" in raw  # the codec's encoding, maybe base64
    for secret in SECRETS:
        assert secret not in raw
        assert secret.encode().hex() not in raw
    # With the key, the same history decodes to the customer's data: it was there, encrypted.
    state = await service.state(client, cid)
    assert state.customer_masked == NAME[0] + "***" and "withdraw" in [h.action for h in state.history]


async def test_no_log_line_carries_personal_data(client, workers):
    buffer = io.StringIO()
    handler = handler_for(buffer, json_out=True)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        await run_lifecycle(client, workers["calm"])
        log = structlog.get_logger("test")
        log.info("customer called back", name=NAME, phone=PHONE, note=TEXT)
        try:
            raise ValueError(f"card {CARD} of {PHONE} rejected")
        except ValueError:
            log.exception("payment failed")
        logging.getLogger("third.party").warning("lookup for %s failed", PHONE)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    captured = buffer.getvalue()
    assert "customer called back" in captured and "payment failed" in captured and "lookup for" in captured
    for secret in [PHONE, ID_NUMBER, CARD, NAME]:
        assert secret not in captured, f"{secret} leaked into the logs"


def test_masking_rules():
    assert mask_text(f"call {PHONE}") == "call 139****5678"
    assert mask_text(ID_NUMBER) == "110105********1234"
    assert mask_text(CARD) == "6222***********3445"
    assert mask_text("+8613912345678") == "+86139****5678"
    assert mask_text("order 2026112200") == "order 2026112200"  # 10 digits: not personal data
    assert mask_text("我叫欧阳娜娜，请回电") == "我叫欧***，请回电"
    assert mask_text("王芳女士来电") == "王*女士来电" and mask_text("王先生来电") == "王先生来电"
    assert mask_text("My name is John Smith and") == "My name is J*** and"
    assert mask_text("Dear Ms. Chen,") == "Dear Ms. C***,"


async def test_the_codec_compresses_large_payloads_and_still_reads_payloads_written_before():
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from temporalio.api.common.v1 import Payload

    from complaints.codec import ENCODING, EncryptionCodec

    key = AESGCM.generate_key(bit_length=256)
    codec = EncryptionCodec("k1", key)
    state = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps({"text": TEXT, "history": [TEXT] * 40},
                                                                           ensure_ascii=False).encode())
    small = Payload(metadata={"encoding": b"json/plain"}, data=b'"ok"')
    big, tiny = await codec.encode([state, small])
    assert big.metadata["compression"] == b"zlib" and len(big.data) < len(state.data) / 3
    assert "compression" not in tiny.metadata
    assert await codec.decode([big, tiny]) == [state, small]
    assert not any(s.encode() in big.data for s in SECRETS)

    # A payload from before compression (no `compression` entry) still decodes.
    nonce = b"\0" * 12
    legacy = Payload(metadata={"encoding": ENCODING, "encryption-key-id": b"k1"},
                     data=nonce + AESGCM(key).encrypt(nonce, state.SerializeToString(), None))
    assert await codec.decode([legacy]) == [state]
    # An unknown compression method is refused, not guessed at.
    big.metadata["compression"] = b"lz77"
    with pytest.raises(ValueError, match="lz77"):
        await codec.decode([big])


async def test_personal_data_is_sealed_at_rest_and_opened_only_for_what_is_shown(client, workers, engine, api):
    """The read model holds no name, phone, customer id or text in clear; exact search finds them by their
    keyed hashes; the analyse stage still finds the customer's earlier complaint; a supervisor reads them."""
    from sqlalchemy import text as sql

    from tests.helpers import submit

    customer = {"id": "CSEAL-4711", "name": "欧阳明月", "phone": "13612345678", "tier": "vip"}
    first = await submit(client, workers["calm"], "信用卡年费乱收费，编号 SEALED-TEXT-1", customer=customer)
    second = await submit(client, workers["calm"], "年费又被乱收了 SEALED-TEXT-2", customer=customer)
    with engine.connect() as conn:
        raw = conn.execute(sql("SELECT * FROM complaint WHERE id IN (:a, :b)"), {"a": first, "b": second}).all()
    dump = repr(raw)
    for secret in ("欧阳明月", "13612345678", "CSEAL-4711", "SEALED-TEXT"):
        assert secret not in dump, secret
    assert all(str(v).startswith("f1:") for r in raw for k, v in r._mapping.items()
               if k in ("customer_name", "customer_phone", "customer_id", "text"))
    assert (await service.state(client, second)).recent_complaints == [first]  # found by the customer's tag

    async with api.http() as h:
        sup = await api.as_("S001")
        listed = (await h.get("/v1/complaints", params={"customer_id": "CSEAL-4711"}, headers=sup)).json()
        assert {r["complaint_id"] for r in listed} == {first, second}
        clear = (await h.get(f"/v1/complaints/{first}/customer", headers=sup)).json()
        assert (clear["name"], clear["phone"], clear["customer_id"]) == ("欧阳明月", "13612345678", "CSEAL-4711")
