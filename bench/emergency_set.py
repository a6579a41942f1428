"""Writes classifier/data/emergency_cases.csv: the labelled set the learned emergency detector trains and is
measured on. Emergencies are the patterns of retail-banking loss and fraud, each said several ways in Chinese
and English; the negatives are routine complaints, many of them mentioning a past fraud, a replaced card, a
fee or a delay (hard negatives). Every template is a `family`; the benchmark holds out whole templates, so a
figure is measured on phrasings the detector never saw.

    .venv/bin/python bench/emergency_set.py        # rewrites the CSV (seeded: the same file every time)"""
import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "classifier" / "data" / "emergency_cases.csv"
SLOTS = {
    "card": ["银行卡", "信用卡", "借记卡", "储蓄卡", "工资卡"], "ecard": ["card", "credit card", "debit card", "bank card"],
    "place": ["地铁上", "商场里", "出租车上", "饭店里", "火车站"], "eplace": ["on the metro", "at the mall", "in a taxi",
                                                                "at the train station"],
    "amt": ["3000元", "两万块", "8888元", "五万元", "一万二"], "eamt": ["$2,000", "£500", "3,000 dollars", "$12,400"],
    "when": ["昨晚", "今天早上", "刚才", "半小时前", "上周五"], "ewhen": ["last night", "this morning", "just now",
                                                               "an hour ago"],
    "who": ["我妈", "我爸", "我奶奶", "我爷爷"], "ewho": ["my mother", "my father", "my grandmother", "my grandfather"],
}
EMERGENCY = {
    "lost_zh": ["{when}在{place}把钱包弄丢了，里面有{card}", "{card}找不着了，翻遍了家里也没有", "钱包在{place}不见了，卡都在里面，怎么办",
                "我的{card}不知道掉哪了，请赶紧帮我停用", "手机和{card}一起被偷了"],
    "lost_en": ["I can't find my {ecard} anywhere, I think I dropped it {eplace}", "my wallet was taken {eplace} with all my cards",
                "lost my purse {ewhen}, please block my {ecard}", "someone pickpocketed me {eplace}, my {ecard} was in my bag"],
    "abroad_zh": ["{card}明明在我手上，却收到一笔境外消费{amt}", "卡一直在身边，突然显示在国外刷了{amt}", "我人在国内，卡在国外被消费了"],
    "abroad_en": ["my {ecard} is in my hand but there is a charge of {eamt} overseas", "I got an alert for {eamt} spent abroad, I have never been there"],
    "skim_zh": ["在ATM取完钱后卡被复制了，连着被取走{amt}", "那台取款机好像装了东西，之后我的卡被刷了{amt}"],
    "skim_en": ["after using that ATM my {ecard} was cloned and {eamt} withdrawn", "the card reader looked tampered and now {eamt} is gone"],
    "cnp_zh": ["收到短信说网购扣了{amt}，我根本没买过", "有人用我的卡号在网上消费了好几笔"],
    "cnp_en": ["there are online purchases of {eamt} I never made", "someone is using my {ecard} number for online shopping"],
    "sim_zh": ["{when}手机突然没信号，然后账户里的{amt}就没了", "手机卡被人补办了，紧接着钱被转走了{amt}"],
    "sim_en": ["my phone lost signal {ewhen} and then my account was emptied", "someone swapped my SIM and moved {eamt} out"],
    "phish_zh": ["点了一个短信里的链接，随后被扣了{amt}", "在一个假的银行网站填了信息，现在卡被刷了"],
    "phish_en": ["I clicked a link in a text that looked like the bank and then {eamt} was charged", "entered my details on a fake bank site and money is gone"],
    "otp_zh": ["有人冒充客服让我报了验证码，然后钱就没了", "我把短信验证码告诉了对方，账户被转走{amt}"],
    "otp_en": ["a caller asked for the code sent to my phone and then {eamt} left my account", "I read out the one-time code to a man and my money was moved"],
    "police_zh": ["自称公安的人说我涉嫌洗钱，让我把钱转到安全账户", "对方说是警察，要求我配合调查转账{amt}", "接到检察院电话，让我把存款转到指定账户"],
    "police_en": ["a man saying he was police told me to move my savings to a safe account", "someone claiming to be an officer made me transfer {eamt} for an investigation"],
    "staff_zh": ["有人冒充银行工作人员说我的卡要升级，让我转账{amt}", "假客服说我的账户异常，引导我把钱转出去"],
    "staff_en": ["someone pretending to be from the bank said my account was at risk and I transferred {eamt}", "a fake bank employee told me to move money to protect it"],
    "invest_zh": ["网上认识的导师带我投资，转了{amt}后对方消失了", "所谓高回报理财平台提不了现，已经投了{amt}"],
    "invest_en": ["an investment app promised high returns, I sent {eamt} and now it won't let me withdraw", "a crypto mentor online took {eamt} and disappeared"],
    "romance_zh": ["网恋对象说急需用钱，我给他转了{amt}，现在联系不上", "交友软件上的人骗我转账{amt}"],
    "romance_en": ["a person I met on a dating app asked for {eamt} and vanished", "my online boyfriend said he was stuck abroad and I sent {eamt}"],
    "relative_zh": ["{who}接到电话说孙子出事了，转了{amt}", "{who}被人骗着把养老钱转给了陌生人"],
    "relative_en": ["{ewho} got a call that I was in trouble and sent {eamt} to a stranger", "{ewho} was tricked into transferring {eamt}"],
    "stranger_zh": ["账户里的钱被转到一个陌生账户，不是我操作的", "{when}发现有人把我卡里的{amt}转走了"],
    "stranger_en": ["money was moved from my account to someone I don't know", "{eamt} was transferred out {ewhen} and it wasn't me"],
    "swallow_zh": ["ATM把我的卡吞了，旁边有人说帮我，后来卡里的钱少了", "取款机吞卡了，卡口看着被动过手脚"],
    "swallow_en": ["the ATM swallowed my {ecard} and a stranger offered to help, now {eamt} is missing", "the cash machine kept my card and the slot looked tampered with"],
}
ROUTINE = {
    "past_fraud_zh": ["上个月被盗刷的钱已经退回来了，但是利息算得不对", "之前的诈骗案已经处理完了，现在想问积分为什么少了",
                      "去年卡被盗用的事早就解决了，这次是投诉年费"],
    "past_fraud_en": ["the fraud last month was refunded, but the interest on my account is wrong", "my stolen card was replaced months ago, now I want to complain about the fee"],
    "replaced_zh": ["换了新卡之后，自动扣款没有绑定成功", "补办的{card}收到了，但是激活很麻烦"],
    "replaced_en": ["I received my replacement {ecard} but activating it was a hassle", "after the card was renewed my direct debits failed"],
    "fee_zh": ["{card}年费乱收费，说好免年费的", "跨行转账手续费太高了", "莫名其妙多了一笔短信服务费{amt}"],
    "fee_en": ["I was charged an annual fee that was supposed to be waived", "the overdraft charge of {eamt} is unfair", "why is there a monthly maintenance fee on my account"],
    "delay_zh": ["贷款审批拖了一个多月还没结果", "转账到账太慢，等了三天", "新卡寄了两周还没收到"],
    "delay_en": ["my loan application has been pending for weeks", "a transfer took four days to arrive", "my new {ecard} still has not arrived after two weeks"],
    "service_zh": ["网点排队排了两个小时", "柜员态度很差，不耐烦", "客服电话一直打不通"],
    "service_en": ["I waited two hours at the branch", "the staff were rude to me", "I could not get through to customer service"],
    "app_zh": ["手机银行总是闪退", "APP更新后找不到转账入口", "网银登录要验证好多次，太繁琐"],
    "app_en": ["the mobile app keeps crashing", "after the update I cannot find the transfer button", "logging in to online banking takes too many steps"],
    "interest_zh": ["存款利率和宣传的不一样", "信用卡账单利息算错了", "提前还款还要收违约金"],
    "interest_en": ["the interest rate is lower than advertised", "my statement interest is calculated wrong", "I was charged a penalty for paying my loan early"],
    "mention_zh": ["我想咨询一下如果卡丢了应该怎么挂失", "请问防诈骗的讲座什么时候开", "我担心以后会被骗，想关掉境外支付功能"],
    "mention_en": ["how would I report a lost card if it ever happens", "I want to switch off overseas payments to be safe", "is there a guide on avoiding scams"],
    "past_fraud2_zh": ["{when}那笔被骗的{amt}银行已经追回，谢谢，但是短信通知太晚了", "{who}之前被骗过，现在想给他的卡设置转账限额",
                       "我{when}报过盗刷，已经退款，这次是问账单日能不能改", "被冒用的那张{card}注销了，新卡的额度比原来低"],
    "past_fraud2_en": ["the {eamt} scam was refunded {ewhen}, but the letter about it was confusing", "{ewho} was scammed once, how can I add a transfer limit to their account",
                       "my old {ecard} was closed after the fraud, the new one has a lower limit", "the refund for the unauthorised charge arrived, but the interest was not returned"],
    "fee2_zh": ["{when}扣了{amt}的年费，我没开通过这个服务", "{card}分期手续费比说的高", "转账{amt}收了我好几十的手续费"],
    "fee2_en": ["I was charged {eamt} in fees {ewhen} for a service I never asked for", "the instalment fee on my {ecard} is higher than promised", "a late fee was added even though I paid on time"],
    "delay2_zh": ["{when}申请的{card}到现在还没批下来", "{amt}的退款说三个工作日到账，一周了还没到", "挂失补办的{card}等了十天"],
    "delay2_en": ["the refund of {eamt} promised in three days has not arrived", "my replacement {ecard} took ten days to come", "my complaint from {ewhen} still has no answer"],
    "branch2_zh": ["{when}去网点办业务，来回跑了三趟", "在{place}附近的网点取号等了一个多小时", "{who}去柜台办事被推来推去"],
    "branch2_en": ["I visited the branch {ewhen} and was sent home for another form", "{ewho} was passed from one desk to another at the branch", "the branch near the station closed early {ewhen}"],
    "statement2_zh": ["{card}账单上有一笔{amt}是我的消费，但是金额记错了", "{when}的还款没有入账，显示逾期", "积分兑换的礼品一直没寄出"],
    "statement2_en": ["a purchase of {eamt} I made is on my statement twice", "my payment {ewhen} was not credited and now shows late", "the reward points from last month are missing"],
    "product2_zh": ["理财经理说保本，结果亏了{amt}", "买的保险和当初介绍的不一样", "基金赎回到账太慢"],
    "product2_en": ["the adviser said the fund was low risk and I lost {eamt}", "the insurance I bought is not what was explained", "redeeming my fund took far too long"],
    "limit_zh": ["{card}额度太低，申请提额被拒", "取款限额太低不方便", "账户被限制了非柜面交易，想解除"],
    "limit_en": ["my credit limit increase was refused", "the daily withdrawal limit is too low", "please explain why my card limit was reduced"],
}


def main() -> None:
    rng = random.Random(20261201)
    rows = []
    for label, table in ((1, EMERGENCY), (0, ROUTINE)):
        for family, templates in table.items():
            for i, template in enumerate(templates):
                seen = set()
                for _ in range(4):
                    text = template.format(**{k: rng.choice(v) for k, v in SLOTS.items()})
                    if text not in seen:
                        seen.add(text)
                        rows.append({"text": text, "emergency": label, "family": family, "template": f"{family}#{i}"})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["text", "emergency", "family", "template"])
        writer.writeheader()
        writer.writerows(rows)
    pos = sum(r["emergency"] for r in rows)
    print(f"wrote {len(rows)} cases ({pos} emergencies, {len(rows) - pos} routine) to {OUT}")


if __name__ == "__main__":
    main()
