"""The intake: what a channel submits. Validated strictly; unknown fields are refused."""
import hashlib
import re
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from models.enums import Channel, Language, Role, Tier
from models.lean import Lean
from models.text import find_bad_text

MAX_TEXT = 5000
# Mainland mobile numbers, or an international number in E.164 form.
_PHONE = re.compile(r"^(1[3-9]\d{9}|\+[1-9]\d{7,14})$")
# Channels keyed in by staff may lag a little; a minute of clock skew is tolerated, no more.
CLOCK_SKEW = timedelta(minutes=1)
# The department of the special handling group (major complaints); no intake may claim it.
SPECIAL_GROUP_DEPARTMENT = "special-group"
WORKFLOW_ID_PREFIX = "complaint-"


class Strict(Lean):
    """Every inbound payload: unknown fields refused, and no control characters in any text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        if problem := find_bad_text(data):
            raise ValueError(problem)
        return data


class Customer(Strict):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    phone: str
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    tier: Tier = Tier.STANDARD
    elderly: bool = False
    language: Language = Language.ZH  # what the customer is written to in

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        v = v.replace(" ", "").replace("-", "")
        if not _PHONE.match(v):
            raise ValueError("phone must be a mainland mobile number (11 digits) or +E.164")
        return v


class Actor(Strict):
    """The person (or channel system) acting. Every message carries one."""

    id: str = Field(min_length=1, max_length=64)
    role: Role
    department: str = Field(min_length=1, max_length=64)


class Referral(Strict):
    """A complaint the regulator forwards: its reference and the date it set for the bank's report back
    (Order No. 5, Art. 44: the report gives the facts, the dispute's focus, the investigation, the basis, the
    communication with the customer, any extension and the customer's satisfaction)."""
    reference: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")
    due: date


class IntakeRequest(Strict):
    """What the API takes from a channel or a person: the first responder is never in it (it is the person
    signed in, or the channel's desk), and a channel's credential decides the channel."""

    channel: Channel | None = None
    external_ref: str = Field(min_length=1, max_length=64, pattern=r"^[\w.:/-]+$")
    customer: Customer
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    # When the bank received it; a request without one was received as it arrives.
    received_at: datetime | None = None
    referral: Referral | None = None  # a regulator's referral only

    @field_validator("received_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("received_at needs a time zone offset, e.g. 2026-11-22T09:30:00+08:00")
        return v

    def taken_by(self, channel: Channel, received_by: "Actor", now: datetime) -> "Intake":
        return Intake.model_validate({**self.model_dump(), "channel": channel, "received_by": received_by.model_dump(),
                                      "received_at": self.received_at or now})


class Intake(IntakeRequest):
    """The workflow's input: a validated intake with its channel and first responder."""

    channel: Channel
    received_by: Actor
    received_at: datetime

    @field_validator("received_by")
    @classmethod
    def _no_authority(cls, v: Actor) -> Actor:
        # Whoever receives a complaint becomes its owner: the workflow's own role and the special group's
        # department would hand it powers no intake has.
        if v.role is Role.SYSTEM:
            raise ValueError("received_by may not claim the system role")
        if v.department == SPECIAL_GROUP_DEPARTMENT:
            raise ValueError(f"received_by may not claim the {SPECIAL_GROUP_DEPARTMENT} department")
        return v

    @model_validator(mode="after")
    def _referral_from_the_regulator(self) -> "Intake":
        if self.referral is not None and self.channel is not Channel.REGULATOR:
            raise ValueError("referral: only a complaint the regulator forwards carries one")
        return self

    @property
    def complaint_id(self) -> str:
        return complaint_id_for(self.channel, self.external_ref)

    def check_not_future(self, now: datetime) -> None:
        if self.received_at > now + CLOCK_SKEW:
            raise ValueError(f"received_at {self.received_at.isoformat()} is in the future")

    def check_received_window(self, now: datetime, oldest: timedelta) -> None:
        """Clocks start at received_at: one in the future or older than the horizon would be nonsense."""
        self.check_not_future(now)
        if self.received_at < now - oldest:
            raise ValueError(f"received_at {self.received_at.isoformat()} is more than {oldest.days} days ago; "
                             "an older complaint is keyed in with the date it reaches the bank now")


_CHANNEL_CODE = {
    Channel.BRANCH: "BR", Channel.HOTLINE: "HL", Channel.APP: "AP", Channel.WECHAT: "WX",
    Channel.LETTER: "LT", Channel.EMAIL: "EM", Channel.REGULATOR: "RG", Channel.RECEPTION_DAY: "RD",
}
_CODE_CHANNEL = {code: channel for channel, code in _CHANNEL_CODE.items()}


def channel_of(complaint_id: str) -> Channel | None:
    """The channel a complaint came in by, read off its reference's two-letter code."""
    return _CODE_CHANNEL.get(complaint_id[:2])


def complaint_id_for(channel: Channel | str, external_ref: str) -> str:
    """Stable id from channel + external reference, so a resubmission reaches the same workflow.

    Hashed rather than concatenated: it doubles as the reference number read to the customer, and
    external references may carry characters that are awkward in ids and on the phone."""
    channel = Channel(channel)
    digest = hashlib.sha256(f"{channel.value}\x1f{external_ref}".encode()).hexdigest()
    return f"{_CHANNEL_CODE[channel]}{int(digest[:12], 16) % 10**10:010d}"


def mask_name(name: str) -> str:
    """脱敏: the first character and stars, as every view, row and log line shows a customer's name."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def workflow_id_for(complaint_id: str) -> str:
    return f"{WORKFLOW_ID_PREFIX}{complaint_id}"


def complaint_id_of(workflow_id: str) -> str | None:
    return workflow_id.removeprefix(WORKFLOW_ID_PREFIX) if workflow_id.startswith(WORKFLOW_ID_PREFIX) else None
