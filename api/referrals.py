"""The report back to the regulator on a complaint it forwarded (reports/referral.py): prepared from the
record by someone on the case (prepared again until it is sent, which clears an approval), approved by a
supervisor who did not prepare it (four eyes), then marked sent with how it went. Each step keeps who and
when on the report's row; every request is in the access audit too. The report holds the complaint's text,
so its row keeps it sealed like the read model's personal data."""
import json
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.problems import Refused
from complaints import reads
from complaints.fields import FieldCipher, opened
from complaints.retention import ERASED
from models.reasons import why
from models.state import ComplaintState
from models.tables import ReferralReport
from reports import referral
from workflows.permissions import Can
from workflows.permissions import may as may_role

__all__ = ["Can", "approve", "document", "get", "mark_sent", "may", "prepare"]


def may(principal, can: Can) -> bool:
    return may_role(principal.role, can)

SEALED_AS = "referral_report"  # the cipher's column name for the sealed report


def _row(engine: Engine, complaint_id: str):
    row = reads.complaint_row(engine, complaint_id)
    if row is None:
        raise Refused(404, why("no_complaint", complaint=complaint_id))
    if not row.referral_ref:
        raise Refused(422, why("not_referred", complaint=complaint_id))
    return row


def prepare(engine: Engine, cipher: FieldCipher, state: ComplaintState, focus: str, by: str,
            now: datetime) -> ReferralReport:
    row = _row(engine, state.complaint_id)
    if state.decision is None:
        raise Refused(422, why("referral_undecided", complaint=state.complaint_id))
    content = referral.build(state, row, opened(cipher, row, "text"), reads.sent_to_customer(engine, row.id),
                             focus, now)
    with Session(engine) as session:
        report = session.get(ReferralReport, row.id)
        if report is not None and report.sent_at is not None:
            raise Refused(409, why("report_sent", complaint=row.id, at=report.sent_at.isoformat()))
        report = report or ReferralReport(complaint_id=row.id, reference=row.referral_ref, content="",
                                          prepared_by=by, prepared_at=now)
        report.reference, report.due = row.referral_ref, row.referral_due
        report.content = cipher.seal(json.dumps(content, ensure_ascii=False), SEALED_AS, row.id)
        report.prepared_by, report.prepared_at, report.approved_by, report.approved_at = by, now, None, None
        session.add(report)
        session.commit()
        session.refresh(report)
        return report


def get(engine: Engine, complaint_id: str) -> ReferralReport | None:
    with Session(engine) as session:
        return session.get(ReferralReport, complaint_id)


def printed(engine: Engine, cipher: FieldCipher, complaint_id: str) -> bytes:
    """The prepared report as a PDF (the API's and the page's)."""
    report = get(engine, complaint_id)
    if report is None:
        raise Refused(404, why("no_report", complaint=complaint_id))
    return referral.pdf(document(cipher, report))


def document(cipher: FieldCipher, report: ReferralReport) -> dict:
    """The report's content; past retention it was erased (complaints/retention.py) and only its steps stay."""
    if report.content == ERASED:
        raise Refused(410, why("report_erased", complaint=report.complaint_id))
    return json.loads(cipher.open(report.content, SEALED_AS, report.complaint_id))


def approve(engine: Engine, complaint_id: str, by: str, now: datetime) -> ReferralReport:
    """A supervisor who did not prepare it; approving it again changes nothing."""
    with Session(engine) as session:
        report = session.get(ReferralReport, complaint_id)
        if report is None:
            raise Refused(404, why("no_report", complaint=complaint_id))
        if report.prepared_by == by:
            raise Refused(403, why("own_report", actor=by))
        if report.approved_by is None:
            report.approved_by, report.approved_at = by, now
            session.add(report)
            session.commit()
            session.refresh(report)
        return report


def mark_sent(engine: Engine, complaint_id: str, by: str, via: str, now: datetime) -> ReferralReport:
    """Once approved; a second time answers with the sending already recorded."""
    with Session(engine) as session:
        report = session.get(ReferralReport, complaint_id)
        if report is None:
            raise Refused(404, why("no_report", complaint=complaint_id))
        if report.approved_by is None:
            raise Refused(422, why("report_unapproved", complaint=complaint_id))
        if report.sent_at is None:
            report.sent_by, report.sent_at, report.sent_via = by, now, via
            session.add(report)
            session.commit()
            session.refresh(report)
        return report
