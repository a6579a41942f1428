"""Connecting to Temporal with our data converter, and registering the search attributes."""
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime

from complaints import proof
from complaints.codec import EncryptionCodec, load_or_create_key
from complaints.config import Settings
from complaints.proof import Prover
from models import search_attributes as sa
from models.payloads import ComplaintPayloadConverter


def data_converter(settings: Settings, refuse: bool = False, create_key: bool = False) -> DataConverter:
    """Clients (refuse=False) fail at once on a payload they cannot read; workers (refuse=True) turn it into
    a refusal the workflow records (see EncryptionCodec). Only the system's own processes create the keys.
    With the actor key (the API, workers, tests) the codec seals and vouches for messages; an operator's
    client without it reads histories but speaks for nobody."""
    key_id, key = load_or_create_key(settings.key_file, create=create_key)
    prover = None
    if create_key or settings.actor_key_file.exists():
        prover = Prover(proof.load_or_create(settings.actor_key_file, create=create_key))
    return DataConverter(payload_converter_class=ComplaintPayloadConverter,
                         payload_codec=EncryptionCodec(key_id, key, refuse=refuse, prover=prover))


def worker_client(client: Client, settings: Settings) -> Client:
    """The same connection, with the worker's refusing codec."""
    return Client(client.service_client, namespace=client.namespace,
                  data_converter=data_converter(settings, refuse=True), interceptors=tracing_interceptors(settings))


async def connect(settings: Settings, create_key: bool = False, runtime: Runtime | None = None) -> Client:
    """A client of the configured server; `create_key` for the system's own processes (keys made on first run);
    `runtime` for a worker's telemetry and tracing (workers/operations.py)."""
    interceptors = tracing_interceptors(settings)
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace,
                                data_converter=data_converter(settings, create_key=create_key), runtime=runtime,
                                interceptors=interceptors)


def tracing_interceptors(settings: Settings) -> list:
    """The SDK's OpenTelemetry interceptor when tracing is configured: a span for each start, update and
    activity, joined to the API request's trace (complaints/tracing.py sets the exporter)."""
    if not settings.otel_exporter_otlp_endpoint:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Register the custom search attributes that are missing; idempotent. Returns the ones added.

    Needed at every start: `temporal server start-dev --search-attribute` is ignored once its database
    file exists."""
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace))
    # The SDK's indexed value types carry the protocol's enum numbers.
    missing = {key.name: IndexedValueType.ValueType(int(key.indexed_value_type))
               for key in sa.ALL if key.name not in existing.custom_attributes}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(search_attributes=missing, namespace=namespace))
    return sorted(missing)
