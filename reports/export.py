"""A month's complaints as CSV for regulatory statistics: one row per complaint received in the month."""
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from complaints import reads
from complaints.fields import FieldCipher
from complaints.files import open_private
from models.text import spreadsheet_safe
from sla.periods import month_bounds

COLUMNS = ["complaint_id", "external_ref", "channel", "customer_id", "customer_name", "customer_phone", "tier",
           "business_type", "problem_nature", "level", "emergency", "department", "received_at", "closed_at",
           "on_time", "outcome", "csat", "reopened_from", "surface_fix"]


def _mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def rows(engine: Engine, month: str, tz: str, cipher: FieldCipher, unmasked: bool = False) -> Iterator[dict[str, str]]:
    """The month's rows. Sealed columns are opened only for what is shown: the customer id, the phone (to
    mask it, or in clear), and the name only when unmasked."""
    start, end = month_bounds(month, tz)
    zone = ZoneInfo(tz)
    for r in reads.export_rows(engine, start, end):
        on_time = "open" if r.closed_at is None else ("no" if r.breached else "yes")
        phone = cipher.open(r.customer_phone, "customer_phone", r.id)
        yield {
            "complaint_id": r.id, "external_ref": r.external_ref, "channel": r.channel,
            "customer_id": cipher.open(r.customer_id, "customer_id", r.id),
            "customer_name": cipher.open(r.customer_name, "customer_name", r.id) if unmasked else r.customer_masked,
            "customer_phone": phone if unmasked else _mask_phone(phone),
            "tier": r.tier, "business_type": r.business_type or "", "problem_nature": r.problem_nature or "",
            "level": r.level or "", "emergency": "yes" if r.emergency else "no", "department": r.department,
            "received_at": r.received_at.astimezone(zone).isoformat(timespec="minutes"),
            "closed_at": r.closed_at.astimezone(zone).isoformat(timespec="minutes") if r.closed_at else "",
            "on_time": on_time, "outcome": r.outcome or "", "csat": "" if r.csat is None else str(r.csat),
            "reopened_from": r.reopened_from or "", "surface_fix": "yes" if r.surface_fix else "no",
        }


def write(f: IO[str], engine: Engine, month: str, tz: str, cipher: FieldCipher, unmasked: bool = False) -> int:
    """The month's rows as CSV into `f`, every cell safe to open in a spreadsheet; returns how many."""
    count = 0
    writer = csv.DictWriter(f, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows(engine, month, tz, cipher, unmasked):
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
        count += 1
    return count


def write_csv(engine: Engine, month: str, tz: str, path: Path, cipher: FieldCipher, unmasked: bool = False,
              force: bool = False) -> int:
    """UTF-8 with a byte-order mark, so the spreadsheet regulators open it in shows the Chinese right.
    Owner-only, and an existing file is kept unless `force`."""
    with open_private(path, force, encoding="utf-8-sig", newline="") as f:
        return write(f, engine, month, tz, cipher, unmasked)
