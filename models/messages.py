"""Payloads of the public messages. Each is both a signal and an update of the same name."""
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from models.enums import Finding, Relief, ReviewOutcome
from models.intake import Actor, Strict

NOTE = Field(default="", max_length=2000)
WORK_ORDER_ID = Field(max_length=16, pattern=r"^WO-\d{1,6}$")


class Message(Strict):
    actor: Actor


class Accept(Message):
    note: str = NOTE


class AddNote(Message):
    text: str = Field(min_length=1, max_length=2000)


class OpenWorkOrder(Message):
    department: str = Field(min_length=1, max_length=64)
    question: str = Field(min_length=1, max_length=2000)
    due: str | None = Field(default=None, max_length=16,
                            description='a policy duration such as "24h"; default from the policy')


class AnswerWorkOrder(Message):
    work_order_id: str = WORK_ORDER_ID
    answer: str = Field(min_length=1, max_length=4000)


class CancelWorkOrder(Message):
    work_order_id: str = WORK_ORDER_ID
    reason: str = Field(min_length=1, max_length=2000)


class RequestCustomerInfo(Message):
    what: str = Field(min_length=1, max_length=2000)


class StartAppraisal(Message):
    """An external appraisal, test or assessment (鉴定、检测、评估) begins: the decision limit and the resolution
    clocks stop counting until it ends; the customer is told."""
    what: str = Field(min_length=1, max_length=500)
    by: str = Field(min_length=1, max_length=200)   # the outside body doing it


class EndAppraisal(Message):
    result: str = Field(min_length=1, max_length=2000)


class LinkRepeat(Message):
    """This complaint repeats an open one of the same customer (Order No. 3: merged with it): it is handled
    there, on that one's clock, and its own clocks are held while it stays linked."""
    of: str = Field(pattern=r"^[A-Z]{2}\d{10}$")
    note: str = NOTE


class NewFacts(Message):
    """Not a repeat after all: the customer brings new facts or reasons. Unlinks a linked repeat (its clocks
    run again; the time linked is not counted) or sets the offer aside; recorded either way."""
    reason: str = Field(min_length=1, max_length=2000)


class CustomerInfoReceived(Message):
    note: str = NOTE
    # Images the customer sent with it on their page, by id: kept sealed in the database (models/customer.py),
    # never in the history.
    attachments: list[Annotated[str, Field(pattern=r"^up_[a-z0-9]{20}$")]] = Field(default_factory=list,
                                                                                  max_length=5)


class ApproveDisposal(Message):
    note: str = NOTE


class RecordDisposal(Message):
    """What the owner did about an emergency (card frozen, transactions intercepted…): what reviewers review."""
    text: str = Field(min_length=1, max_length=2000)


class ReturnDisposal(Message):
    """A reviewer sends the disposal back to its owner, saying what is missing; its approvals start over."""
    reason: str = Field(min_length=1, max_length=2000)


class IncidentNotice(Message):
    """A major incident's plan, announced to this complaint's customer (sent by the incident, for the supervisor
    who published it): recorded here, the customer told, and the clocks the policy names met."""
    incident_id: str = Field(pattern=r"^INC-\d{12}-[0-9a-f]{6}$")
    zh: str = Field(min_length=1, max_length=2000)
    en: str = Field(default="", max_length=2000)


DECISION_PART = Field(default="", max_length=2000)
CODE_PART = Field(default=None, max_length=16, pattern=r"^[A-Z][A-Z0-9]{0,15}$")


class DecisionParts(Strict):
    """A decision notice's parts (Order No. 3: what was verified, the basis and the reasons; what the complaint
    was found to be and the relief). Optional here so that one left out is a refusal naming it (as a script
    part is), recorded on the complaint, not a validation error."""
    finding: Finding | None = None
    relief: Relief | None = None
    facts: str = DECISION_PART     # what was verified
    basis: str = DECISION_PART     # the rules, contract terms or law the decision rests on
    reasons: str = DECISION_PART
    # The regulator's codes (JR/T 0169-2018) as whoever decides confirms or corrects the analyse stage's
    # proposal: the channel the business went through, its business category, the reason.
    channel_code: str | None = CODE_PART
    business_code: str | None = CODE_PART
    reason_code: str | None = CODE_PART
    # Monetary relief is money: how much, in what currency, what for. Above the policy's limit a second
    # person approves it first (`approve_redress`); it goes to the redress ledger when the decision is sent.
    redress_amount: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)
    redress_currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    redress_for: str = Field(default="", max_length=500)

    def decision(self) -> dict[str, str]:
        """The parts an incident hands to each of its complaints' decisions, the codes with them."""
        return self.model_dump(mode="json", include={"finding", "relief", "facts", "basis", "reasons",
                                                     "channel_code", "business_code", "reason_code",
                                                     "redress_amount", "redress_currency", "redress_for"},
                               exclude_none=True)


class ProposeResponse(Message, DecisionParts):
    """The bank's decision, sent to the customer: the response's text and the decision notice's parts. A
    review's decision says too whether it upholds the first decision or revises it. The notice sent states
    the remedies open."""
    text: str = Field(min_length=1, max_length=4000)
    review: ReviewOutcome | None = None  # only in a review (核查)


class ApproveRedress(Message):
    """A supervisor, as the second person, approves the money a decision will give above the policy's limit:
    the decision may then carry up to this amount in this currency. Never the complaint's owner, nor who sends
    the decision."""
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    note: str = NOTE


class CustomerFeedback(Message):
    satisfied: bool
    csat: int = Field(ge=1, le=5)
    comment: str = NOTE


class Escalate(Message):
    reason: str = Field(min_length=1, max_length=2000)


class Reassign(Message):
    owner_id: str | None = Field(default=None, max_length=64)
    department: str | None = Field(default=None, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)


class ApproveClose(Message):
    note: str = NOTE


class Withdraw(Message):
    reason: str = NOTE


class ExtendDeadline(Message):
    """The regulatory limit goes from 15 to 30 days for a complex case, or (by a head-office approver) a
    further 30 for an especially complex one; the customer is told the new date and the reason."""

    reason: str = Field(min_length=1, max_length=2000)


class CorrectClassification(Message):
    """A supervisor corrects what the analyse stage decided; corrections become training rows."""

    business_type: str | None = Field(default=None, min_length=1, max_length=64)
    problem_nature: str | None = Field(default=None, min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)


# The public contract: message name -> payload type. Signals and updates are generated from it.
