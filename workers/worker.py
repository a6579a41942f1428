"""Building and running a worker. Stateless: run as many as the load needs."""
import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import structlog
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.complaint import ComplaintActivities
from activities.delivery import DeliveryActivities
from activities.incidents import IncidentActivities
from activities.lookback import LookBackActivities
from activities.problems import ProblemActivities
from activities.reconcile import ReconcileActivities
from activities.retention import RetentionActivities
from classifier import configured
from complaints import keys, readiness, tracing
from complaints.config import Settings
from complaints.db import make_engine
from complaints.fields import cipher_for
from complaints.temporal import connect, worker_client
from models.policy import Policy
from workers import operations
from workers.start_release import StartReleasing, StartReleasingRunner
from workflows.complaint import ComplaintWorkflow
from workflows.incident import IncidentWatchWorkflow, IncidentWorkflow
from workflows.lookback import LookBackWorkflow, RevisitWorkflow
from workflows.outbox import OutboxWorkflow
from workflows.problem import ProblemWorkflow
from workflows.reconcile import ReconcileWorkflow
from workflows.retention import RetentionWorkflow

log = structlog.get_logger()
WORKFLOWS = [ComplaintWorkflow, LookBackWorkflow, RevisitWorkflow, ReconcileWorkflow, OutboxWorkflow, IncidentWorkflow,
             IncidentWatchWorkflow, RetentionWorkflow, ProblemWorkflow]


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox, with our own deterministic packages passed through.

    By default the sandbox re-imports (and recompiles) a workflow's module for every new workflow run: a
    sixth of the worker's time under load (bench/README.md). Our workflow code is deterministic by
    construction, checked by the replay tests and by ruff's banned-API rule for `workflows/`, so it is
    imported once, like the standard library."""
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(
        "workflows", "models", "pydantic", "pydantic_core", "annotated_types"))


def build_worker(client: Client, settings: Settings, engine: Engine, policy: Policy | None = None,
                 identity: str | None = None) -> Worker:
    policy = settings.pinned(policy) if policy is not None else settings.policy()
    cipher = cipher_for(settings)  # the key is on disk: `complaints init` (or `up`) made it before the first start
    classifier = configured(settings)
    if hasattr(classifier, "ready"):
        classifier.ready()  # the learned emergency detector trains here, not in the first analyse
    acts = ComplaintActivities(engine, policy, cipher, classifier, settings.code_table())
    wclient = worker_client(client, settings)
    look = LookBackActivities(engine, policy, cipher, wclient)
    recon = ReconcileActivities(wclient, engine)
    out = DeliveryActivities(engine, settings, cipher)
    inc = IncidentActivities(engine, policy, cipher, wclient)
    kept = RetentionActivities(engine, policy)
    prob = ProblemActivities(engine)
    return Worker(
        wclient,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        # A cached run keeps nothing of its first activation (the start, encrypted and decoded): start_release.py
        workflow_runner=StartReleasingRunner(workflow_runner() if settings.workflow_sandbox
                                             else UnsandboxedWorkflowRunner()),
        interceptors=[StartReleasing()],
        activities=[acts.intake_complaint, acts.record_batch, acts.compute_deadline,
                    look.resolve_month, look.sample_lookback, look.start_revisits, look.summarise_lookback,
                    look.record_revisit, look.recurrence_intake, recon.reconcile,
                    out.pending, out.deliver_first, out.deliver, out.failed,
                    inc.scan_intake, inc.link_scan, inc.record_incident, inc.incident_notice, inc.propose_to_linked,
                    inc.announce_to_linked, inc.hand_over, inc.split_off, kept.erase_expired,
                    prob.record_problem, prob.problem_notice, prob.measure_problem],
        activity_executor=ThreadPoolExecutor(max_workers=settings.max_concurrent_activities),
        max_concurrent_activities=settings.max_concurrent_activities,
        max_cached_workflows=settings.max_cached_workflows,
        identity=identity,
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=settings.sticky_timeout_seconds),
        # On SIGTERM, activities in flight get this long to finish before they are cut (and retried elsewhere).
        graceful_shutdown_timeout=timedelta(seconds=settings.shutdown_grace_seconds),
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    policy = settings.policy()  # fail fast on a bad policy file, before connecting
    runtime, sdk_address = operations.sdk_runtime() if settings.worker_metrics_port else (None, None)
    tracing.configure(settings)
    keys.require(settings, "complaints_key", "actor_key")
    if not settings.transports():
        log.warning("no transport configured: notifications to customers will not be sent",
                    missing=readiness.NO_TRANSPORT)
    client = await connect(settings, runtime=runtime)
    engine = make_engine(settings.db_url)
    me = operations.identity(settings.task_queue)
    port = None
    if settings.worker_metrics_port:
        port = await operations.serve(settings.worker_metrics_port, engine, client, settings.task_queue, me,
                                      sdk_address, settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        async with build_worker(client, settings, engine, policy, identity=me):
            log.info("worker running", task_queue=settings.task_queue, temporal=settings.temporal_address,
                     policy=policy.name, identity=me, metrics_port=settings.worker_metrics_port or None)
            await stop.wait()
            log.info("worker stopping", grace_seconds=settings.shutdown_grace_seconds)
    finally:
        if port is not None:
            await port.cleanup()
        engine.dispose()
    log.info("worker stopped")
