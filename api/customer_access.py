"""The customer's page behind its link: who may open it (a link, then a one-time code to the phone on record),
how often (per complaint and per address, counted from the audit rows, so every API process counts alike),
and the images a customer sends (checked, sealed, stored once per form).

Every attempt is a `customer_access` row: opened, code sent, code checked, each form, refused or not."""
import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from complaints import links
from complaints.config import Settings
from complaints.db import insert_ignore
from complaints.fields import FieldCipher, opened
from delivery.transports import post_gateway, send_email
from models.customer import CustomerAccess, CustomerCode, CustomerUpload
from models.tables import ComplaintRow

CODE_SUBJECT = {"zh": "投诉 {cid} 查询验证码", "en": "Your code for complaint {cid}"}
CODE_TEXT = {"zh": "您的投诉查询验证码：{code}，{minutes} 分钟内有效。请勿告诉他人，银行工作人员不会向您索要。",
             "en": "Your complaint page code: {code}, valid for {minutes} minutes. Tell no one: the bank never asks."}
def address_tag(cipher: FieldCipher, address: str) -> str:
    return cipher.tag(f"address:{address}")


def epoch_of(engine: Engine, complaint_id: str) -> int | None:
    with Session(engine) as session:
        return session.exec(select(ComplaintRow.link_epoch).where(col(ComplaintRow.id) == complaint_id)).first()


def record(engine: Engine, complaint_id: str | None, action: str, outcome: str, address: str, at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(insert(CustomerAccess.__table__), [dict(  # type: ignore[attr-defined]
            complaint_id=complaint_id, at=at, action=action, outcome=outcome[:64], address_tag=address)])


def busy_address(engine: Engine, settings: Settings, address: str, now: datetime) -> bool:
    """This address failed on the page too often in the last hour (bad, expired or withdrawn links, wrong
    codes, on any complaint: a guesser tries many). Only failures count: a mobile carrier puts many customers
    behind one address, and a customer using their page is no guesser."""
    with Session(engine) as session:
        n = session.exec(select(func.count()).select_from(CustomerAccess).where(
            col(CustomerAccess.address_tag) == address, col(CustomerAccess.at) > now - timedelta(hours=1),
            col(CustomerAccess.outcome) != "ok")).one()
    return n >= settings.attempts_per_hour


@dataclass(frozen=True)
class Sent:
    to: str          # the phone, masked
    until: datetime


def destination(settings: Settings, cipher: FieldCipher, row: ComplaintRow | None) -> tuple[str, str]:
    """Where this bank sends the code (`CODE_BY`: the phone on record, or the e-mail address on record) and
    the address itself; empty when the complaint has none."""
    if row is None:
        return settings.code_by, ""
    return settings.code_by, opened(cipher, row, "customer_email" if settings.code_by == "email" else "customer_phone")


def masked(by: str, address: str) -> str:
    """What the page says the code went to: the phone's last four digits, or the mailbox's first letter."""
    if by == "email":
        name, _, domain = address.partition("@")
        return f"{name[:1]}•••@{domain}" if name and domain else "••••"
    return links.masked_phone(address)


async def send_code(engine: Engine, settings: Settings, cipher: FieldCipher, complaint_id: str,
                    now: datetime) -> Sent | str:
    """A fresh code to the phone (or e-mail address) on record, or why not: `codes_too_many` (per complaint
    and hour), `no_phone`, `not_sent` (the transport is not configured or did not take it)."""
    with Session(engine) as session:
        row = session.get(ComplaintRow, complaint_id)
        sent = session.exec(select(func.count()).select_from(CustomerCode).where(
            col(CustomerCode.complaint_id) == complaint_id, col(CustomerCode.sent_at) > now - timedelta(hours=1))).one()
    by, address = destination(settings, cipher, row)
    if sent >= settings.codes_per_hour:
        return "codes_too_many"
    if not address:
        return "no_phone"
    if not (settings.smtp_url if by == "email" else settings.sms_gateway_url):
        return "not_sent"
    code, code_id = links.new_code(), f"cc_{secrets.token_hex(10)}"
    until = now + timedelta(minutes=settings.code_minutes)
    with Session(engine) as session:
        session.add(CustomerCode(id=code_id, complaint_id=complaint_id, digest=links.code_digest(cipher.sign, code_id, code),
                                 sent_at=now, expires_at=until))
        session.commit()
    language = row.customer_language if row is not None and row.customer_language in CODE_TEXT else "zh"
    text = CODE_TEXT[language].format(code=code, minutes=settings.code_minutes)
    try:
        if by == "email":
            await asyncio.to_thread(send_email, settings.smtp_url or "", settings.mail_from, address,
                                    CODE_SUBJECT[language].format(cid=complaint_id), text, code_id)
        else:
            await asyncio.to_thread(post_gateway, settings.sms_gateway_url or "", settings.gateway_secret(create=False), {
                "kind": "sms", "to": {"phone": address}, "text": text, "language": language,
                "complaint_id": complaint_id, "template": "access_code"}, code_id)
    except Exception:  # noqa: BLE001 - the transport's trouble is the customer's "try again later", not a 500
        return "not_sent"
    return Sent(masked(by, address), until)


def check_code(engine: Engine, settings: Settings, cipher: FieldCipher, complaint_id: str, typed: str,
               now: datetime) -> str | None:
    """None when `typed` is the newest live code (which is then used up), else why not: `code_none` (no live
    code: never sent, expired or used), `code_spent` (too many wrong tries), `code_wrong`."""
    with Session(engine) as session:
        code = session.exec(select(CustomerCode).where(
            col(CustomerCode.complaint_id) == complaint_id, col(CustomerCode.used_at).is_(None),
            col(CustomerCode.expires_at) > now).order_by(col(CustomerCode.sent_at).desc())).first()
        if code is None:
            return "code_none"
        if code.tries >= settings.code_tries:
            return "code_spent"
        if not secrets.compare_digest(code.digest, links.code_digest(cipher.sign, code.id, typed)):
            # Counted in the database itself: two wrong tries at once both count.
            session.exec(update(CustomerCode).where(col(CustomerCode.id) == code.id)
                         .values(tries=CustomerCode.tries + 1))
            session.commit()
            return "code_wrong"
        used = session.exec(update(CustomerCode).where(
            col(CustomerCode.id) == code.id, col(CustomerCode.used_at).is_(None)).values(used_at=now))
        session.commit()
        return None if used.rowcount == 1 else "code_none"  # the same code typed twice at once opens once


def upload_id(complaint_id: str, form_key: str, place: int) -> str:
    """The same form's same image has the same id: a form sent again names the images it named."""
    raw = hashlib.sha256(f"{complaint_id}\n{form_key}\n{place}".encode()).digest()
    return "up_" + base64.b32encode(raw).decode().lower()[:20]


def store_images(engine: Engine, cipher: FieldCipher, complaint_id: str, form_key: str,
                 images: list[tuple[bytes, str]], now: datetime) -> list[str]:
    ids = [upload_id(complaint_id, form_key, i) for i in range(len(images))]
    with Session(engine) as session:
        insert_ignore(session, CustomerUpload, [dict(
            id=uid, complaint_id=complaint_id, form_key=form_key, place=i, media_type=kind, size=len(data),
            content=cipher.seal_bytes(data, "customer_upload", uid), received_at=now)
            for i, (uid, (data, kind)) in enumerate(zip(ids, images, strict=True))])
        session.commit()
    return ids


def revoke_links(engine: Engine, complaint_id: str) -> int | None:
    """Every link sent so far stops working (the next message carries a new one); the new epoch, or None."""
    with Session(engine) as session:
        session.exec(update(ComplaintRow).where(col(ComplaintRow.id) == complaint_id)
                     .values(link_epoch=ComplaintRow.link_epoch + 1))
        session.commit()
    return epoch_of(engine, complaint_id)


def open_image(engine: Engine, cipher: FieldCipher, complaint_id: str, upload_id: str) -> tuple[str, bytes] | None:
    with Session(engine) as session:
        up = session.get(CustomerUpload, upload_id)
        if up is None or up.complaint_id != complaint_id:
            return None
        return up.media_type, cipher.open_bytes(up.content, "customer_upload", up.id)
