"""When a decision may be reviewed (核查) and who stays out of the review: pure, over what is known of the
decided complaint (`Decided`: its live state, or its read-model row once Temporal no longer keeps it;
api/reviews.py applies them; docs/sla.md)."""
from dataclasses import dataclass
from datetime import datetime

from models.reasons import Reason, why
from models.state import ComplaintState
from workflows import texts


@dataclass(frozen=True)
class Decided:
    id: str
    department: str
    stage: str
    review_of: str | None
    decided_at: datetime | None
    review_by: datetime | None
    finding: str | None
    owner_id: str
    first_responder_id: str
    decided_by: str | None
    close_approved_by: str | None

    @classmethod
    def of_state(cls, s: ComplaintState) -> "Decided":
        """The live state: what the customer was told at the moment they ask (the read model may lag it)."""
        d = s.decision
        return cls(s.complaint_id, s.department, s.stage.value, s.review_of.complaint_id if s.review_of else None,
                   d.at if d else None, d.review_by if d else None, d.finding.value if d else None, s.owner_id,
                   s.first_responder.id, d.by if d else None, s.close_approved_by)

    @classmethod
    def of_row(cls, row) -> "Decided":
        return cls(row.id, row.department, row.stage, row.review_of, row.decided_at, row.review_by, row.finding,
                   row.owner_id, row.first_responder_id, row.decided_by, row.close_approved_by)


def review_refusal(row: Decided, now: datetime, tz: str) -> Reason | None:
    """Why this complaint's decision may not be reviewed now, or None."""
    if row.review_of is not None:
        return why("review_of_review", complaint=row.id)
    if row.decided_at is None:
        return why("review_undecided", complaint=row.id)
    if row.stage != "closed":
        return why("review_open", complaint=row.id)
    if row.review_by is not None and now > row.review_by:
        return why("review_late", complaint=row.id, due=texts.when(row.review_by, tz))
    return None


def recused(row: Decided) -> list[str]:
    """Who handled, decided or approved the decision: they take no part in its review."""
    people = (row.owner_id, row.first_responder_id, row.decided_by, row.close_approved_by)
    return list(dict.fromkeys(p for p in people if p))
