"""How the CLI shows things to a person: Rich tables and panels, colour for clocks."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from complaints.durations import human
from models.sla import Clock
from models.state import ComplaintState
from models.text import for_terminal

console = Console()
err_console = Console(stderr=True)


def safe(value: object) -> str:
    """Untrusted text inside Rich markup: control characters made visible, markup brackets escaped."""
    return escape(for_terminal(str(value)))


def plain(value: object) -> Text:
    """Untrusted text for a table cell: never read as markup."""
    return Text(for_terminal(str(value)))


def clock_status(c: Clock, now: datetime) -> Text:
    if c.met_at:
        late = c.met_at > c.deadline()
        return Text("met late" if late else "met", style="yellow" if late else "green")
    if c.breached_at:
        return Text("BREACHED", style="bold red")
    if c.stopped_at:
        return Text("stopped", style="dim")
    if c.paused:
        return Text("paused", style="cyan")
    return Text("warned" if c.warned_at else "running", style="yellow" if c.warned_at else "")


def clocks_table(clocks: list[Clock], tz: str = "UTC", now: datetime | None = None) -> Table:
    now = now or datetime.now(UTC)
    zone = ZoneInfo(tz)
    table = Table(title="SLA clocks", title_justify="left", expand=False)
    for col in ("clock", f"deadline ({tz})", "time left", "status", "paused"):
        table.add_column(col)
    for c in clocks:
        left = human(c.time_left(now)) if c.running else "—"
        table.add_row(c.label + (f" [{c.name}]" if c.name not in c.label else ""),
                      c.deadline(now).astimezone(zone).strftime("%Y-%m-%d %H:%M"), left, clock_status(c, now),
                      human(c.paused_for) if c.paused_for or c.paused else "")
    return table


def state_panel(s: ComplaintState) -> Group:
    now = datetime.now(UTC)
    c = s.classification
    lines = [
        f"[bold]{s.complaint_id}[/]  stage [bold cyan]{s.stage.value}[/]"
        + (f"  outcome [bold]{s.outcome.value}[/]" if s.outcome else "")
        + ("  [bold red]SLA BREACHED[/]" if s.breached else ""),
        f"channel {s.channel.value} ({safe(s.external_ref)}) · customer {safe(s.customer_id)} "
        f"{safe(s.customer_masked)} · tier {s.tier.value}",
        f"received {s.received_at.astimezone(ZoneInfo(s.timezone)).strftime('%Y-%m-%d %H:%M %Z')} · "
        f"first responder {safe(s.first_responder.id)} · owner {safe(s.owner_id)} · department {safe(s.department)}",
    ]
    if c:
        lines.append(f"level [bold]{c.level.value}[/]{' · [bold red]EMERGENCY[/]' if c.emergency else ''} · "
                     f"{safe(c.business_type)} / {safe(c.problem_nature)} · {safe(c.method)} "
                     f"confidence {c.confidence:.2f}" + (f" · matched {safe(', '.join(c.matched))}" if c.matched else ""))
    if k := s.codes:
        lines.append(f"regulator's codes {safe(k.channel)} · {safe(k.business)} · {safe(k.reason)} "
                     + (f"confirmed by {safe(k.confirmed_by)}" if k.confirmed_by else
                        f"[yellow]proposed[/] ({safe(', '.join(k.evidence)) or 'no words: the defaults'})"))
    flags = [name for name, on in (("special group", s.special_group), ("supervisor assigned", s.supervisor_assigned),
                                   ("waiting on customer", s.waiting_on_customer), ("accepted", s.accepted)) if on]
    if flags:
        lines.append(" · ".join(flags))
    if s.pending_outcome:
        lines.append(f"[yellow]waiting for a supervisor's approve_close ({s.pending_outcome.value})[/]")
    parts: list = [Panel("\n".join(lines), title="complaint", title_align="left")]
    if s.clocks:
        parts.append(clocks_table(s.clocks, s.timezone, now))
    if s.work_orders:
        wo = Table(title="work orders", title_justify="left")
        for col in ("id", "department", "status", "question", "answer"):
            wo.add_column(col)
        for w in s.work_orders:
            wo.add_row(w.id, plain(w.department), w.status.value, plain(w.question),
                       plain(w.answer or w.cancel_reason or ""))
        parts.append(wo)
    history = Table(title="history", title_justify="left")
    zone = ZoneInfo(s.timezone)
    for col in ("#", f"time ({s.timezone})", "action", "by", "detail"):
        history.add_column(col)
    for h in s.history[-15:]:
        history.add_row(str(h.seq), h.at.astimezone(zone).strftime("%m-%d %H:%M:%S"), h.action if h.accepted else
                        Text(f"{h.action} (rejected)", style="red"), plain(f"{h.actor_id} ({h.actor_role})"),
                        plain(h.detail))
    parts.append(history)
    return Group(*parts)
