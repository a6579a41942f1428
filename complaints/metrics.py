"""Prometheus metrics: the domain's, read from the read model when scraped, and the process's own.

The domain's families are counted in the database, not in a process: with three workers and two API
replicas every one of them answers the same numbers, none is lost when a process restarts, and the totals
only grow because the pipeline never deletes a row. Each scrape costs a few indexed counts.

Per process: HTTP requests by route template and status (the API), read-model write faults (the worker that
met them), and the Temporal SDK's own runtime metrics (workers/telemetry.py)."""
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.tables import ComplaintRow, LookBackRevisit, Notification, SlaEventRow, WorkOrderRow

# What one process counts itself (a module-level registry: one per process, like the process itself).
PROCESS = CollectorRegistry(auto_describe=True)
HTTP_REQUESTS = Counter("complaints_http_requests", "HTTP requests answered, by route template and status",
                        ["method", "route", "status"], registry=PROCESS)
HTTP_SECONDS = Histogram("complaints_http_request_duration_seconds", "Time to answer an HTTP request",
                         ["method", "route"], registry=PROCESS,
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
WRITE_FAULTS = Counter("complaints_read_model_write_faults", "Read-model writes the database refused for good",
                       registry=PROCESS)

_ROUND = re.compile(r"(:[^#]*)?(#\d+)?$")


def clock_kind(name: str) -> str:
    """A clock's kind without its work order or round (`reply:WO-2#2` -> `reply`): a label, not an id."""
    return _ROUND.sub("", name) or name


class Domain(Collector):
    """The complaints_ families, counted in the read model at scrape time."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def describe(self) -> Iterator[Metric]:
        return iter(())  # described by collecting: every family is computed, none registered ahead

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(UTC)
        c, n, w, e, r = ComplaintRow, Notification, WorkOrderRow, SlaEventRow, LookBackRevisit
        with Session(self.engine) as s:
            received = s.exec(select(c.channel, func.count()).group_by(col(c.channel))).all()
            closed = s.exec(select(col(c.outcome), func.count()).where(col(c.closed_at).is_not(None))
                            .group_by(col(c.outcome))).all()
            open_ = s.exec(select(c.stage, col(c.level), func.count()).where(col(c.closed_at).is_(None))
                           .group_by(col(c.stage), col(c.level))).all()
            sla = s.exec(select(e.clock, e.kind, func.count()).group_by(e.clock, e.kind)).all()
            orders_open = s.exec(select(func.count()).select_from(w).where(w.status == "open")).one()
            orders_late = s.exec(select(func.count()).select_from(w)
                                 .where(col(w.status) == "open", col(w.due_at).is_not(None),
                                        col(w.due_at) < now)).one()
            pending = s.exec(select(func.count()).select_from(n)
                             .where(n.sent_at == None, n.failed_at == None)).one()  # noqa: E711
            sent = s.exec(select(func.count()).select_from(n).where(n.sent_at != None)).one()  # noqa: E711
            given_up = s.exec(select(func.count()).select_from(n).where(n.failed_at != None)).one()  # noqa: E711
            unconfigured = s.exec(select(func.count()).select_from(n).where(
                n.failed_at != None, col(n.last_error).startswith("not configured"))).one()  # noqa: E711
            revisits_late = s.exec(select(func.count()).select_from(r)
                                   .where(r.outcome == None, r.due_at < now)).one()  # noqa: E711
        yield _counter("complaints_received", "Complaints received, by channel", ["channel"], received)
        yield _counter("complaints_closed", "Complaints closed, by outcome", ["outcome"],
                       [(o or "unknown", k) for o, k in closed])
        yield _gauge("complaints_open", "Open complaints, by stage and level", ["stage", "level"],
                     [(st, lv or "none", k) for st, lv, k in open_])
        by_clock: dict[tuple[str, str], int] = {}
        for clock, kind, k in sla:
            if kind in ("warned", "breached"):
                key = (clock_kind(clock), kind)
                by_clock[key] = by_clock.get(key, 0) + k
        warnings = CounterMetricFamily("complaints_sla_warnings", "SLA clocks warned, by clock", labels=["clock"])
        breaches = CounterMetricFamily("complaints_sla_breaches", "SLA clocks breached, by clock", labels=["clock"])
        for (clock, kind), k in sorted(by_clock.items()):
            (warnings if kind == "warned" else breaches).add_metric([clock], k)
        yield warnings
        yield breaches
        yield _single(GaugeMetricFamily, "complaints_work_orders_open", "Work orders awaiting their answer",
                      orders_open)
        yield _single(GaugeMetricFamily, "complaints_work_orders_overdue", "Open work orders past their deadline",
                      orders_late)
        yield _single(GaugeMetricFamily, "complaints_outbox_pending", "Notifications not yet delivered", pending)
        yield _single(CounterMetricFamily, "complaints_outbox_sent", "Notifications delivered", sent)
        yield _single(CounterMetricFamily, "complaints_outbox_given_up",
                      "Notifications given up on (a person was told)", given_up)
        yield _single(GaugeMetricFamily, "complaints_outbox_not_configured",
                      "Notifications that could not go: no transport configured for their channel", unconfigured)
        yield _single(GaugeMetricFamily, "complaints_revisits_overdue", "Look-back revisits past their deadline",
                      revisits_late)


def _counter(name: str, doc: str, labels: list[str], rows) -> CounterMetricFamily:
    family = CounterMetricFamily(name, doc, labels=labels)
    for *values, k in rows:
        family.add_metric([str(v) for v in values], k)
    return family


def _gauge(name: str, doc: str, labels: list[str], rows) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for *values, k in rows:
        family.add_metric([str(v) for v in values], k)
    return family


def _single(kind, name: str, doc: str, value: int) -> Metric:
    return kind(name, doc, value=value)


def registry(engine: Engine) -> CollectorRegistry:
    """What a process exposes: its own metrics and the domain's."""
    reg = CollectorRegistry()
    reg.register(_Process())
    reg.register(Domain(engine))
    return reg


class _Process(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from PROCESS.collect()
