"""The cast of the tests."""
from models.intake import Actor

HANDLER = Actor(id="E207", role="handler", department="branch-0101")       # the first responder
COLLEAGUE = Actor(id="E300", role="handler", department="branch-0101")
INTAKE = Actor(id="hotline-ivr", role="intake", department="hotline")
SUPERVISOR = Actor(id="S001", role="supervisor", department="complaints")
REVIEWER_A = Actor(id="R010", role="reviewer", department="risk")
REVIEWER_B = Actor(id="R011", role="reviewer", department="risk")
CARD_AGENT = Actor(id="A501", role="department_agent", department="credit-card-centre")
LOANS_AGENT = Actor(id="A601", role="department_agent", department="loans")

GOOD_RESPONSE = ("非常抱歉给您带来不便。经核实，您反映的年费问题属实。我们已为您退还年费并简化了办理流程。"
                 "我们将在三个工作日内回访，如有疑问请联系我们。")

# The decision notice's parts (Order No. 3) that every response in the tests carries.
DECISION = {"finding": "upheld", "relief": "monetary", "facts": "本月年费系误收，已核对账单",
            "basis": "《信用卡领用合约》年费条款", "reasons": "误收的费用应予退还",
            # The regulator's codes (JR/T 0169-2018) the decision confirms: a mobile-app card fee, disclosure.
            "channel_code": "A1033", "business_code": "B03", "reason_code": "C05",
            # Monetary relief is money: within the policy's limit (5,000 CNY), so no second approval.
            "redress_amount": "300", "redress_for": "退还误收年费"}
