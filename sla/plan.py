"""Which clocks a complaint runs, from its level and emergency flag. Pure."""
from models.enums import Level
from models.policy import Policy


def clocks_for(policy: Policy, level: Level, emergency: bool, review: bool = False) -> dict[str, str]:
    """Clock name -> policy duration, all starting when the complaint was received. A review (核查) of a
    decision runs its own limit alone: the first decision's clocks were the complaint's."""
    if review:
        return {"review": policy.review.decide}
    plan = dict(policy.level[level])
    if emergency:
        # An emergency answers within the emergency limit even if its level allows longer.
        plan["first_response"] = policy.emergency.first_response
        plan["first_disposal"] = policy.emergency.first_disposal
    plan["decision"] = policy.regulatory.decision
    return plan
