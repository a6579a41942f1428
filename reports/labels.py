"""Bilingual labels for report axes and the cells a supervisor must not miss."""

BUSINESS_TYPES = {
    "credit_card": "信用卡", "loans": "贷款", "wealth_management": "理财", "digital_banking": "电子银行",
    "debit_account": "借记账户", "payments": "支付结算", "other": "其他",
}
PROBLEM_NATURES = {
    "lost_card": "挂失", "fraud": "欺诈", "unauthorised_transaction": "未授权交易", "stop_payment": "止付",
    "system_failure": "系统故障", "privacy": "隐私", "account_frozen": "账户冻结", "fees_charges": "收费",
    "mis_selling": "误导销售", "debt_collection": "催收", "credit_reporting": "征信",
    "process_cumbersome": "流程繁琐", "service_attitude": "服务态度", "other": "其他",
}
TIERS = {"standard": "普通客户", "vip": "VIP客户", "private": "私行客户"}
CHANNELS = {"branch": "网点", "hotline": "热线", "app": "手机银行", "wechat": "微信", "letter": "信函",
            "email": "邮件", "regulator": "监管转办", "reception_day": "行长接待日"}
# Cells that are called out whatever their count: a single one is one too many.
HIGH_RISK_NATURES = {"fraud", "system_failure", "privacy", "unauthorised_transaction"}


def label(table: dict[str, str], key: str) -> str:
    return f"{table.get(key, key)}\n{key}"
