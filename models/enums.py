"""Closed vocabularies of the domain. String enums so they read well in JSON, search attributes and SQL."""
from enum import StrEnum


class Channel(StrEnum):
    BRANCH = "branch"
    HOTLINE = "hotline"
    APP = "app"
    WECHAT = "wechat"
    LETTER = "letter"
    EMAIL = "email"
    REGULATOR = "regulator"
    RECEPTION_DAY = "reception_day"


class Tier(StrEnum):
    STANDARD = "standard"
    VIP = "vip"
    PRIVATE = "private"


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class Role(StrEnum):
    HANDLER = "handler"
    DEPARTMENT_AGENT = "department_agent"
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"  # runs the system (schedules, replay, accounts); acts on no complaint
    INTAKE = "intake"  # an intake channel system acting for the customer
    CUSTOMER = "customer"  # the customer on their own page (a link and a one-time code), never an account
    SYSTEM = "system"  # the workflow itself (timers, analysis); no message may be sent in this role


class Stage(StrEnum):
    RECEIVE = "receive"
    ANALYSE = "analyse"
    HANDLE = "handle"
    RESPOND = "respond"
    VERIFY = "verify"
    CLOSED = "closed"


class Level(StrEnum):
    I = "I"  # noqa: E741 - the bank's own name for the level
    II = "II"
    III = "III"

    @property
    def urgency(self) -> int:
        """III < II < I: the order supervisors sort by, and a level floor is compared in."""
        return {Level.III: 0, Level.II: 1, Level.I: 2}[self]

    def goes_to_special_group(self) -> bool:
        """Level I (urgent or wide impact) is a major complaint from the start."""
        return self is Level.I

    def more_urgent(self) -> "Level":
        return {Level.III: Level.II, Level.II: Level.I, Level.I: Level.I}[self]


class Outcome(StrEnum):
    RESOLVED = "resolved"
    NO_FEEDBACK = "no_feedback"
    WITHDRAWN = "withdrawn"


class Finding(StrEnum):
    """What the decision found of the complaint (Order No. 3: the decision is told with what was verified)."""
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"


class Relief(StrEnum):
    """What the bank gives the customer with its decision."""
    MONETARY = "monetary"
    NON_MONETARY = "non_monetary"
    EXPLANATION = "explanation"   # an explanation only


class ReviewOutcome(StrEnum):
    """A review (核查) by the higher-level unit upholds the decision or revises it with a new one."""
    UPHELD = "upheld"
    REVISED = "revised"


class WorkOrderStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CANCELLED = "cancelled"


class Party(StrEnum):
    """What an actor is to one complaint; each message names the parties that may send it (workflows/contract.py)."""
    OWNER = "the owner (first responder, or whoever a supervisor reassigned it to)"
    DEPARTMENT = "staff of the owning department"
    SPECIAL_GROUP = "the special handling group (major complaints)"
    ASKED_DEPARTMENT = "an agent of a department a work order asks"
    REVIEWER = "a reviewer"
    SUPERVISOR = "a supervisor"
    INTAKE = "the intake channel"
