"""A cached workflow lets go of its start: the memory of a run's first activation is freed once it is done.

The worker receives each activation as one protobuf message whose memory is a single upb arena, and the
payload codec writes each decoded payload into that same arena. The SDK keeps a few small parts of a run's
first activation for the run's whole life: the last completion result and failure it was given, the headers
and memo in its `workflow.info()`, and the headers of the run's input. In upb a message kept keeps its whole
arena, so each cached complaint held its start twice over, encrypted and decoded (bench/README.md, "Memory
per cached complaint"). Here those parts are copied into messages of their own as the run is created (the
runner) and as it starts (the interceptor), and nothing else points into the first activation once it is done.

Behaviour is unchanged: the copies hold the same values (tests/test_start_release.py)."""
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.failure.v1 import Failure
from temporalio.worker import (
    ExecuteWorkflowInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInstance,
    WorkflowInstanceDetails,
    WorkflowInterceptorClassInput,
    WorkflowRunner,
)
from temporalio.workflow import _Definition

P = TypeVar("P", Payload, Payloads, Failure)


def own(message: P) -> P:
    """The same message in memory of its own (a new arena), pointing into nothing else."""
    copy = type(message)()
    copy.CopyFrom(message)
    return copy


def owned(payloads: Mapping[str, Payload]) -> dict[str, Payload]:
    return {key: own(value) for key, value in payloads.items()}


def detached(det: WorkflowInstanceDetails) -> WorkflowInstanceDetails:
    """The details a run is created from, with no message left pointing into its first activation."""
    info = replace(det.info, headers=owned(det.info.headers), raw_memo=owned(det.info.raw_memo))
    return replace(det, info=info, last_completion_result=own(det.last_completion_result),
                   last_failure=own(det.last_failure) if det.last_failure is not None else None)


class StartReleasingRunner(WorkflowRunner):
    """Another runner (the sandbox, or none), given details that keep nothing of the first activation."""

    def __init__(self, inner: WorkflowRunner) -> None:
        self.inner = inner

    def prepare_workflow(self, defn: _Definition) -> None:
        self.inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return self.inner.create_instance(detached(det))

    def set_worker_level_failure_exception_types(self, types: Sequence[type[BaseException]]) -> None:
        self.inner.set_worker_level_failure_exception_types(types)


class _OwnHeaders(WorkflowInboundInterceptor):
    async def execute_workflow(self, input: ExecuteWorkflowInput):
        # The SDK keeps this very input for the run's life; interceptors outside this one (tracing) have
        # read the headers already, and the run reads its arguments, already converted to Python values.
        input.headers = owned(input.headers)
        return await super().execute_workflow(input)


class StartReleasing(Interceptor):
    """The worker's innermost interceptor: the run's input keeps its headers in messages of their own."""

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:
        return _OwnHeaders
