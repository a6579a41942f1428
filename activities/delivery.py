"""Delivering one notification of the outbox, idempotently: a row already sent or given up is left alone."""
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from complaints import links
from complaints.config import Settings
from complaints.db import insert_ignore
from complaints.fields import FieldCipher, opened
from delivery import templates
from delivery.transports import NotConfigured, Rejected, gateway_client, post_gateway, send_email
from models.tables import ComplaintRow, Notification

SUBJECT = {"zh": "您的投诉 {cid}", "en": "Your complaint {cid}"}
LINK_LINE = {"zh": "\n查看进度、补充材料、评价或申请核查：{link}", "en": "\nFollow it, answer, rate it or ask for a review: {link}"}


def customer_link(settings: Settings, cipher: FieldCipher, row: ComplaintRow) -> str:
    until = datetime.now(UTC) + timedelta(days=settings.link_days)
    token = links.issue(cipher.sign, links.LINK, row.id, row.link_epoch, until)
    # The page opens in the customer's language, and in large type (长辈模式) for an elderly customer.
    query = [*(["lang=en"] if row.customer_language == "en" else []), *(["large=1"] if row.customer_elderly else [])]
    return f"{settings.page_url}/my/{token}" + (f"?{'&'.join(query)}" if query else "")


class DeliveryActivities:
    def __init__(self, engine: Engine, settings: Settings, cipher: FieldCipher):
        self.engine, self.settings, self.cipher = engine, settings, cipher
        self.templates = templates.load(settings.delivery_templates)
        self.gateway = gateway_client()

    @activity.defn(name="pending_notifications")
    def pending(self, limit: int) -> list[str]:
        with Session(self.engine) as session:
            n = Notification
            return list(session.exec(select(n.key).where(col(n.sent_at).is_(None), col(n.failed_at).is_(None))
                                     .order_by(col(n.created_at)).limit(limit)).all())

    @activity.defn(name="deliver_notifications")
    def deliver_first(self, keys: list[str]) -> list[tuple[str, str, str]]:
        """The first attempt at each of a round's notifications, in one activity: each key's outcome and error.
        "retry" (the transport failed, Temporal retries it on its own) and "rejected" are left to the workflow."""
        done: list[tuple[str, str, str]] = []
        for key in keys:
            activity.heartbeat(len(done))
            try:
                done.append((key, self._attempt(key), ""))
            except ApplicationError as e:
                done.append((key, "rejected", str(e)[:300]))
            except Exception as e:
                done.append((key, "retry", f"{type(e).__name__}: {e}"[:300]))
        return done

    @activity.defn(name="deliver_notification")
    def deliver(self, key: str) -> str:
        return self._attempt(key)

    def _attempt(self, key: str) -> str:
        with Session(self.engine) as session:
            n = session.get(Notification, key)
            if n is None or n.sent_at or n.failed_at:
                return "done before"
            n.attempts += 1
            session.add(n)
            session.commit()
            row = session.get(ComplaintRow, n.complaint_id)
            try:
                how = self._send(n, row)
            except NotConfigured as e:
                n.failed_at, n.last_error = _now(), f"not configured: {e}"[:300]
                session.add(n)
                session.commit()
                return "not configured"
            except Rejected as e:
                n.last_error = str(e)[:300]
                session.add(n)
                session.commit()
                raise ApplicationError(str(e), type="Rejected", non_retryable=True) from None
            except Exception as e:  # the transport is down or slow: Temporal retries with backoff
                n.last_error = f"{type(e).__name__}: {e}"[:300]
                session.add(n)
                session.commit()
                raise
            n.sent_at, n.last_error = _now(), ""
            session.add(n)
            session.commit()
            return how

    def _send(self, n: Notification, row: ComplaintRow | None) -> str:
        s = self.settings
        if n.recipient_kind != "customer" or n.channel == "internal":
            return "workbench inbox"  # staff read it on the workbench (/ui/messages)
        if row is None:
            raise Rejected(f"no complaint {n.complaint_id} in the read model")
        language = row.customer_language or "zh"
        text = templates.render(self.templates, n.template, language, json.loads(n.params or "{}"), n.body)
        # The customer's page, by a link made as it is sent: never kept in the outbox, a log or the history.
        text += LINK_LINE.get(language, LINK_LINE["zh"]).format(link=customer_link(self.settings, self.cipher, row))
        if n.channel == "phone":
            return "workbench inbox"  # a call the owner makes (a regulator's referral): on their workbench
        if n.channel == "email":
            if not s.smtp_url:
                raise NotConfigured("SMTP_URL")
            address = opened(self.cipher, row, "customer_email")
            if not address:
                raise NotConfigured("no e-mail address for this customer")
            send_email(s.smtp_url, s.mail_from, address, SUBJECT.get(language, SUBJECT["zh"]).format(
                cid=n.complaint_id), text, n.key)
            return "email"
        url = {"sms": s.sms_gateway_url, "app": s.app_gateway_url}.get(n.channel)
        if not url:
            raise NotConfigured("SMS_GATEWAY_URL" if n.channel == "sms" else "APP_GATEWAY_URL"
                                if n.channel == "app" else f"channel {n.channel}")
        to = {"phone": opened(self.cipher, row, "customer_phone")} if n.channel == "sms" else \
            {"customer_id": opened(self.cipher, row, "customer_id")}
        post_gateway(url, s.gateway_secret(), {"kind": n.channel, "to": to, "text": text, "language": language,
                                               "complaint_id": n.complaint_id, "template": n.template}, n.key,
                     self.gateway)
        return n.channel

    @activity.defn(name="delivery_failed")
    def failed(self, key: str, error: str) -> None:
        """Retries are spent: record it, and tell the department's supervisor on the workbench, once."""
        with Session(self.engine) as session:
            n = session.get(Notification, key)
            if n is None or n.sent_at or n.escalated:
                return
            row = session.get(ComplaintRow, n.complaint_id)
            n.failed_at, n.last_error, n.escalated = n.failed_at or _now(), error[:300], True
            session.add(n)
            department = row.department if row else "complaints"
            insert_ignore(session, Notification, [dict(
                key=f"{key}/undelivered", complaint_id=n.complaint_id, recipient_kind="supervisor",
                recipient=f"supervisor:{department}", channel="internal", template="delivery_failed",
                body=f"{n.complaint_id}: {n.template} to the customer by {n.channel} could not be delivered after "
                     f"{n.attempts} attempts ({error[:150]}); please reach the customer another way",
                created_at=_now(), params=json.dumps({"cid": n.complaint_id, "message": n.template,
                                                      "channel": n.channel, "attempts": str(n.attempts),
                                                      "error": error[:150]}))])
            session.commit()


def _now() -> datetime:
    return datetime.now(UTC)
