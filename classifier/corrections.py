"""Corrections as new training rows: a supervisor's of the classification (business type, problem nature), and
a decision's of the regulator's codes the analyse stage proposed (channel, business, reason)."""
import csv
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from complaints.fields import FieldCipher, opened
from complaints.files import open_private
from models.tables import AuditEvent, ComplaintRow
from models.text import spreadsheet_safe


def export_corrections(engine: Engine, path: Path, cipher: FieldCipher, force: bool = False) -> int:
    """One row per corrected complaint, with the labels and codes as they stand now (the last correction wins)."""
    with Session(engine) as session:
        corrected = session.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(
            select(AuditEvent.complaint_id).where(col(AuditEvent.action).in_(CORRECTIONS))))
            .order_by(ComplaintRow.id)).all()
    with open_private(Path(path), force, encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["complaint_id", "text", "business_type", "problem_nature", "channel_code", "business_code",
                         "reason_code"])
        for row in corrected:
            writer.writerow([spreadsheet_safe(str(v or "")) for v in
                             (row.id, opened(cipher, row, "text"), row.business_type, row.problem_nature,
                              row.code_channel, row.code_business, row.code_reason)])
    return len(corrected)


CORRECTIONS = ("correct_classification", "codes_corrected")
