"""A month of complaints as a bank receives them, with outages hidden in it: what the incident detector is
measured on (bench/incident_detector.py). Written before the detector, so nothing here was tuned to it.

Background: a daily and weekly rhythm (quiet nights, a morning and an afternoon peak, calmer weekends), six
business types in Chinese phrasings and English complaints from the shipped CFPB rows, and the everyday
noise an outage detector must not mistake for one: single customers whose transfer was slow or whose app
would not open. Outages: a service fails (transfers, app sign-in, card payments, ATMs, SMS codes, online
banking), complaints rise over minutes and fade over hours, in Chinese and English, each customer in their
own words: a subject, a symptom, what it cost them and how they feel, drawn apart."""
import argparse
import csv
import json
import math
import random
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
CFPB = Path(__file__).parent.parent / "classifier" / "data" / "business_types.csv"
# Share of a day's complaints in each local hour (sums to 1 over 24 h): night quiet, peaks 10-11 and 14-16.
HOURLY = [0.004, 0.003, 0.002, 0.002, 0.002, 0.004, 0.012, 0.030, 0.055, 0.075, 0.085, 0.080,
          0.060, 0.065, 0.080, 0.082, 0.075, 0.062, 0.055, 0.048, 0.042, 0.032, 0.022, 0.013]
WEEKDAY = [1.0, 1.0, 0.95, 0.95, 1.05, 0.6, 0.55]  # Monday first
CHANNELS = {"app": 0.38, "hotline": 0.25, "wechat": 0.15, "branch": 0.1, "email": 0.07, "letter": 0.05}
OUTAGE_CHANNELS = {"app": 0.45, "hotline": 0.3, "wechat": 0.2, "email": 0.05}
TIERS = {"standard": 0.82, "vip": 0.15, "private": 0.03}

# Everyday Chinese complaints, by business type: a situation and what the customer wants.
BACKGROUND_ZH = {
    "credit_card": ["信用卡年费没说清楚就扣了", "信用卡账单上多了一笔分期手续费", "积分兑换的礼品一直没收到",
                    "信用卡额度突然被降了", "信用卡还款后还是显示逾期", "办卡时说免年费，现在却收费"],
    "loans": ["房贷利率调整后月供没变", "提前还款被收了违约金", "贷款审批拖了一个多月", "车贷合同里的费用没解释",
              "经营贷放款时间一再推迟"],
    "wealth_management": ["买的理财产品亏了，当时说是保本", "基金赎回到账太慢", "理财经理推荐的保险和说的不一样",
                          "理财收益比宣传的低很多"],
    "debit_account": ["借记卡被冻结了，不知道原因", "柜台取款排队两个小时", "账户管理费怎么收的", "存款证明开了三天还没好",
                      "销户手续太麻烦，来回跑了三次"],
    "payments": ["跨行汇款手续费比说的高", "工资代发晚到了一天", "自动扣款扣了两次", "境外汇款一直没到账"],
    "service": ["网点工作人员态度很差", "客服电话一直打不通", "大堂经理不耐烦", "投诉之后没人回电话"],
}
WANTS_ZH = ["，请尽快处理。", "，希望给个说法。", "，要求退还费用。", "，请给我解释清楚。", "。", "，太失望了。"]
# Single customers whose trouble sounds like an outage but is not one: the detector's everyday false alarm.
LOOKALIKE_ZH = ["昨天转账晚到了几个小时", "手机银行今天早上登录了好几次才进去", "ATM 吞卡了", "验证码短信来得很慢",
                "网银页面有时候打不开", "刷卡时提示交易失败，换了张卡就好了"]
LOOKALIKE_EN = ["my transfer yesterday arrived hours late", "the app logged me out twice this morning",
                "the ATM kept my card", "the verification text came very late"]

# Outages: per service, the parts a customer's complaint is made of, in each language.
SERVICES = {
    "transfer": {
        "zh": {"subject": ["转账", "手机银行转账", "跨行转账", "给家里转钱", "付房租转账"],
               "symptom": ["一直失败", "提示系统繁忙", "转不出去", "扣了钱对方没收到", "卡在处理中", "报错了好几次"],
               "cost": ["急着用钱", "房东在催", "货款付不出去", "工资发不了", ""],
               "feel": ["怎么回事？", "太耽误事了！", "请马上解决！", "到底什么时候能好？", "。"]},
        "en": {"subject": ["my transfer", "sending money", "a bank transfer to my landlord", "the payment to my supplier"],
               "symptom": ["keeps failing", "says system busy", "won't go through", "left my account but never arrived",
                           "is stuck pending"],
               "cost": ["and rent is due today", "and I need the money now", "and my supplier is waiting", ""],
               "feel": ["what is going on?", "this is unacceptable.", "please fix it now.", "."]}},
    "app_login": {
        "zh": {"subject": ["手机银行", "APP", "手机银行客户端", "银行APP"],
               "symptom": ["打不开", "登录不了", "一直闪退", "提示网络异常", "登录后白屏", "输完密码就卡住"],
               "cost": ["查不了余额", "还不了信用卡", "理财赎回不了", ""],
               "feel": ["怎么回事？", "急死了！", "请尽快修复。", "好几个小时了！", "。"]},
        "en": {"subject": ["the app", "your mobile banking app", "the banking app"],
               "symptom": ["won't open", "won't let me log in", "keeps crashing", "shows a network error",
                           "freezes after the password"],
               "cost": ["and I can't check my balance", "and I can't pay my card", ""],
               "feel": ["fix it please.", "this has been hours!", "what is happening?", "."]}},
    "card_payment": {
        "zh": {"subject": ["刷卡", "在超市刷卡", "用信用卡付款", "POS机刷卡", "扫码付款"],
               "symptom": ["被拒了", "一直显示交易失败", "付不了", "提示发卡行无响应", "扣款失败"],
               "cost": ["在收银台很尴尬", "东西都买不了", "加油付不了钱", ""],
               "feel": ["卡明明没问题！", "到底怎么了？", "请给个解释。", "。"]},
        "en": {"subject": ["my card", "paying with my debit card", "my credit card at the store"],
               "symptom": ["was declined", "keeps getting declined", "says issuer not responding", "fails every time"],
               "cost": ["at the checkout", "and I couldn't buy groceries", "at the gas station", ""],
               "feel": ["there is money on it!", "so embarrassing.", "what is wrong?", "."]}},
    "atm": {
        "zh": {"subject": ["ATM", "取款机", "自助取款机", "网点的ATM"],
               "symptom": ["取不了钱", "显示暂停服务", "扣了钱没出钞", "一直提示系统故障"],
               "cost": ["急着用现金", "跑了好几个网点", ""],
               "feel": ["怎么都这样？", "请尽快处理！", "。"]},
        "en": {"subject": ["the ATM", "your cash machines", "every ATM I tried"],
               "symptom": ["won't give cash", "says out of service", "took the money but gave no cash"],
               "cost": ["and I need cash", ""], "feel": ["fix this.", "ridiculous.", "."]}},
    "sms_code": {
        "zh": {"subject": ["验证码", "短信验证码", "动态密码"],
               "symptom": ["收不到", "一直不来", "发了十几次都没收到", "过期了才收到"],
               "cost": ["付不了款", "登录不了", "转账做不了", ""],
               "feel": ["怎么回事？", "请马上处理。", "。"]},
        "en": {"subject": ["the verification code", "the SMS code", "the one-time password"],
               "symptom": ["never arrives", "doesn't come", "came after it expired"],
               "cost": ["so I can't pay", "so I can't log in", ""], "feel": ["please fix.", "!", "."]}},
    "online_banking": {
        "zh": {"subject": ["网上银行", "网银", "企业网银", "个人网银"],
               "symptom": ["登不上", "页面打不开", "一直报错", "提交后没反应"],
               "cost": ["工资发不出去", "付款做不了", ""], "feel": ["急！", "请尽快修复。", "。"]},
        "en": {"subject": ["online banking", "the website", "internet banking"],
               "symptom": ["is down", "won't load", "keeps erroring", "won't accept my login"],
               "cost": ["and payroll is due", ""], "feel": ["fix it.", "!", "."]}},
}


# Written after the detector was tuned, for the fresh month only (`--fresh`): more ways to say each outage,
# and two services the tuning month never had. The held-out figure is measured on these.
FRESH = {
    "transfer": {
        "zh": {"subject": ["网银转账", "大额转账", "转给朋友的钱"], "symptom": ["显示交易异常", "退回来了", "半天没到账"],
               "cost": ["客户等着收款", ""], "feel": ["你们系统是不是出问题了？", "搞什么！"]},
        "en": {"subject": ["an urgent wire", "my payment to a friend"], "symptom": ["bounced back", "shows an error"],
               "cost": ["and my deposit is due", ""], "feel": ["is your system down?", "seriously?"]}},
    "app_login": {
        "zh": {"subject": ["掌上银行", "手机银行app"], "symptom": ["人脸识别一直失败", "更新后进不去了", "一直转圈"],
               "cost": ["什么都办不了", ""], "feel": ["是不是系统崩了？", "赶紧修！"]},
        "en": {"subject": ["mobile banking"], "symptom": ["is stuck loading", "rejects my face ID"], "cost": [""],
               "feel": ["is it down?", "!"]}},
    "wealth_purchase": {
        "zh": {"subject": ["基金申购", "理财产品购买", "买理财"], "symptom": ["一直提交失败", "提示系统维护", "钱扣了份额没有"],
               "cost": ["错过了今天的净值", "收益损失谁负责", ""], "feel": ["请尽快处理！", "太离谱了。", "。"]},
        "en": {"subject": ["buying the fund", "the wealth product order"], "symptom": ["keeps failing", "took my money but no units"],
               "cost": ["and I missed today's price", ""], "feel": ["who pays for this?", "."]}},
    "card_repayment": {
        "zh": {"subject": ["信用卡还款", "自动还款", "还信用卡"], "symptom": ["失败了", "扣款不成功", "一直显示处理中"],
               "cost": ["怕影响征信", "今天是最后还款日", ""], "feel": ["会不会算我逾期？", "请马上处理。", "。"]},
        "en": {"subject": ["my credit card payment", "the autopay on my card"], "symptom": ["failed", "didn't go through"],
               "cost": ["and today is the due date", ""], "feel": ["will I be charged late fees?", "."]}},
}


# Held out (`--held`): written, with the months that use them, before the detector's longer window and its
# cross-language bond were tried, and never tuned on: yet more ways to say each outage, and two services
# neither earlier month had.
HELD = {
    "transfer": {
        "zh": {"subject": ["手机转账", "同行转账", "还朋友的钱"], "symptom": ["点了确认没反应", "提示交易超时", "钱被退回了"],
               "cost": ["押金今天必须交", "对方以为我赖账", ""], "feel": ["你们到底在干什么？", "赶紧给个答复。", "。"]},
        "en": {"subject": ["my money transfer", "the transfer to my son"], "symptom": ["timed out", "is just spinning"],
               "cost": ["and my bills are due", ""], "feel": ["sort this out.", "why is nobody telling us?"]}},
    "app_login": {
        "zh": {"subject": ["手机银行软件", "新版APP"], "symptom": ["一打开就退出", "显示服务器错误", "验证完又回到登录页"],
               "cost": ["工资到没到都看不到", ""], "feel": ["什么时候能恢复？", "太差劲了。"]},
        "en": {"subject": ["the banking app", "your iPhone app"], "symptom": ["kicks me out at once", "says server error"],
               "cost": ["and I can't see if my pay came in", ""], "feel": ["when will it be back?", "."]}},
    "card_payment": {
        "zh": {"subject": ["网上购物付款", "用借记卡消费"], "symptom": ["支付不成功", "显示银行系统异常"],
               "cost": ["订单被取消了", "在饭店结不了账", ""], "feel": ["丢死人了！", "请查一下。"]},
        "en": {"subject": ["online checkout with my card", "tapping my card"], "symptom": ["gets rejected", "errors out"],
               "cost": ["and my order was cancelled", ""], "feel": ["fix your system.", "."]}},
    "atm": {
        "zh": {"subject": ["存取款一体机", "楼下的取款机"], "symptom": ["屏幕黑了", "吞了卡不吐"], "cost": ["卡也拿不回来", ""],
               "feel": ["网点说不知道！", "。"]},
        "en": {"subject": ["the cash machine at my branch"], "symptom": ["is dead", "swallowed my card"], "cost": [""],
               "feel": ["nobody at the branch knows why.", "."]}},
    "sms_code": {
        "zh": {"subject": ["手机动态码", "登录验证短信"], "symptom": ["始终没有发过来", "点了重发还是没有"], "cost": ["什么业务都办不了", ""],
               "feel": ["是不是你们短信平台坏了？", "。"]},
        "en": {"subject": ["the text message code"], "symptom": ["is not being sent", "never shows up"], "cost": [""],
               "feel": ["is your SMS system broken?", "."]}},
    "online_banking": {
        "zh": {"subject": ["电脑上的网银", "网银U盾登录"], "symptom": ["证书校验失败", "一直提示维护中"], "cost": ["对公付款全卡住了", ""],
               "feel": ["损失谁承担？", "。"]},
        "en": {"subject": ["the online banking site"], "symptom": ["times out at login", "shows maintenance all day"],
               "cost": ["and invoices are due", ""], "feel": ["unacceptable.", "."]}},
    "payroll": {
        "zh": {"subject": ["代发工资", "这个月的工资", "公司发的工资"], "symptom": ["到现在还没到账", "显示入账失败", "只到了一半"],
               "cost": ["房贷要扣款了", "员工都在问", ""], "feel": ["请马上查！", "怎么回事？", "。"]},
        "en": {"subject": ["my salary", "this month's payroll deposit"], "symptom": ["has not arrived", "shows as failed"],
               "cost": ["and my mortgage payment is due", ""], "feel": ["where is my money?", "."]}},
    "balance_display": {
        "zh": {"subject": ["账户余额", "卡里的钱", "活期余额"], "symptom": ["显示为零", "突然少了一大截", "显示不对"],
               "cost": ["吓死我了", "以为被盗刷了", ""], "feel": ["请马上核实！", "太吓人了。", "。"]},
        "en": {"subject": ["my balance", "my checking account"], "symptom": ["shows zero", "is showing the wrong amount"],
               "cost": ["and I panicked", ""], "feel": ["was I hacked?", "explain this now.", "."]}},
}


# Held out (`--fourth`): written, with the months that use them, before the new-story rule and the everyday
# check were tried, and never tuned on: new ways to say each outage, and two services no earlier month had
# (a QR-code payment that fails; card payments taken twice, which sits next to the everyday 「自动扣款扣了两次」).
FOURTH = {
    "transfer": {"zh": {"subject": ["网上转账", "转给客户的款"], "symptom": ["一直显示失败", "提交后没有结果"],
                        "cost": ["合同要违约了", ""], "feel": ["给个说法！", "。"]},
                 "en": {"subject": ["my wire"], "symptom": ["was rejected for no reason"], "cost": [""], "feel": ["."]}},
    "app_login": {"zh": {"subject": ["银行APP"], "symptom": ["登不上去", "转圈进不去"], "cost": ["还款日就是今天", ""],
                         "feel": ["急死了！", "。"]},
                  "en": {"subject": ["the mobile app"], "symptom": ["won't let me sign in"], "cost": [""], "feel": ["."]}},
    "card_payment": {"zh": {"subject": ["超市刷卡"], "symptom": ["提示发卡行故障"], "cost": ["东西都退回去了", ""],
                            "feel": ["太尴尬了。", "。"]},
                     "en": {"subject": ["my card at the store"], "symptom": ["was declined three times"], "cost": [""],
                            "feel": ["embarrassing."]}},
    "atm": {"zh": {"subject": ["自助柜员机"], "symptom": ["取不出钱还扣了款"], "cost": [""], "feel": ["。", "请查账！"]},
            "en": {"subject": ["the ATM"], "symptom": ["took the money from my account but gave no cash"], "cost": [""],
                   "feel": ["."]}},
    "sms_code": {"zh": {"subject": ["验证码"], "symptom": ["收不到", "过了半小时才来"], "cost": ["付款付不了", ""], "feel": ["。"]},
                 "en": {"subject": ["the one-time passcode"], "symptom": ["never arrives"], "cost": [""], "feel": ["."]}},
    "qr_payment": {
        "zh": {"subject": ["扫码付款", "二维码收款", "扫码支付"], "symptom": ["一直失败", "提示银行通道异常", "付了钱商家没收到"],
               "cost": ["店里排着队", "生意做不了", ""], "feel": ["什么时候修好？", "。"]},
        "en": {"subject": ["paying by QR code", "QR payments at my shop"], "symptom": ["keep failing", "say bank channel error"],
               "cost": ["and customers are leaving", ""], "feel": ["fix it.", "."]}},
    "double_charge": {
        "zh": {"subject": ["今天的一笔消费", "昨晚的刷卡", "网购的订单"], "symptom": ["被扣了两次", "重复扣款", "扣了两遍钱"],
               "cost": ["余额都不够了", ""], "feel": ["请退回多扣的！", "怎么回事？", "。"]},
        "en": {"subject": ["my card purchase today", "a payment this morning"], "symptom": ["was charged twice"],
               "cost": ["and now I'm overdrawn", ""], "feel": ["refund it.", "."]}},
}


def _services(*extra: dict) -> dict:
    """The tuning month's phrasings, with later sets added to them (new services and new ways to say each)."""
    merged = {name: {lang: {k: list(v) for k, v in parts.items()} for lang, parts in langs.items()}
              for name, langs in SERVICES.items()}
    for more in extra:
        for name, langs in more.items():
            for lang, parts in langs.items():
                target = merged.setdefault(name, {}).setdefault(lang, {k: [] for k in parts})
                for k, v in parts.items():
                    target.setdefault(k, []).extend(v)
    return merged


@dataclass
class Complaint:
    at: str                 # ISO time, UTC
    channel: str
    tier: str
    language: str
    text: str
    outage: str | None      # the outage it belongs to, or None (background)
    service: str | None


@dataclass
class Outage:
    id: str
    service: str
    start: datetime
    size: int
    rise_minutes: float
    fade_minutes: float


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _cfpb_texts() -> list[str]:
    with CFPB.open(encoding="utf-8") as f:
        return [row["narrative"] for row in csv.DictReader(f) if row["narrative"].strip()]


def background(rng: random.Random, start: datetime, days: int, per_day: float) -> list[Complaint]:
    """Ordinary complaints, arriving at the month's rhythm (a Poisson process, hour by hour)."""
    english = _cfpb_texts()
    out: list[Complaint] = []
    for day in range(days):
        for hour in range(24):
            t0 = start + timedelta(days=day, hours=hour)
            mean = per_day * HOURLY[hour] * WEEKDAY[t0.weekday()]
            for _ in range(_poisson(rng, mean)):
                at = t0 + timedelta(seconds=rng.uniform(0, 3600))
                out.append(_ordinary(rng, at, english))
    return out


def _ordinary(rng: random.Random, at: datetime, english: list[str]) -> Complaint:
    roll = rng.random()
    if roll < 0.03:
        zh = rng.random() < 0.7
        text = rng.choice(LOOKALIKE_ZH) + rng.choice(WANTS_ZH) if zh else rng.choice(LOOKALIKE_EN) + "."
        language = "zh" if zh else "en"
    elif roll < 0.63:
        kind = rng.choice(list(BACKGROUND_ZH))
        text, language = rng.choice(BACKGROUND_ZH[kind]) + rng.choice(WANTS_ZH), "zh"
    else:
        text, language = rng.choice(english)[:1200], "en"
    return Complaint(at.astimezone(ZoneInfo("UTC")).isoformat(), _pick(rng, CHANNELS), _pick(rng, TIERS), language,
                     text, None, None)


def outages(rng: random.Random, start: datetime, days: int, count: int, services_of: dict | None = None
            ) -> list[Outage]:
    """`count` outages over the month, each of its own service, size and shape, mostly in working hours."""
    found = []
    services = list(services_of or SERVICES)
    rng.shuffle(services)
    for i in range(count):
        day = rng.randrange(days)
        hour = rng.choices(range(24), HOURLY)[0]
        begins = start + timedelta(days=day, hours=hour, minutes=rng.uniform(0, 60))
        size = int(round(math.exp(rng.uniform(math.log(12), math.log(250)))))  # 12 to 250, most of them small
        found.append(Outage(f"O{i + 1}", services[i % len(services)], begins, size,
                            rise_minutes=rng.uniform(5, 40), fade_minutes=rng.uniform(30, 240)))
    return found


def outage_complaints(rng: random.Random, o: Outage, english_share: float = 0.3, services_of: dict | None = None
                      ) -> list[Complaint]:
    """The outage's complaints: arrivals rise over `rise_minutes` and fade over `fade_minutes`."""
    out = []
    for _ in range(o.size):
        minutes = rng.uniform(0, o.rise_minutes) if rng.random() < 0.35 else \
            o.rise_minutes + rng.expovariate(1 / o.fade_minutes)
        at = o.start + timedelta(minutes=minutes)
        language = "en" if rng.random() < english_share else "zh"
        parts = (services_of or SERVICES)[o.service][language]
        words = [rng.choice(parts[k]) for k in ("subject", "symptom", "cost", "feel")]
        if language == "zh":
            text = f"{words[0]}{words[1]}，{words[2]}，{words[3]}" if words[2] else f"{words[0]}{words[1]}，{words[3]}"
            text = text.replace("，。", "。").replace("，，", "，")
        else:
            text = " ".join(w for w in words[:3] if w) + (" " + words[3] if words[3] not in ".!" else words[3])
            text = text[0].upper() + text[1:]
        out.append(Complaint(at.astimezone(ZoneInfo("UTC")).isoformat(), _pick(rng, OUTAGE_CHANNELS),
                             _pick(rng, TIERS), language, text, o.id, o.service))
    return out


def month(seed: int, first_day: str, days: int = 30, per_day: float = 140, outage_count: int = 6,
          fresh: bool = False, held: bool = False, fourth: bool = False) -> tuple[list[Complaint], list[Outage]]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test traffic, not a secret
    start = datetime.fromisoformat(first_day).replace(tzinfo=TZ)
    later = fresh or held or fourth
    services = _services(*([FRESH] if later else []), *([HELD] if held or fourth else []), *([FOURTH] if fourth else []))
    found = outages(rng, start, days, outage_count, services)
    complaints = background(rng, start, days, per_day)
    for o in found:
        complaints += outage_complaints(rng, o, services_of=services)
    complaints.sort(key=lambda c: c.at)
    return complaints, found


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


def write(path: Path, complaints: list[Complaint], found: list[Outage]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for o in found:
            f.write(json.dumps({"outage": {**asdict(o), "start": o.start.isoformat()}}, ensure_ascii=False) + "\n")
        for c in complaints:
            f.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")


def read(path: Path) -> tuple[list[Complaint], list[Outage]]:
    complaints, found = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if isinstance(row.get("outage"), dict):
            o = row["outage"]
            found.append(Outage(**{**o, "start": datetime.fromisoformat(o["start"])}))
        else:
            complaints.append(Complaint(**row))
    return complaints, found


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a month of complaints with outages in it (JSON lines).")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--first-day", default="2026-11-02")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=float, default=140)
    parser.add_argument("--outages", type=int, default=6)
    parser.add_argument("--fresh", action="store_true", help="the phrasings and services written after tuning")
    parser.add_argument("--held", action="store_true", help="and those written for the second held-out months")
    parser.add_argument("--fourth", action="store_true", help="and those held out for the new-story months")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    complaints, found = month(args.seed, args.first_day, args.days, args.per_day, args.outages, args.fresh,
                              args.held, args.fourth)
    write(args.out, complaints, found)
    print(f"{len(complaints)} complaints, {len(found)} outages "
          f"({sum(o.size for o in found)} of their complaints) -> {args.out}")


if __name__ == "__main__":
    main()
