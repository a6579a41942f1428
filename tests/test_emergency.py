"""Emergency detection: the learned detector beside the rules (the rules a floor it can only add to), the
rules' guard on settled and asking clauses, the record of why, and the configuration switch. The figures
on unseen complaints are bench/emergency.py's; these tests pin the rules that make them."""
import joblib
import pytest

from classifier import classifier_from
from classifier.emergency import (
    MAX_FALSE_ALARMS,
    EmergencyDetector,
    WithLearnedEmergency,
    fingerprint,
    out_of_fold,
    read_cases,
    shipped,
    threshold_for,
)
from classifier.rules import RulesClassifier


class Silent:
    """A detector that never says emergency (threshold above any probability): shows the rules' floor."""

    def __init__(self, real: EmergencyDetector):
        self.real, self.threshold, self.version = real, 1.01, real.version
        self.pipeline = real.pipeline

    def explain(self, text: str, top: int = 4):
        return self.real.explain(text, top)


@pytest.mark.parametrize("text, emergency", [
    # the loss is over and dealt with, or only asked about: not an emergency by the rules
    ("上个月信用卡被盗刷的钱已经退回来了，但是这期账单的利息算得不对", False),
    ("the fraud last month was refunded, but the interest on my statement is wrong", False),
    ("my stolen card was replaced months ago, now I want to complain about the fee", False),
    ("我想咨询一下如果卡丢了应该怎么挂失", False),
    ("how would I report a lost card if it ever happens", False),
    ("I worry about scams and want to know how you protect me", False),
    ("我自己在国外刷卡，你们却说是防止盗刷把卡冻结了", False),
    # the customer already took the emergency step, or it was undone
    ("昨天ATM吞了我的卡，我当场就打电话挂失了，现在想问去哪个网点领回来", False),
    ("上周申请的止付已经止付成功了，想问手续费为什么这么高", False),
    ("卡找到了，能不能帮我解除挂失", False),
    ("I keep getting scam texts pretending to be you and want to report them", False),
    ("前年被电信诈骗以后我就把网银关了，现在想重新开通", False),
    ("在外地加油刷卡被风控拦截，打了半天电话才解开", False),  # the bank's own check, not the customer's loss
    ("The fraud team keeps calling to check purchases I make online", False),
    ("卡丢了，已经挂失了，补卡为什么要收费", True),  # the loss itself is still in its own clause
    # the same words in a live clause still are, even beside a settled one
    ("上个月的盗刷已经退回了，但是今天卡又被盗刷了", True),
    ("my card was refunded once before. now my card was stolen again", True),
    ("我的信用卡被盗刷了三笔", True),
    ("卡丢了咋整", True),
    ("I lost my card, please block it", True),
])
def test_the_rules_guard_settled_and_asking_clauses(text, emergency):
    c = RulesClassifier().classify(text)
    assert c.emergency is emergency
    if not emergency:
        assert any(m.startswith("guarded:") for m in c.matched), c.matched


def test_the_guard_matches_english_words_whole():
    # "once" is a settled word; "concerned" must not count as it
    assert RulesClassifier().classify("I am concerned: my card was stolen on the bus").emergency


def test_the_learned_detector_adds_an_emergency_the_rules_miss_and_says_why():
    text = "我的信用卡一直在我钱包里，今天却收到短信说在国外消费了4200元"
    assert not RulesClassifier().classify(text).emergency  # no keyword of the rules
    both = WithLearnedEmergency(RulesClassifier())
    c = both.classify(text)
    assert c.emergency and c.problem_nature == "fraud" and c.department == "credit-card-centre"
    assert c.method == f"rules@6+{shipped().version}"
    said = [m for m in c.matched if m.startswith("emergency-model:")]
    assert said and float(said[0].split(":")[1].split()[0]) >= shipped().threshold
    assert any(m.startswith("emergency-feature:concept:") for m in c.matched)


def test_an_added_emergency_with_no_business_type_is_the_account_s():
    text = "我妈接到电话说我出车祸需要手术费，她给对方转了五万块"
    assert RulesClassifier().classify(text).business_type == "other"
    c = WithLearnedEmergency(RulesClassifier()).classify(text)
    assert c.emergency and c.business_type == "debit_account" and c.department == "operations"


def test_the_rules_are_a_floor_the_model_cannot_lower():
    silent = WithLearnedEmergency(RulesClassifier(), Silent(shipped()))  # type: ignore[arg-type]
    c = silent.classify("我的信用卡被盗刷了三笔")
    assert c.emergency and c.problem_nature == "fraud"
    assert c.method.endswith(shipped().version) and any(m.startswith("emergency-model:") for m in c.matched)
    routine = silent.classify("年费乱收费")
    assert not routine.emergency and routine.problem_nature == "fees_charges"


@pytest.mark.parametrize("text, nature", [
    ("钱包在地铁上找不着了，卡都在里面", "lost_card"),
    ("I left my wallet on the bus and cannot find it anywhere", "lost_card"),
    ("钱包丢了，卡里的钱被转走了", "fraud"),
    ("a man said he was police and I sent my savings to a safe account", "fraud"),
    ("my phone has no signal and my account was emptied", "fraud"),
])
def test_an_added_emergency_gets_the_nature_it_speaks_of(text, nature):
    assert WithLearnedEmergency(RulesClassifier()).nature_of(text) == nature


def test_a_routine_complaint_stays_routine_and_keeps_its_own_nature():
    c = WithLearnedEmergency(RulesClassifier()).classify("手机银行总是闪退，没法查余额")
    assert not c.emergency and c.problem_nature == "system_failure"


def test_the_threshold_is_chosen_out_of_fold_within_its_false_alarm_budget():
    rows = read_cases()
    texts, labels = [r["text"].lower() for r in rows], [int(r["emergency"]) for r in rows]
    groups = [r["template"] for r in rows]
    oof = out_of_fold(texts, labels, groups)
    strict, shipped_budget, loose = (threshold_for(oof, labels, m) for m in (0.02, MAX_FALSE_ALARMS, 0.2))
    assert 0 < loose < shipped_budget < strict < 1  # a smaller false-alarm budget needs a higher threshold
    routine = oof[[y == 0 for y in labels]]
    assert (routine >= shipped_budget).mean() <= MAX_FALSE_ALARMS  # within the budget, out of fold
    assert shipped().threshold == pytest.approx(shipped_budget, abs=1e-9)


def test_the_explanation_is_the_probability():
    d = shipped()
    for text in ("手机突然没信号，然后账户里的钱就没了", "转账到账太慢了"):
        p, features = d.explain(text)
        assert p == pytest.approx(d.probability(text), abs=1e-9)
        assert len(features) <= 4
    assert d.says("手机突然没信号，然后账户里的钱就没了") and not d.says("转账到账太慢了")


def test_the_configuration_picks_the_detector():
    assert isinstance(classifier_from("rules", emergency="learned"), WithLearnedEmergency)
    assert isinstance(classifier_from("rules", emergency="rules"), RulesClassifier)
    with pytest.raises(ValueError, match="unknown emergency detector"):
        classifier_from("rules", emergency="magic")
    both = classifier_from("rules")
    assert both.labels() == RulesClassifier().labels()  # corrections check the same taxonomy


async def test_the_analyse_stage_uses_the_detector_and_keeps_why_on_the_complaint(client, workers):
    """Through a real worker: a complaint in the customer's own words (no keyword of the rules) starts the
    emergency clocks and the dual review, and its classification says which detector decided and why."""
    from api import service
    from tests.helpers import submit

    text = "手机突然显示无服务，去营业厅才知道号码被人补卡了，银行卡里的钱也被转走了"
    assert not RulesClassifier().classify(text).emergency
    cid = await submit(client, workers["calm"], text)
    s = await service.state(client, cid)
    assert s.emergency and s.classification.emergency and s.classification.problem_nature == "fraud"
    assert {c.name for c in s.clocks} >= {"first_response", "first_disposal"}
    assert s.classification.method.endswith(shipped().version)
    assert any(m.startswith("emergency-model:") for m in s.classification.matched)
    assert any(m.startswith("emergency-feature:") for m in s.classification.matched)


def test_an_added_emergency_names_the_nearest_training_family():
    c = WithLearnedEmergency(RulesClassifier()).classify("手机突然没信号，补卡后发现银行卡里的钱被转走了")
    nearest = [m for m in c.matched if m.startswith("emergency-nearest:")]
    assert c.emergency and len(nearest) == 1
    family, similarity = nearest[0].removeprefix("emergency-nearest:").split()
    assert family == "sim_swap" and 0.5 < float(similarity) <= 1.0
    assert shipped().nearest("my phone lost signal and then my account was emptied")[0] == "sim_swap"


@pytest.mark.parametrize("family, pattern", [("sim_zh", "sim_swap"), ("sim_en", "sim_swap"), ("sim_swap", "sim_swap"),
                                             ("police_en", "fake_police"), ("lost_zh", "lost"), ("taskscam_zh", "task_scam")])
def test_a_family_is_named_as_its_pattern_whatever_its_language(family, pattern):
    from classifier.emergency import family_name

    assert family_name(family) == pattern


def test_the_meaning_is_one_feature_of_the_explanation_and_pulls_its_weight():
    d = shipped()
    text = "a man said he was from your bank and I moved my savings to the account he gave me"
    _, features = d.explain(text)
    assert not any(f.startswith("meaning:") for f in features)  # its 512 dimensions are summed into one
    union = d.pipeline.steps[0][1]  # type: ignore[attr-defined]
    assert "meaning" in dict(union.transformer_list)
    assert "meaning" in d.explain(text, top=50)[1]  # it pushed this paraphrase towards an emergency


def test_embeddings_are_kept_only_while_training():
    from classifier import embedding

    with embedding.remembered():
        first = embedding.embed(["卡丢了"])
        with embedding.remembered():  # nested: the same memory
            assert (embedding.embed(["卡丢了"]) == first).all() and embedding.kept() == 1
        assert embedding.kept() == 1
    assert embedding.kept() == 0  # a worker keeps no complaint's text after classifying it
    embedding.embed(["another complaint"])
    WithLearnedEmergency(RulesClassifier()).classify("手机突然没信号，然后账户里的钱就没了")
    assert embedding.kept() == 0


def test_embedding_takes_hostile_text_in_bounded_time():
    from classifier import embedding

    vectors = embedding.embed(["", "   ", "\x00\x07\u202e控制字符", "钱包丢了" * 100_000])
    assert vectors.shape == (4, embedding.DIMENSIONS) and not vectors[:2].any()
    assert (embedding.embed(["钱包丢了" * 100_000]) == embedding.embed([("钱包丢了" * 100_000)[:embedding.MAX_CHARS]])).all()
    assert abs(float((vectors[2] ** 2).sum()) - 1.0) < 1e-3  # control characters still give a unit vector


def test_the_detector_reads_the_start_of_a_long_complaint_and_the_rules_all_of_it():
    from classifier.emergency import READS

    d, start = shipped(), "手机突然没信号，然后账户里的钱就没了。"
    filler = "我想再说一下之前网点排队的事情。" * 200
    assert d.probability(start + filler) == pytest.approx(d.probability((start + filler)[:READS]), abs=1e-9)
    late = WithLearnedEmergency(RulesClassifier()).classify(filler + "我的信用卡被盗刷了三笔")
    assert late.emergency and late.problem_nature == "fraud"  # the floor still sees the end


def test_the_trained_detector_is_kept_and_never_trusted_when_torn(tmp_path):
    """Training takes seconds, so a worker keeps the detector in its data folder, under the fingerprint of
    what it is made of; a torn or foreign file there is trained over."""
    d = shipped()
    kept = tmp_path / f"emergency-{fingerprint()}.joblib"
    joblib.dump(d, kept)
    loaded = shipped(tmp_path)
    text = "my phone lost signal and then my account was emptied"
    assert loaded is not d and loaded.threshold == d.threshold and loaded.version == d.version
    assert loaded.probability(text) == pytest.approx(d.probability(text), abs=1e-9)
    assert loaded.nearest(text) == d.nearest(text)

    kept.write_bytes(b"not a model")  # torn, or written by something else
    assert shipped(tmp_path) is d  # trained (here: the process's own), not read from the torn file
    assert isinstance(joblib.load(kept), EmergencyDetector)  # written whole again
    assert [p.name for p in tmp_path.iterdir()] == [kept.name]  # no partial file left behind
    first_start = tmp_path / "fresh"
    assert shipped(first_start) is d and [p.name for p in first_start.iterdir()] == [kept.name]


def test_the_fingerprint_follows_what_the_detector_is_made_of(tmp_path, monkeypatch):
    import classifier.emergency as emergency

    before = fingerprint()
    cases = tmp_path / "cases.csv"
    cases.write_bytes(emergency.DATA.read_bytes() + "我的卡被人偷了,1,extra,lost_zh\n".encode())
    monkeypatch.setattr(emergency, "DATA", cases)
    assert fingerprint() != before
    monkeypatch.undo()
    concepts = tmp_path / "concepts.toml"
    concepts.write_text(emergency.CONCEPTS.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    monkeypatch.setattr(emergency, "CONCEPTS", concepts)
    assert fingerprint() != before
