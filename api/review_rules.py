"""When a decision may be reviewed (核查) and who stays out of the review: pure, over the decided complaint's
read-model row (api/reviews.py applies them; docs/sla.md)."""
from datetime import datetime

from models.reasons import Reason, why
from workflows import texts


def review_refusal(row, now: datetime, tz: str) -> Reason | None:
    """Why this complaint's decision may not be reviewed now, or None. Pure over the row."""
    if row.review_of is not None:
        return why("review_of_review", complaint=row.id)
    if row.decided_at is None:
        return why("review_undecided", complaint=row.id)
    if row.stage != "closed":
        return why("review_open", complaint=row.id)
    if row.review_by is not None and now > row.review_by:
        return why("review_late", complaint=row.id, due=texts.when(row.review_by, tz))
    return None


def recused(row) -> list[str]:
    """Who handled, decided or approved the decision: they take no part in its review."""
    people = (row.owner_id, row.first_responder_id, row.decided_by, row.close_approved_by)
    return list(dict.fromkeys(p for p in people if p))
