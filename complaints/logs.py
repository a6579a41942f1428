"""structlog set-up: JSON in production, readable on a terminal, personal data masked in every line."""
import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from structlog.typing import Processor

from models.intake import mask_name

# Order matters: the longer numbers first, so a card number is not half-masked as a phone.
_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")     # 18-digit resident ID
_CARD = re.compile(r"(?<!\d)(\d{4})\d{7,11}(\d{4})(?!\d)")              # 15-19 digit card numbers
_PHONE = re.compile(r"(?<!\d)(\+?\d{0,3}1[3-9]\d)\d{4}(\d{4})(?!\d)")  # mainland mobile numbers
NAME_KEYS = {"name", "customer_name", "customer", "full_name"}
# Names inside free text are found by their cues; masking a word too many in a log line is harmless.
_ZH_NAME_AFTER = re.compile(r"(我叫|我是|本人|姓名[:：]?\s*|户名[:：]?\s*|客户)([\u4e00-\u9fff])([\u4e00-\u9fff]{1,3})")
_ZH_NAME_BEFORE = re.compile(r"([\u4e00-\u9fff])[\u4e00-\u9fff]{0,2}(先生|女士|小姐|老师)")
_EN_NAME = re.compile(r"(?i:(my name is|name:|mr\.?|mrs\.?|ms\.?|miss))\s+([A-Z])[a-z]+(?:\s+[A-Z][a-z]+)?")


def mask_text(text: str) -> str:
    text = _ID_NUMBER.sub(r"\1********\2", text)
    text = _CARD.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 8) + m.group(2), text)
    text = _PHONE.sub(r"\1****\2", text)
    text = _ZH_NAME_AFTER.sub(lambda m: m.group(1) + m.group(2) + "*" * len(m.group(3)), text)
    text = _ZH_NAME_BEFORE.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 1 - len(m.group(2))) + m.group(2),
                               text)
    return _EN_NAME.sub(lambda m: f"{m.group(1)} {m.group(2)}***", text)


def _mask(value, key: str = ""):
    if isinstance(value, str):
        return mask_name(value) if key in NAME_KEYS else mask_text(value)
    if isinstance(value, dict):
        return {k: _mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask(v) for v in value]
    return value


def mask_pii(_logger: object, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask phone, ID and card numbers everywhere, names under name-like keys."""
    return {k: _mask(v, k) for k, v in event_dict.items()}


_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def handler_for(stream, json_out: bool) -> logging.Handler:
    """A stdlib handler that renders every record, ours and Temporal's, masked."""
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if json_out else \
        structlog.dev.ConsoleRenderer(colors=stream.isatty() if hasattr(stream, "isatty") else False)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *_SHARED],
        # Exceptions are rendered to text first, so the masking sees their messages too.
        processors=[structlog.processors.format_exc_info, mask_pii,
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]))
    return handler


def configure(fmt: str = "auto", level: str = "INFO") -> None:
    """Route structlog and the standard library (Temporal's own logs) through one masked pipeline."""
    json_out = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    root.handlers[:] = [handler_for(sys.stderr, json_out)]
    root.setLevel(level.upper())
    # A line per HTTP request of the CLI's client, and Alembic's plugin set-up on import, are noise on a
    # person's terminal.
    for chatty in ("httpx", "httpcore", "alembic"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
