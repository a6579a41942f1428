"""Who may come in: people's accounts and channels' keys (operators, on the database directly), and
signing in (`complaints login`) for everyone's other commands."""
import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from complaints.config import settings
from models.enums import Channel
from tools.cli.app import app
from tools.cli.client import api_url, request, save_session
from tools.cli.common import JsonFlag, emit, fail
from tools.cli.render import console

users_app = typer.Typer(no_args_is_help=True, help="People's local accounts (an operators' tool).")
channels_app = typer.Typer(no_args_is_help=True, help="Intake channels' keys (an operators' tool).")
app.add_typer(users_app, name="users")
app.add_typer(channels_app, name="channels")


def _password(prompt: str, confirm: bool) -> str:
    """From standard input when it is not a terminal (scripts), else asked for without echo."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("again: ") != first:
        fail("the two passwords differ")
    return first


def _registered(department: str, desk: bool = False) -> None:
    """Only a registered department (and, for a channel's complaints, one that takes complaints)."""
    from models.departments import unknown

    registry = settings().departments()
    if reason := unknown(department, registry.ids):
        fail(reason)
    found = registry.get(department)
    if desk and found is not None and not found.desk:
        fail(f"{department} does not take complaints (desk = false in the departments file)")


@app.command("departments")
def departments(json: JsonFlag = False) -> None:
    """The registered departments: id, Chinese and English names, whether it takes complaints, supervisor."""
    registry = settings().departments()
    rows = [d.model_dump() for d in registry.departments]
    if json:
        emit(rows, True, "")
        return
    table = Table("id", "中文", "English", "desk", "supervisor", title="departments")
    for d in registry.departments:
        table.add_row(d.id, d.zh, d.en, "✔" if d.desk else "", d.supervisor or "")
    console.print(table)


@users_app.command("add")
def users_add(user_id: Annotated[str, typer.Argument(help="The employee id (the actor id on every message).")],
              role: Annotated[str, typer.Option(help="handler, department_agent, reviewer, supervisor or operator.")],
              department: Annotated[str, typer.Option("--department", "--dept", help="The person's department.")],
              replace: Annotated[bool, typer.Option(help="Set the role, department and password again.")] = False,
              json: JsonFlag = False) -> None:
    """Add a person who signs in with a password (read from standard input when it is not a terminal)."""
    from api.accounts import AccountError, add_account
    from complaints.db import make_engine

    _registered(department)
    password = _password(f"password for {user_id}: ", confirm=True)
    try:
        account = add_account(make_engine(settings().db_url), user_id, role, department, password, replace=replace)
    except (AccountError, ValueError) as e:
        fail(str(e))
    emit({"id": account.id, "role": account.role, "department": account.department}, json,
         f"[green]account {account.id}[/] ({account.role}, {account.department}); sign in with "
         f"`complaints login --user {account.id}`")


@users_app.command("list")
def users_list(json: JsonFlag = False) -> None:
    """Every local account: role, department, and whether it is locked."""

    from api.accounts import all_accounts
    from complaints.db import make_engine

    accounts = all_accounts(make_engine(settings().db_url))
    rows = [{"id": a.id, "role": a.role, "department": a.department, "disabled": a.disabled,
             "locked_until": a.locked_until.isoformat() if a.locked_until else None} for a in accounts]
    if json:
        emit(rows, True)
        return
    table = Table(title=f"{len(rows)} account(s)", title_justify="left")
    for col in ("id", "role", "department", "locked until"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), str(r["role"]), str(r["department"]), str(r["locked_until"] or ""))
    console.print(table)


@channels_app.command("add")
def channels_add(channel: Annotated[Channel, typer.Argument(help="The intake channel this key is for.")],
                 department: Annotated[str | None, typer.Option(
                     "--department", "--dept", help="Whose queue its complaints land in (default <channel>-desk).")]
                 = None, json: JsonFlag = False) -> None:
    """A new key for a channel's system. It is printed once; only its digest is kept."""
    from api.channels import add_channel
    from complaints.db import make_engine

    cfg = settings()
    _registered(department or f"{channel.value}-desk", desk=True)
    try:
        new = add_channel(make_engine(cfg.db_url), channel, cfg.api_secret(create=False), department)
    except ValueError as e:
        fail(str(e))
    emit({"key_id": new.key_id, "channel": new.channel.value, "key": new.key}, json,
         f"[green]key {new.key_id}[/] for the {new.channel.value} channel (shown once, keep it in the channel's "
         f"secret store):\n{new.key}")


@channels_app.command("list")
def channels_list(json: JsonFlag = False) -> None:
    """Every channel key: its id, channel, desk, and whether it is revoked (never the key)."""
    from api.channels import listed
    from complaints.db import make_engine

    rows = [{"key_id": c.key_id, "channel": c.channel, "department": c.desk_department,
             "created_at": c.created_at.isoformat(), "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None}
            for c in listed(make_engine(settings().db_url))]
    if json:
        emit(rows, True)
        return
    table = Table(title=f"{len(rows)} channel key(s)", title_justify="left")
    for col in ("key id", "channel", "desk", "created", "revoked"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["key_id"]), str(r["channel"]), str(r["department"]), str(r["created_at"])[:16],
                      str(r["revoked_at"] or ""))
    console.print(table)


@channels_app.command("revoke")
def channels_revoke(key_id: str) -> None:
    """Stop accepting a key at once (it stays listed, revoked)."""
    from api.channels import revoke
    from complaints.db import make_engine

    if not revoke(make_engine(settings().db_url), key_id):
        fail(f"no active key {key_id}")
    console.print(f"key {key_id} revoked")


@app.command()
def login(user: Annotated[str | None, typer.Option("--user", "-u", help="Your employee id.")] = None,
          url: Annotated[str | None, typer.Option(help="The API (default COMPLAINTS_API_URL or the local one).")]
          = None,
          token: Annotated[bool, typer.Option("--token", help="Use an access token from the bank's identity "
                                              "provider, read from standard input, instead of a password.")]
          = False) -> None:
    """Sign in to the API; your other commands then act as you (password, or with --token the provider's
    access token, from standard input when it is not a terminal: never on the command line)."""
    base = (url or api_url()).rstrip("/")
    import os

    os.environ["COMPLAINTS_API_URL"] = base
    if token:
        given = _password("access token: ", False).strip()
        path = save_session(base, "", given)
        try:
            me = request("GET", "/v1/auth/me")
        except typer.Exit:
            path.unlink(missing_ok=True)  # a token the API refused is not kept
            raise
        save_session(base, me["id"], given)
        console.print(f"[green]signed in[/] as [bold]{me['id']}[/] ({me['role']}, {me['department']}) at {base} "
                      f"with the provider's token; session in {path}")
        return
    user = user or typer.prompt("user")
    got = request("POST", "/v1/auth/token", auth=False, data={"username": user,
                                                              "password": _password("password: ", False)})
    path = save_session(base, user, got["access_token"])
    me = request("GET", "/v1/auth/me")
    console.print(f"[green]signed in[/] as [bold]{me['id']}[/] ({me['role']}, {me['department']}) at {base}; "
                  f"session in {path}, good for {got['expires_in'] // 3600} h")


@app.command()
def logout() -> None:
    """Forget the saved session."""
    from tools.cli.client import session_file

    session_file().unlink(missing_ok=True)
    console.print("signed out")


@app.command()
def whoami(json: JsonFlag = False) -> None:
    """Who the API takes you for."""
    me = request("GET", "/v1/auth/me")
    emit(me, json, f"{me['id']} ({me['role']}, {me['department']}) via {me['via']}")
