"""One CLI command per contract message, sent through the API as the signed-in person (or, with
COMPLAINTS_CHANNEL_KEY set, as that channel). The engine answers at once, so a refusal is one line."""
from pathlib import Path
from typing import Annotated

import typer

from models.enums import Finding, Relief, ReviewOutcome
from models.state import ComplaintState
from tools.cli.client import channel_key, request
from tools.cli.common import JsonFlag, emit
from tools.cli.render import state_panel
from workflows.contract import CONTRACT

app = typer.Typer(no_args_is_help=True)


def senders(name: str) -> str:
    """Who may send a message and when, from the contract itself (never written by hand beside it)."""
    declared = CONTRACT[name]
    who = "; ".join(p.value for p in declared.who)
    return f"Who: {who}. In stage {' or '.join(st.value for st in declared.stages)}."


def message(command: str):
    """A command for the contract message of the same name: its help is the docstring and who may send it."""
    def register(fn):
        fn.__doc__ = f"{(fn.__doc__ or '').strip()}\n\n{senders(command.replace('-', '_'))}"
        return app.command(command)(fn)

    return register

Id = Annotated[str, typer.Argument(help="Complaint id (the reference number).")]
Note = Annotated[str, typer.Option(help="Optional note for the audit trail.")]
Reason = Annotated[str, typer.Option(help="Why (kept on the audit trail).")]


def _send(complaint_id: str, name: str, as_json: bool, **fields) -> None:
    ack = request("POST", f"/v1/complaints/{complaint_id}/{name}", json=fields, idempotent=True)
    if channel_key():  # a channel sees its complaint in brief only
        emit(ack, as_json, f"[green]{name}[/] applied: {complaint_id} is in stage [bold]{ack['stage']}[/]")
        return
    state = ComplaintState.model_validate(request("GET", f"/v1/complaints/{complaint_id}"))
    emit(state, as_json, state_panel(state))


@message("accept")
def accept(complaint_id: Id, note: Note = "", json: JsonFlag = False):
    """Take the complaint into handling."""
    _send(complaint_id, "accept", json, note=note)


@message("add-note")
def add_note(complaint_id: Id, text: str, json: JsonFlag = False):
    """A free-text note on the audit trail."""
    _send(complaint_id, "add_note", json, text=text)


@message("open-work-order")
def open_work_order(complaint_id: Id,
                    to: Annotated[str, typer.Option("--to", help="The department asked.")],
                    question: Annotated[str, typer.Option(help="What the department should answer.")],
                    due: Annotated[str | None, typer.Option(help='A duration such as "24h"; default from the policy.')] = None,
                    json: JsonFlag = False):
    """Ask another department."""
    _send(complaint_id, "open_work_order", json, department=to, question=question, due=due)


@message("answer-work-order")
def answer_work_order(complaint_id: Id, work_order_id: str, answer: str,
                      json: JsonFlag = False):
    """Reply to a work order."""
    _send(complaint_id, "answer_work_order", json, work_order_id=work_order_id,
          answer=answer)


@message("cancel-work-order")
def cancel_work_order(complaint_id: Id, work_order_id: str,
                      reason: Reason, json: JsonFlag = False):
    """Cancel an open work order, with a reason."""
    _send(complaint_id, "cancel_work_order", json, work_order_id=work_order_id,
          reason=reason)


@message("request-customer-info")
def request_customer_info(complaint_id: Id, what: str,
                          json: JsonFlag = False):
    """Ask the customer for information; the resolution clocks pause."""
    _send(complaint_id, "request_customer_info", json, what=what)


@message("customer-info-received")
def customer_info_received(complaint_id: Id,
                           note: Note = "", json: JsonFlag = False):
    """The customer's information arrived; the clocks resume."""
    _send(complaint_id, "customer_info_received", json, note=note)


@message("record-disposal")
def record_disposal(complaint_id: Id,
                    text: Annotated[str, typer.Option(help="What was done: card frozen, transactions stopped…")],
                    json: JsonFlag = False):
    """Record an emergency's disposal: what the reviewers review."""
    _send(complaint_id, "record_disposal", json, text=text)


@message("return-disposal")
def return_disposal(complaint_id: Id,
                    reason: Annotated[str, typer.Option(help="What is missing or wrong.")],
                    json: JsonFlag = False):
    """Return the disposal to its owner with a reason; its approvals start over."""
    _send(complaint_id, "return_disposal", json, reason=reason)


@message("approve-disposal")
def approve_disposal(complaint_id: Id,
                     note: Note = "", json: JsonFlag = False):
    """One of the two approvals an emergency needs."""
    _send(complaint_id, "approve_disposal", json, note=note)


@message("approve-redress")
def approve_redress(complaint_id: Id, amount: Annotated[str, typer.Option(help="Up to this much, e.g. 8000.00.")],
                    currency: Annotated[str, typer.Option(help="ISO currency code.")] = "CNY",
                    note: Note = "", json: JsonFlag = False):
    """Approve the money the next decision may give above the policy's limit (a second person, never the
    owner nor the decision's sender)."""
    _send(complaint_id, "approve_redress", json, amount=amount, currency=currency, note=note)


@message("propose-response")
def propose_response(complaint_id: Id,
                     finding: Annotated[Finding, typer.Option(help="What the complaint was found to be.")],
                     relief: Annotated[Relief, typer.Option(help="What the customer is given.")],
                     facts: Annotated[str, typer.Option(help="What was verified.")],
                     basis: Annotated[str, typer.Option(help="The rules, contract terms or law it rests on.")],
                     reasons: Annotated[str, typer.Option(help="Why this decision.")],
                     text: Annotated[str | None, typer.Option(help="The response text.")] = None,
                     file: Annotated[Path | None, typer.Option(help="Read the response from a file.")] = None,
                     review: Annotated[ReviewOutcome | None, typer.Option(
                         help="A review's decision only: uphold or revise the first.")] = None,
                     channel_code: Annotated[str | None, typer.Option(help="Regulator's channel code (JR/T 0169).")] = None,
                     business_code: Annotated[str | None, typer.Option(help="Regulator's business code.")] = None,
                     reason_code: Annotated[str | None, typer.Option(help="Regulator's reason code.")] = None,
                     redress_amount: Annotated[str | None, typer.Option(
                         help="With monetary relief: the money given, e.g. 300.00.")] = None,
                     redress_currency: Annotated[str, typer.Option(help="Its ISO currency code.")] = "CNY",
                     redress_for: Annotated[str, typer.Option(help="What the money is for.")] = "",
                     codes_as_proposed: Annotated[bool, typer.Option(
                         help="Confirm the regulator's codes the analyse stage proposed (`show` lists them) for any "
                              "not given.")] = False,
                     json: JsonFlag = False):
    """Send the decision: the response (checked against the script), the decision notice's parts and the
    regulator's codes it confirms."""
    body = file.read_text(encoding="utf-8") if file else text
    if not body:
        raise typer.BadParameter("give --text or --file")
    parts = {"finding": finding.value, "relief": relief.value, "facts": facts, "basis": basis, "reasons": reasons}
    if redress_amount is not None:
        parts |= {"redress_amount": redress_amount, "redress_currency": redress_currency, "redress_for": redress_for}
    codes = {"channel_code": channel_code, "business_code": business_code, "reason_code": reason_code}
    if codes_as_proposed:
        proposed = ComplaintState.model_validate(request("GET", f"/v1/complaints/{complaint_id}")).codes
        if proposed is not None:
            codes = {k: v or getattr(proposed, k.removesuffix("_code")) for k, v in codes.items()}
    _send(complaint_id, "propose_response", json, text=body, **parts, **{k: v for k, v in codes.items() if v},
          **({"review": review.value} if review else {}))


@message("link-repeat")
def link_repeat(complaint_id: Id,
                of: Annotated[str, typer.Option(help="The customer's open complaint it repeats.")],
                note: Note = "", json: JsonFlag = False):
    """Handle it as a repeat of an open complaint of the same customer: its own clocks hold while linked."""
    _send(complaint_id, "link_repeat", json, of=of, note=note)


@message("new-facts")
def new_facts(complaint_id: Id, reason: Reason, json: JsonFlag = False):
    """Not a repeat after all: unlink it (its clocks run again) or set the offer aside."""
    _send(complaint_id, "new_facts", json, reason=reason)


@message("customer-feedback")
def customer_feedback(complaint_id: Id,
                      satisfied: Annotated[bool, typer.Option("--satisfied/--not-satisfied")],
                      csat: Annotated[int, typer.Option(min=1, max=5, help="1 (worst) to 5 (best).")],
                      comment: str = "", json: JsonFlag = False):
    """The customer's verdict: satisfied closes it, not satisfied sends it back to handling."""
    _send(complaint_id, "customer_feedback", json, satisfied=satisfied, csat=csat,
          comment=comment)


@message("escalate")
def escalate(complaint_id: Id, reason: Reason,
             json: JsonFlag = False):
    """Hand the complaint to the special handling group."""
    _send(complaint_id, "escalate", json, reason=reason)


@message("reassign")
def reassign(complaint_id: Id, reason: Reason,
             owner: Annotated[str | None, typer.Option(help="The new owner's id.")] = None,
             to: Annotated[str | None, typer.Option("--to", help="The new department.")] = None,
             json: JsonFlag = False):
    """Move the complaint to another owner and/or department."""
    _send(complaint_id, "reassign", json, owner_id=owner, department=to, reason=reason)


@message("approve-close")
def approve_close(complaint_id: Id,
                  note: Note = "", json: JsonFlag = False):
    """Approve closing a major complaint."""
    _send(complaint_id, "approve_close", json, note=note)


@message("withdraw")
def withdraw(complaint_id: Id, reason: str = "",
             json: JsonFlag = False):
    """The customer withdraws the complaint; it closes the same day."""
    _send(complaint_id, "withdraw", json, reason=reason)


@message("extend-deadline")
def extend_deadline(complaint_id: Id, reason: Reason,
                    json: JsonFlag = False):
    """Extend the regulatory ceiling (15 -> 30 days) for a complex case; the customer is told."""
    _send(complaint_id, "extend_deadline", json, reason=reason)


@message("correct-classification")
def correct_classification(complaint_id: Id, reason: Reason,
                           business_type: Annotated[str | None, typer.Option(help="The right business type.")] = None,
                           problem_nature: Annotated[str | None, typer.Option(help="The right problem nature.")] = None,
                           json: JsonFlag = False):
    """Correct the analyse stage's labels: corrections become training rows."""
    _send(complaint_id, "correct_classification", json, business_type=business_type,
          problem_nature=problem_nature, reason=reason)
