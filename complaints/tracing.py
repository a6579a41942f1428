"""OpenTelemetry traces, off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set (no collector is needed to run).

When on, a request's span (FastAPI's instrumentation) is the parent of the Temporal client's span for the
update or start it sends, and the worker's spans for the workflow and its activities join the same trace
(the SDK's TracingInterceptor carries the context in the message's headers)."""
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from complaints.config import Settings

_configured = False


def configure(settings: Settings, exporter: SpanExporter | None = None) -> bool:
    """Install the process's tracer provider once; False when tracing is off."""
    global _configured
    if _configured or not (settings.otel_exporter_otlp_endpoint or exporter):
        return _configured
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otel_exporter_otlp_endpoint or ""
        exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    provider = TracerProvider(resource=Resource.create({"service.name": settings.otel_service_name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _configured = True
    return True


def instrument_api(app, settings: Settings) -> None:
    if settings.otel_exporter_otlp_endpoint and configure(settings):
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
