"""What a person calls every identifier the product shows, in Chinese and English, from one place per kind:
`vocabulary.toml` beside this module (stages, clocks, tiers, channels, roles, …), the taxonomy's `[names]`
(business types and problem natures: the bank edits both together), the department registry and the message
declarations (workflows/contract.py). Pages, reports and notices ask `name(kind, id, lang)`; an id no table
names is shown as it is, and the language test of the workbench fails on it."""
import tomllib
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent
VOCABULARY = HERE / "vocabulary.toml"
TAXONOMY = HERE.parent / "classifier" / "taxonomy.toml"
ZH, EN = "zh", "en"
Names = dict[str, dict[str, tuple[str, str]]]


@lru_cache(maxsize=4)
def tables(taxonomy: str = str(TAXONOMY)) -> Names:
    """Every kind's names; `business_type` and `problem_nature` from the taxonomy file given."""
    raw = tomllib.loads(VOCABULARY.read_text(encoding="utf-8"))
    names = tomllib.loads(Path(taxonomy).read_text(encoding="utf-8")).get("names", {})
    raw["business_type"] = names.get("business_types", {})
    raw["problem_nature"] = names.get("natures", {})
    return {kind: {key: (pair[0], pair[1]) for key, pair in table.items()} for kind, table in raw.items()}


def name(kind: str, key: object, lang: str = ZH) -> str:
    """`key` (an id, an enum member) as a person reads it in `lang`; the key itself when nothing names it."""
    text = str(getattr(key, "value", key) if key is not None else "")
    pair = tables().get(kind, {}).get(text)
    return (pair[1] if lang == EN else pair[0]) if pair else text


def clock_name(clock: str, lang: str = ZH) -> str:
    """A clock's stable key (`reply:WO-2`, `resolve#2`) as a person reads it: 工单答复 WO-2（第 2 轮）."""
    base, _, rnd = clock.partition("#")
    kind, _, work_order = base.partition(":")
    text = name("clock", kind, lang) + (f" {work_order}" if work_order else "")
    if rnd:
        text += f" (round {rnd})" if lang == EN else f"（第 {rnd} 轮）"
    return text


def method_name(method: str, lang: str = ZH) -> str:
    """How a classification was made: the classifier's version string reads as rules, model or correction."""
    kind = "correction" if method.startswith("corrected") else "rules" if method.startswith("rules") else "model"
    return name("method", kind, lang)
