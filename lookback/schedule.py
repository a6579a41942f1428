"""The look-back's Temporal Schedule: the first working day of each month, at the policy's hour.

Temporal calendars cannot say "first working day" (that needs the holiday tables), so the spec lists the
exact days for the coming months, computed from the business calendar; `complaints up` and
`complaints lookback schedule` update it idempotently, which rolls the horizon forward."""
from datetime import date, timedelta

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)

from models.lookback import LookBackInput
from models.policy import Policy
from sla.calendar import calendar_for

SCHEDULE_ID = "complaints-lookback"
HORIZON_MONTHS = 24


def run_days(policy: Policy, today: date, months: int = HORIZON_MONTHS) -> list[date]:
    cal = calendar_for(policy.region, policy.timezone)
    year, month = today.year, today.month
    days = []
    for _ in range(months):
        day = cal.first_working_day_of(year, month)
        if day >= today:
            days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def build_schedule(policy: Policy, today: date, task_queue: str) -> Schedule:
    calendars = [ScheduleCalendarSpec(year=[ScheduleRange(d.year)], month=[ScheduleRange(d.month)],
                                      day_of_month=[ScheduleRange(d.day)], hour=[ScheduleRange(policy.lookback.hour)],
                                      minute=[ScheduleRange(0)], second=[ScheduleRange(0)],
                                      comment=f"first working day of {d:%Y-%m}")
                 for d in run_days(policy, today)]
    return Schedule(
        action=ScheduleActionStartWorkflow("LookBackWorkflow", LookBackInput(month=None), id="lookback-scheduled",
                                           task_queue=task_queue),
        spec=ScheduleSpec(calendars=calendars, time_zone_name=policy.timezone),
        # A missed run (server down over the 1st) still happens within a week; never two at once.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=7)),
    )
