"""A cached workflow lets go of its first activation (workers/start_release.py).

Measured where it shows: the worker's resident memory while 40 workflows with an 800 KB start each are
cached. Without the release each keeps its start twice (as received, encrypted, and as the codec decoded
it); with it, none of it. The same run without the release is the control: it shows the measure sees it. The
released run goes first and freed memory is handed back before each reading, so no run's growth can hide in
memory another freed."""
import ctypes
import gc
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from temporalio.bridge.proto.workflow_activation import InitializeWorkflow, WorkflowActivation
from temporalio.common import Priority, TypedSearchAttributes
from temporalio.converter import DefaultFailureConverter, PayloadConverter
from temporalio.worker import Worker, WorkflowInstanceDetails
from temporalio.workflow import Info

from tests.start_holder import HoldsItsStart
from workers.start_release import StartReleasing, StartReleasingRunner, detached
from workers.worker import build_worker, workflow_runner

HELD = 40
TEXT_CHARS = 800_000  # random hex: the codec's compression halves it, no more: under the server's 512 KB limit


def rss_kib() -> int:
    """Resident memory of live objects: freed memory is first handed back (glibc), so memory another test (or
    the other run here) freed cannot hide a run's growth."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


async def kib_per_cached_run(client, release: bool, held: int = HELD) -> float:
    queue = f"holds-{uuid.uuid4().hex[:8]}"
    runner = workflow_runner()
    worker = Worker(client, task_queue=queue, workflows=[HoldsItsStart],
                    workflow_runner=StartReleasingRunner(runner) if release else runner,
                    interceptors=[StartReleasing()] if release else [])

    async def hold() -> None:
        handle = await client.start_workflow(HoldsItsStart.run, {"text": secrets.token_hex(TEXT_CHARS // 2)},
                                             id=f"{queue}-{uuid.uuid4().hex}", task_queue=queue)
        assert await handle.execute_update(HoldsItsStart.size_read) == TEXT_CHARS

    async with worker:
        for _ in range(3):  # warm: the sandbox's first imports are not what is measured
            await hold()
        before = rss_kib()
        for _ in range(held):
            await hold()
        return (rss_kib() - before) / held


async def test_a_cached_run_keeps_nothing_of_its_start(client):
    await kib_per_cached_run(client, release=True, held=5)  # the process's first worker: its one-off costs
    released = await kib_per_cached_run(client, release=True)
    kept = await kib_per_cached_run(client, release=False)
    start = TEXT_CHARS / 1024
    print(f"KiB per cached run: kept {kept:.0f}, released {released:.0f} (the start {start:.0f})")
    # Kept: the start as received (compressed and encrypted, ~half its size) and as decoded, in arena blocks.
    assert kept > 1.5 * start, f"the control kept only {kept:.0f} KiB per run: the measure does not see the start"
    assert released < start, f"a cached run still holds {released:.0f} KiB (its start is {start:.0f} KiB)"


def test_the_copies_hold_the_same_values_and_nothing_of_the_activation():
    act = WorkflowActivation(run_id="r")
    init = act.jobs.add().initialize_workflow
    init.workflow_id, init.workflow_type = "w", "T"
    init.headers["trace"].data = b'{"span":1}'
    init.memo.fields["note"].data = b'"memo"'
    init.last_completion_result.payloads.add().data = b'"last"'
    init.continued_failure.message = "before"
    init.arguments.add().data = b"x" * 1000
    det = details(init)

    mine = detached(det)
    assert (mine.info.headers, mine.info.raw_memo) == (det.info.headers, det.info.raw_memo)
    assert (mine.last_completion_result, mine.last_failure) == (det.last_completion_result, det.last_failure)
    assert mine.info.workflow_id == "w" and mine.randomness_seed == det.randomness_seed
    # Changed in the activation, the copies do not change: they are not views into its memory.
    init.headers["trace"].data = init.memo.fields["note"].data = b"changed"
    init.last_completion_result.payloads[0].data = b"changed"
    init.continued_failure.message = "changed"
    assert mine.info.headers["trace"].data == b'{"span":1}' and mine.info.raw_memo["note"].data == b'"memo"'
    assert mine.last_completion_result.payloads[0].data == b'"last"' and mine.last_failure.message == "before"
    assert detached(details(InitializeWorkflow(), with_failure=False)).last_failure is None


def details(init, with_failure: bool = True) -> WorkflowInstanceDetails:
    now = datetime.now(UTC)
    info = Info(attempt=1, continued_run_id=None, cron_schedule=None, execution_timeout=None,
                first_execution_run_id="r", headers=dict(init.headers), namespace="default",
                original_execution_run_id="r", parent=None, root=None, priority=Priority(), raw_memo=dict(init.memo.fields),
                retry_policy=None, run_id="r", run_timeout=None, search_attributes={}, start_time=now,
                task_queue="q", task_timeout=timedelta(seconds=10), typed_search_attributes=TypedSearchAttributes([]),
                workflow_id=init.workflow_id, workflow_start_time=now, workflow_type=init.workflow_type)
    return WorkflowInstanceDetails(
        payload_converter_factory=PayloadConverter.default.__class__, failure_converter_class=DefaultFailureConverter,
        interceptor_classes=[], defn=None, info=info, randomness_seed=7, extern_functions={},  # type: ignore[arg-type]
        disable_eager_activity_execution=True, worker_level_failure_exception_types=[],
        patch_activation_callback=None, last_completion_result=init.last_completion_result,
        last_failure=init.continued_failure if with_failure else None)


async def test_the_worker_runs_its_workflows_so(client, settings, engine):
    config = build_worker(client, settings.model_copy(update={"task_queue": "release-config"}), engine).config()
    assert isinstance(config["workflow_runner"], StartReleasingRunner)
    assert any(isinstance(i, StartReleasing) for i in config["interceptors"])
