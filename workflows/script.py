"""The response script: empathy & apology -> facts confirmed -> solution -> follow-up, no prohibited phrase."""

PARTS: dict[str, tuple[str, ...]] = {
    "empathy & apology": ("抱歉", "歉意", "对不起", "理解您", "给您带来", "sorry", "apolog", "we understand",
                          "regret"),
    "facts confirmed": ("经核实", "经查", "核实", "查明", "确认", "经了解", "we checked", "we have checked",
                        "we verified", "we have verified", "our records show", "confirmed", "investigat"),
    "solution": ("解决", "办理", "退还", "退回", "补发", "已为您", "将为您", "处理", "solution", "resolve",
                 "refund", "reissue", "we will", "we have arranged", "fixed", "corrected", "reversed"),
    "follow-up": ("回访", "跟进", "如有疑问", "如有问题", "联系我们", "致电", "follow up", "follow-up",
                  "contact us", "call you", "reach us", "get back to you"),
}


def script_problems(text: str, prohibited: list[str]) -> list[tuple[str, dict[str, str]]]:
    """What is wrong with a proposed response: prohibited phrases and missing parts, each as (kind, values)
    of `models.reasons.SCRIPT`."""
    lowered = text.lower()
    problems = [("prohibited", {"phrase": p}) for p in prohibited if p.lower() in lowered]
    problems += [("missing", {"part": part}) for part, cues in PARTS.items() if not any(cue in lowered for cue in cues)]
    return problems
