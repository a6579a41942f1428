"""The case's SLA clocks: start, meet, warn, breach, and when the next one needs attention.

The arithmetic of one clock (pauses, deadline, warning time) is `models.sla.Clock`; here is what a clock's
moves do to the complaint. Clocks are typed (`ClockKind`, round, work order); their name is only a key."""
from datetime import datetime

from models.enums import Outcome
from models.policy import APPRAISAL_PAUSES, CLOCK_LABELS, CLOCK_MILESTONES, PAUSABLE
from models.reasons import said
from models.sla import Clock, ClockKind, Expiry, Milestone, clock_name
from models.workflow_io import SlaEvent
from workflows.case import SYSTEM, CaseCore


class CaseClocks(CaseCore):
    def next_round(self, kind: ClockKind) -> int:
        return 1 + sum(1 for c in self.s.clocks if c.kind is kind)

    def start_clock(self, name: str, started_at: datetime, due_at: datetime, now: datetime,
                    work_order: str | None = None, round: int = 1) -> None:
        kind = ClockKind(name)
        clock = Clock(
            name=clock_name(kind, round, work_order), kind=kind, round=round, work_order=work_order,
            label=CLOCK_LABELS[kind], milestone=CLOCK_MILESTONES[kind], pausable=kind in PAUSABLE,
            started_at=started_at, due_at=due_at, warn_share=self.policy.warn_at,
            expiry=Expiry.CLOSE_NO_FEEDBACK if kind is ClockKind.VERIFY_WINDOW else Expiry.BREACH)
        self.s.clocks.append(clock)
        self.hold_or_run(now)
        self.changes += 1

    def hold_or_run(self, now: datetime) -> None:
        """Each clock paused exactly while something the rules allow holds it: the customer's information
        (the bank's own resolution clocks), an external appraisal (those and the regulatory decision), or a link
        as a repeat (every clock: the complaint is handled on the open one's). Holds may overlap: a clock runs
        again only when none holds it."""
        waiting, appraising, merged = self.s.waiting_on_customer, self.s.appraising, self.s.repeat_of is not None
        for clock in self.s.clocks:
            held = merged or (waiting and clock.pausable) or (appraising and clock.kind.value in APPRAISAL_PAUSES)
            if held:
                clock.hold(now)
            elif clock.paused:
                clock.resume(now)

    def next_clock_event(self) -> tuple[datetime, str] | None:
        upcoming = [(t, c.name) for c in self.s.clocks if (t := c.next_event()) is not None]
        return min(upcoming) if upcoming else None

    def meet(self, milestone: Milestone, now: datetime, work_order: str | None = None) -> None:
        for clock in self.s.clocks:
            if clock.running and clock.milestone is milestone and (work_order is None or clock.work_order == work_order):
                self._met(clock, now)

    def meet_kinds(self, kinds: list[str], now: datetime) -> None:
        """Meet the running clocks of these kinds, whatever their milestone (an incident's announcement)."""
        for clock in self.s.clocks:
            if clock.running and clock.kind.value in kinds:
                self._met(clock, now)

    def _met(self, clock: Clock, now: datetime) -> None:
        clock.resume(now)
        clock.met_at = now
        self.out.sla_events.append(SlaEvent(clock=clock.name, kind="met", at=now, deadline=clock.deadline()))

    def fire_due_clocks(self, now: datetime) -> None:
        for clock in list(self.s.clocks):
            if not clock.running or clock.paused:
                continue
            if clock.expiry is Expiry.CLOSE_NO_FEEDBACK:
                if now >= clock.deadline():
                    clock.stopped_at = now
                    self.event("no_feedback", SYSTEM, now, said("no_feedback"))
                    self.close(Outcome.NO_FEEDBACK, SYSTEM, now)
            elif now >= clock.deadline():
                self._breach(clock, now)
            elif clock.warned_at is None and now >= clock.warn_time():
                self._warn(clock, now)

    def _warn(self, clock: Clock, now: datetime) -> None:
        clock.warned_at = now
        self.out.sla_events.append(SlaEvent(clock=clock.name, kind="warned", at=now, deadline=clock.deadline()))
        self.event("sla_warning", SYSTEM, now, said("sla_warning", clock=clock.label, due=clock.deadline().isoformat()))
        self.notify("owner", self.s.owner_id, "sla_warning",
                    f"{self.s.complaint_id}: {clock.label} due at {clock.deadline().isoformat()}", now,
                    params={"cid": self.s.complaint_id, "clock": clock.label, "due": clock.deadline().isoformat()})

    def _breach(self, clock: Clock, now: datetime) -> None:
        s = self.s
        clock.breached_at = now
        s.breached, s.supervisor_assigned = True, True  # the green channel
        self.out.sla_events.append(SlaEvent(clock=clock.name, kind="breached", at=now, deadline=clock.deadline()))
        self.event("sla_breached", SYSTEM, now, said("sla_breached", clock=clock.label,
                                                     due=clock.deadline().isoformat()))
        if clock.work_order is not None:
            wo = s.work_order(clock.work_order)
            assert wo is not None  # a reply clock is started with its work order
            department = wo.department
            self.notify("supervisor", f"supervisor:{department}", "work_order_overdue",
                        f"Work order {clock.work_order} on {s.complaint_id} is overdue", now,
                        params={"wo": str(clock.work_order)})
            self.notify("owner", s.owner_id, "work_order_overdue",
                        f"Work order {clock.work_order} to {department} is overdue", now,
                        params={"wo": str(clock.work_order)})
        else:
            self.notify("supervisor", f"supervisor:{s.department}", "sla_breach",
                        f"{s.complaint_id}: {clock.label} breached; you are assigned (green channel)", now,
                        params={"cid": s.complaint_id, "clock": clock.label})
            self.notify_customer("progress", now)
        self.out.search_attributes = True
