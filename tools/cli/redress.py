"""The redress ledger from the command line, through the API as the signed-in supervisor."""
from typing import Annotated

import typer
from rich.table import Table

from tools.cli.app import app
from tools.cli.client import request
from tools.cli.common import JsonFlag, emit
from tools.cli.render import console

redress_app = typer.Typer(no_args_is_help=True, help="The redress ledger: money the decisions gave.")
app.add_typer(redress_app, name="redress")
RedressId = Annotated[str, typer.Argument(help="The ledger line, e.g. HL1234567890-R1.")]


@redress_app.command("ledger")
def ledger(month: Annotated[str, typer.Argument(help="e.g. 2026-12")], json: JsonFlag = False) -> None:
    """A month's lines (decided, paid or reversed in it) and the totals per currency."""
    got = request("GET", f"/v1/redress/{month}")
    if json:
        emit(got, True)
        return
    table = Table(title=f"redress ledger {month}", title_justify="left")
    for column in ("line", "department", "amount", "status", "decided by", "approved by", "paid ref"):
        table.add_column(column)
    for line in got["lines"]:
        table.add_row(line["id"], line["department"], f"{line['amount']} {line['currency']}", line["status"],
                      line["decided_by"], line["approved_by"] or "—", line["paid_ref"] or "—")
    console.print(table)
    for currency, t in got["totals"].items():
        console.print(f"{currency}: decided {t['decided']} ({t['decided_count']}) · paid {t['paid']} "
                      f"({t['paid_count']}) · reversed {t['reversed']} ({t['reversed_count']})")


@redress_app.command("paid")
def paid(redress_id: RedressId, reference: Annotated[str, typer.Option(help="The payment's reference.")],
         json: JsonFlag = False) -> None:
    """Mark a line paid (never by who decided it)."""
    got = request("POST", f"/v1/redress/{redress_id}/paid", json={"reference": reference}, idempotent=True)
    emit(got, json, f"[green]{redress_id}[/] paid ({got['paid_ref']})")


@redress_app.command("reversed")
def reversed_(redress_id: RedressId, reason: Annotated[str, typer.Option(help="Why it is reversed.")],
              json: JsonFlag = False) -> None:
    """Mark a line reversed: a payment returned, a decision revised."""
    got = request("POST", f"/v1/redress/{redress_id}/reversed", json={"reason": reason}, idempotent=True)
    emit(got, json, f"[yellow]{redress_id}[/] reversed")
