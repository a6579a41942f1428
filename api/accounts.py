"""Local accounts (the embedded default): argon2id hashes, lockout after repeated failures.

The argon2 parameters are argon2-cffi's defaults (RFC 9106's low-memory profile). A wrong user name costs
the same hash as a wrong password, so timing does not tell which accounts exist."""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

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
    now = datetime.now(UTC)
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


REFUSED = ("wrong user name or password (after {n} failures in a row an account is locked for a while; an "
           "operator can unlock it)")


def check_password(engine: Engine, user_id: str, password: str, *, max_failures: int,
                   lockout: timedelta, now: datetime | None = None) -> Account | Refused:
    """The account, or why not. An unknown, a locked and a disabled account get the same answer after the
    same hash, so neither the words nor the time tell who exists.

    Each try first takes a ticket: one UPDATE that adds one to the failure count only while the account is
    open, and returns the count. However many wrong passwords arrive at once, at most `max_failures` are
    checked before the one that locks it; a correct password clears the count."""
    now = now or datetime.now(UTC)
    refused = Refused(REFUSED.format(n=max_failures))
    with Session(engine) as session:
        ticket = session.execute(
            update(Account)
            .where(col(Account.id) == user_id[:64], col(Account.disabled) == False,  # noqa: E712 - SQL
                   or_(col(Account.locked_until).is_(None), col(Account.locked_until) <= now))
            .values(failed_logins=col(Account.failed_logins) + 1)
            .returning(col(Account.failed_logins))).scalar_one_or_none()
        session.commit()
        if ticket is None or ticket > max_failures:  # unknown, disabled, locked, or the tries are used up
            _verify(_DUMMY, password)
            return refused
        account = session.get(Account, user_id[:64])
        if account is None or not _verify(account.password_hash, password):
            if ticket >= max_failures:  # the last allowed try failed: lock, and start counting afresh after
                session.execute(update(Account).where(col(Account.id) == user_id[:64])
                                .values(locked_until=now + lockout, failed_logins=0))
                session.commit()
            return refused
        session.execute(update(Account).where(col(Account.id) == account.id)
                        .values(failed_logins=0, locked_until=None))
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


def all_accounts(engine: Engine) -> list[Account]:
    with Session(engine) as session:
        return list(session.scalars(select(Account).order_by(col(Account.id))).all())


def no_account_yet(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.execute(select(col(Account.id)).limit(1)).first() is None
