"""What the customer's page shows of their complaint, in their words: where it stands, what was promised by
when, what the bank waits for from them, every message sent to them, and which forms they may use now. Read
from the complaint's live state (what the rules would decide) and the outbox (what was sent)."""
import json
from dataclasses import dataclass, field
from datetime import datetime

from api.customer_view import promised
from api.review_rules import Decided, review_refusal
from complaints import reads
from delivery import templates as delivery_templates
from models.enums import Stage
from models.state import ComplaintState
from models.vocabulary import clock_name, name
from workflows import texts

DONE = ("info", "feedback", "withdraw", "review")
_TEMPLATES: dict[str, dict[str, dict[str, str]]] = {}


@dataclass
class Promise:
    what: str
    by: str
    met: bool


@dataclass
class Said:
    at: str
    text: str


@dataclass
class View:
    complaint_id: str
    stage: Stage
    outcome: str
    received: str
    promises: list[Promise]
    asked_for: str | None                 # what the bank waits for from the customer, when it waits
    messages: list[Said]
    may_feedback: bool
    may_withdraw: bool
    review_until: str | None              # a review may be asked for until then
    reviewed_in: str | None               # the review already asked for
    tz: str = ""
    flags: list[str] = field(default_factory=list)


def _templates(ctx) -> dict[str, dict[str, str]]:
    path = str(ctx.settings.delivery_templates or "")
    if path not in _TEMPLATES:
        _TEMPLATES[path] = delivery_templates.load(ctx.settings.delivery_templates)
    return _TEMPLATES[path]


def build(ctx, s: ComplaintState, lang: str, now: datetime) -> View:
    tz = ctx.settings.policy().timezone
    decided = Decided.of_state(s)
    review = reads.review_for(ctx.engine, s.complaint_id)
    may_review = review is None and review_refusal(decided, now, tz) is None and decided.review_by is not None
    sent = reads.sent_to_customer(ctx.engine, s.complaint_id)
    shown = _templates(ctx)
    messages = []
    for n in reversed(sent):  # newest first: what a customer looks for
        try:
            params = {str(k): str(v) for k, v in json.loads(n.params or "{}").items()}
        except (ValueError, AttributeError):
            params = {}
        messages.append(Said(texts.when(n.created_at, tz),
                             delivery_templates.render(shown, n.template, lang, params, n.body)))
    return View(
        complaint_id=s.complaint_id, stage=s.stage, tz=tz,
        outcome=name("outcome", s.outcome.value, lang) if s.outcome else "",
        received=texts.when(s.received_at, tz),
        promises=[Promise(clock_name(c.kind.value, lang), texts.when(c.deadline(now), tz), c.met_at is not None)
                  for c in promised(s)],
        asked_for=s.pauses[-1].reason if s.waiting_on_customer and s.stage is Stage.HANDLE else None,
        messages=messages,
        may_feedback=s.stage is Stage.VERIFY and s.pending_outcome is None,
        may_withdraw=s.stage is not Stage.CLOSED,
        review_until=texts.when(decided.review_by, tz) if may_review and decided.review_by else None,
        reviewed_in=review.id if review is not None else None)
