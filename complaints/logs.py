"""structlog set-up: JSON in production, readable on a terminal, personal data masked in every line."""
import logging
import re
import sys

import structlog

# Order matters: the longer numbers first, so a card number is not half-masked as a phone.
_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")     # 18-digit resident ID
_CARD = re.compile(r"(?<!\d)(\d{4})\d{7,11}(\d{4})(?!\d)")              # 15-19 digit card numbers
_PHONE = re.compile(r"(?<!\d)(\+?\d{0,3}1[3-9]\d)\d{4}(\d{4})(?!\d)")  # mainland mobile numbers
NAME_KEYS = {"name", "customer_name", "customer", "full_name"}


def mask_text(text: str) -> str:
    text = _ID_NUMBER.sub(r"\1********\2", text)
    text = _CARD.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 8) + m.group(2), text)
    return _PHONE.sub(r"\1****\2", text)


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def _mask(value, key: str = ""):
    if isinstance(value, str):
        return mask_name(value) if key in NAME_KEYS else mask_text(value)
    if isinstance(value, dict):
        return {k: _mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask(v) for v in value]
    return value


def mask_pii(_logger, _method, event_dict: dict) -> dict:
    """structlog processor: mask phone, ID and card numbers everywhere, names under name-like keys."""
    return {k: _mask(v, k) for k, v in event_dict.items()}


def configure(fmt: str = "auto", level: str = "INFO") -> None:
    """Route structlog and the standard library (Temporal's own logs) through one masked pipeline."""
    json_out = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_pii,
    ]
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if json_out else \
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    structlog.configure(
        processors=[*shared[:-2], structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared[:-2]],
        processors=[structlog.processors.format_exc_info, mask_pii,
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
