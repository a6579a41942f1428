"""Major incidents (重大事件): the list, one incident, and what supervisors and the special group send it."""
from typing import Annotated

import typer
from rich.table import Table

from tools.cli.app import app
from tools.cli.client import request
from tools.cli.common import JsonFlag, emit
from tools.cli.render import console

incidents_app = typer.Typer(no_args_is_help=True, help="Major incidents: one outage seen as the complaints it brings.")
app.add_typer(incidents_app, name="incidents")
Id = Annotated[str, typer.Argument(help="The incident id, e.g. INC-202612061030-3fa2c1.")]


@incidents_app.command("list")
def incidents_list(open_only: Annotated[bool, typer.Option("--open", help="Only those still open.")] = False,
                   json: JsonFlag = False) -> None:
    """Incidents, newest first: status, how they were found, how many complaints."""
    rows = request("GET", "/v1/incidents", params={"open": str(open_only).lower()})
    if json:
        emit(rows, True)
        return
    table = Table(title="major incidents", title_justify="left")
    for col in ("incident", "opened (UTC)", "status", "found by", "complaints", "plan", "resolved"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["opened_at"][:16], r["status"], f"{r['rule']} {r['key']}", str(r["members"]),
                      (r["plan_published_at"] or "")[:16], (r["resolved_at"] or "")[:16])
    console.print(table)


@incidents_app.command("show")
def incidents_show(incident_id: Id, json: JsonFlag = False) -> None:
    """One incident: status, clocks, linked complaints, announcements, its history."""
    s = request("GET", f"/v1/incidents/{incident_id}")
    if json:
        emit(s, True)
        return
    console.print(f"[bold]{s['incident_id']}[/] {s['status']} · {len(s['members'])} complaints · found by "
                  f"{s['rule']} {s['key']}")
    console.print(f"confirm or dismiss by {s['response_due'][:16]} UTC · plan by {s['plan_due'][:16]} UTC"
                  + (f" · [red]missed: {', '.join(s['breaches'])}[/]" if s["breaches"] else ""))
    console.print("complaints: " + " ".join(s["members"][:50]) + (" …" if len(s["members"]) > 50 else ""))
    for a in s["announcements"]:
        console.print(f"plan #{a['seq']} by {a['by']} at {a['at'][:16]}: {a['zh']}")
    for e in s["history"][-20:]:
        console.print(f"{e['at'][:19]} {e['action']} {e['actor_id']} {e['detail']}")


def _send(incident_id: str, name: str, json: bool, **body: object) -> None:
    s = request("POST", f"/v1/incidents/{incident_id}/{name}", json=body, idempotent=True)
    emit(s, json, f"[green]{name}[/] {incident_id}: {s['status']}, {len(s['members'])} complaints")


@incidents_app.command("confirm")
def confirm(incident_id: Id, note: Annotated[str, typer.Option(help="Why it is one incident.")] = "",
            json: JsonFlag = False) -> None:
    """A supervisor confirms the incident (within its hour)."""
    _send(incident_id, "confirm", json, note=note)


@incidents_app.command("dismiss")
def dismiss(incident_id: Id, reason: Annotated[str, typer.Option(help="Why it is not one (recorded).")],
            json: JsonFlag = False) -> None:
    """A supervisor dismisses a candidate, saying why."""
    _send(incident_id, "dismiss", json, reason=reason)


@incidents_app.command("link")
def link(incident_id: Id, complaint: Annotated[str, typer.Option(help="The complaint to link.")],
         json: JsonFlag = False) -> None:
    """Link a complaint by hand (its customer is told the bank knows)."""
    _send(incident_id, "link", json, complaint_id=complaint)


@incidents_app.command("unlink")
def unlink(incident_id: Id, complaint: Annotated[str, typer.Option(help="The complaint to unlink.")],
           reason: Annotated[str, typer.Option(help="Why it is not part of it.")], json: JsonFlag = False) -> None:
    """Unlink a complaint that is not part of the incident."""
    _send(incident_id, "unlink", json, complaint_id=complaint, reason=reason)


@incidents_app.command("publish")
def publish(incident_id: Id, zh: Annotated[str, typer.Option(help="The plan, in Chinese.")],
            en: Annotated[str, typer.Option(help="The plan, in English.")] = "", json: JsonFlag = False) -> None:
    """Announce the plan: each linked customer is told once, in their language."""
    _send(incident_id, "publish_plan", json, zh=zh, en=en)


@incidents_app.command("resolve")
def resolve(incident_id: Id, text: Annotated[str, typer.Option(help="The response proposed to each complaint.")],
            json: JsonFlag = False) -> None:
    """Resolve it: the response is proposed to every linked complaint, each checked by its own rules."""
    _send(incident_id, "resolve", json, text=text)


@incidents_app.command("merge")
def merge(incident_id: Id, into: Annotated[str, typer.Option(help="The incident it is part of.")],
          reason: Annotated[str, typer.Option(help="Why they are one.")], json: JsonFlag = False) -> None:
    """The same outage as another incident: its complaints go there, and this one ends."""
    _send(incident_id, "merge", json, into=into, reason=reason)


@incidents_app.command("split")
def split(incident_id: Id, complaint: Annotated[list[str], typer.Option(help="A complaint that leaves (repeat).")],
          reason: Annotated[str, typer.Option(help="Why they are another story.")], json: JsonFlag = False) -> None:
    """Some of its complaints are another story: they leave for a new incident of their own."""
    _send(incident_id, "split", json, complaint_ids=complaint, reason=reason)
