"""Local accounts (the embedded default): argon2id hashes, lockout after repeated failures.

The argon2 parameters are argon2-cffi's defaults (RFC 9106's low-memory profile). A wrong user name costs
the same hash as a wrong password, so timing does not tell which accounts exist."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.access import Account
from models.enums import Role
from models.intake import SPECIAL_GROUP_DEPARTMENT

HASHER = PasswordHasher()
_DUMMY = HASHER.hash("not a password anyone has")
PEOPLE_ROLES = (Role.HANDLER, Role.DEPARTMENT_AGENT, Role.REVIEWER, Role.SUPERVISOR, Role.OPERATOR)
MIN_PASSWORD = 12


class AccountError(ValueError):
    """Why an account cannot be made as asked."""


@dataclass(frozen=True)
class Refused:
    reason: str


def add_account(engine: Engine, user_id: str, role: Role | str, department: str, password: str,
                *, replace: bool = False) -> Account:
    role = Role(role)
    if role not in PEOPLE_ROLES:
        raise AccountError(f"role must be one of {', '.join(r.value for r in PEOPLE_ROLES)}")
    if not user_id.strip() or len(user_id) > 64 or not user_id.isprintable():
        raise AccountError("the id is 1 to 64 printable characters")
    if not department.strip() or len(department) > 64:
        raise AccountError("the department is 1 to 64 characters")
    if department == SPECIAL_GROUP_DEPARTMENT and role not in (Role.HANDLER, Role.SUPERVISOR):
        raise AccountError(f"the {SPECIAL_GROUP_DEPARTMENT} has handlers and supervisors only")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    now = datetime.now(timezone.utc)
    with Session(engine) as session:
        existing = session.get(Account, user_id)
        if existing and not replace:
            raise AccountError(f"account {user_id} exists (use --replace to set its role and password again)")
        account = existing or Account(id=user_id, role=role.value, department=department, password_hash="",
                                      created_at=now, password_changed_at=now)
        account.role, account.department = role.value, department
        account.password_hash = HASHER.hash(password)
        account.password_changed_at, account.failed_logins, account.locked_until = now, 0, None
        session.add(account)
        session.commit()
        session.refresh(account)
        return account


def get_account(engine: Engine, user_id: str) -> Account | None:
    with Session(engine) as session:
        return session.get(Account, user_id)


def check_password(engine: Engine, user_id: str, password: str, *, max_failures: int,
                   lockout: timedelta, now: datetime | None = None) -> Account | Refused:
    """The account, or why not. Every failure counts; `max_failures` in a row lock it for `lockout`."""
    now = now or datetime.now(timezone.utc)
    with Session(engine) as session:
        account = session.get(Account, user_id[:64])
        if account is None:
            _verify(_DUMMY, password)
            return Refused("wrong user name or password")
        locked = _aware(account.locked_until)
        if locked and locked > now:
            _verify(_DUMMY, password)
            return Refused(f"account locked after {max_failures} failed sign-ins; try again after "
                           f"{locked:%H:%M} UTC or ask an operator")
        if account.disabled:
            return Refused("account disabled")
        if not _verify(account.password_hash, password):
            account.failed_logins += 1
            if account.failed_logins >= max_failures:
                account.locked_until, account.failed_logins = now + lockout, 0
            session.add(account)
            session.commit()
            return Refused("wrong user name or password")
        if account.failed_logins or account.locked_until:
            account.failed_logins, account.locked_until = 0, None
        if HASHER.check_needs_rehash(account.password_hash):
            account.password_hash = HASHER.hash(password)
        session.add(account)
        session.commit()
        session.refresh(account)
        return account


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _aware(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt
