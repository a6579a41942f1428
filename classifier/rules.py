"""The first classifier: keyword rules in Chinese and English, colloquial forms included.

Explainable by construction: the terms that fired are recorded with the classification."""
from models.enums import Channel, Level
from models.state import Classification

VERSION = "rules@1"

BUSINESS_TYPES: dict[str, tuple[str, ...]] = {
    "credit_card": ("信用卡", "卡费", "年费", "积分", "额度", "账单", "分期", "credit card", "annual fee",
                    "reward point", "points", "statement", "card limit"),
    "loans": ("贷款", "房贷", "车贷", "借款", "还款", "利率", "抵押", "loan", "mortgage", "repayment",
              "interest rate", "lender"),
    "wealth_management": ("理财", "基金", "保险", "收益", "净值", "wealth", "fund", "investment", "insurance",
                          "annuity"),
    "digital_banking": ("手机银行", "网银", "app", "登录", "转账失败", "系统", "闪退", "online banking",
                        "mobile banking", "login", "log in", "website"),
    "debit_account": ("银行卡", "储蓄卡", "借记卡", "账户", "存款", "取款", "冻结", "卡丢", "丢卡", "挂失",
                      "debit card", "account", "deposit", "withdraw", "atm", "checking", "savings"),
    "payments": ("汇款", "转账", "支付", "扣款", "payment", "transfer", "wire", "charge"),
}

# Ordered: the first nature whose terms match wins, so the urgent ones come first.
PROBLEM_NATURES: dict[str, tuple[str, ...]] = {
    "lost_card": ("卡丢", "丢卡", "卡丢了", "卡掉了", "卡不见", "丢失", "被偷", "被盗", "挂失", "lost card",
                  "lost my card", "card was stolen", "stolen card", "card stolen", "lost my wallet"),
    "fraud": ("诈骗", "骗子", "被骗", "盗刷", "欺诈", "冒用", "fraud", "scam", "scammer", "phishing",
              "identity theft", "id theft"),
    "unauthorised_transaction": ("未经授权", "不是我本人", "莫名扣款", "不明扣款", "unauthorized", "unauthorised",
                                 "did not authorize", "didn't authorize", "not authorized", "never authorized"),
    "stop_payment": ("止付", "冻结支付", "紧急止付", "stop payment", "stop-payment", "stop the payment"),
    "system_failure": ("系统故障", "系统崩溃", "无法登录", "登录不了", "宕机", "闪退", "打不开", "outage",
                       "system down", "system failure", "cannot log in", "can't log in", "app crash", "not working"),
    "privacy": ("泄露", "隐私", "个人信息", "privacy", "data breach", "leaked", "personal information"),
    "account_frozen": ("冻结", "解冻", "锁定", "frozen", "freeze", "unfreeze", "locked"),
    "fees_charges": ("收费", "手续费", "年费", "乱收费", "扣费", "fee", "charge", "overdraft"),
    "mis_selling": ("误导", "强制搭售", "搭售", "夸大收益", "mis-sold", "misled", "misleading", "false advertising"),
    "debt_collection": ("催收", "催债", "暴力催收", "debt collect", "collector", "collection agency", "harass"),
    "credit_reporting": ("征信", "信用报告", "credit report", "credit bureau", "credit score", "dispute"),
    "process_cumbersome": ("繁琐", "麻烦", "排队", "等太久", "来回跑", "手续复杂", "cumbersome", "too long",
                           "waited", "complicated", "runaround", "run around"),
    "service_attitude": ("态度", "服务差", "不耐烦", "敷衍", "rude", "attitude", "unprofessional"),
}

EMERGENCY_NATURES = {"lost_card", "fraud", "unauthorised_transaction", "stop_payment"}
WIDE_IMPACT = ("所有客户", "大面积", "很多人", "大量客户", "全部用户", "everyone", "all customers",
               "many customers", "widespread")
# Level I: urgent or wide impact; level II: frequent / experience; the rest are individual requests.
LEVEL_I_NATURES = {"system_failure", "privacy"}
LEVEL_II_NATURES = {"process_cumbersome", "service_attitude", "fees_charges", "mis_selling"}

DEPARTMENTS = {
    "credit_card": "credit-card-centre",
    "loans": "loans",
    "wealth_management": "wealth-management",
    "digital_banking": "it",
    "debit_account": "operations",
    "payments": "operations",
    "other": "operations",
}
# Natures that belong to a department whatever the product.
NATURE_DEPARTMENTS = {"system_failure": "it", "privacy": "it"}


def _first_match(text: str, table: dict[str, tuple[str, ...]]) -> tuple[str, list[str]]:
    best, best_hits = "other", []
    for label, terms in table.items():
        hits = [t for t in terms if t in text]
        if len(hits) > len(best_hits):
            best, best_hits = label, hits
    return best, best_hits


def classify(text: str, channel: Channel | str | None = None, recent_count: int = 0) -> Classification:
    lowered = text.lower()
    business, business_hits = _first_match(lowered, BUSINESS_TYPES)
    nature, nature_hits = "other", []
    for label, terms in PROBLEM_NATURES.items():  # ordered: urgent natures first
        if hits := [t for t in terms if t in lowered]:
            nature, nature_hits = label, hits
            break
    emergency = nature in EMERGENCY_NATURES
    if nature in LEVEL_I_NATURES or any(w in lowered for w in WIDE_IMPACT):
        level = Level.I
    elif nature in LEVEL_II_NATURES:
        level = Level.II
    else:
        level = Level.III
    matched = [f"business:{t}" for t in business_hits] + [f"nature:{t}" for t in nature_hits]
    # A regulator's referral, or a customer complaining again, is more urgent than its text alone.
    if channel == Channel.REGULATOR:
        level = level.more_urgent()
        matched.append("channel:regulator")
    if recent_count >= 2:
        level = level.more_urgent()
        matched.append(f"repeat:{recent_count} recent")
    if emergency and business == "other":
        business = "debit_account"
    department = NATURE_DEPARTMENTS.get(nature, DEPARTMENTS[business])
    confidence = 0.5 + 0.2 * bool(business_hits) + 0.3 * bool(nature_hits)
    return Classification(business_type=business, problem_nature=nature, level=level, emergency=emergency,
                          department=department, confidence=round(confidence, 2), method=VERSION, matched=matched)
