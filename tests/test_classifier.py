"""The analyse stage's classifier: rules, the emergency detector, the trained model, corrections."""
import asyncio
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api import service
from classifier import classifier_from
from classifier.corrections import export_corrections
from classifier.emergency import fingerprint, shipped
from classifier.model import LinearVote, ModelClassifier, TrainedModel
from classifier.rules import RulesClassifier
from classifier.shipped import ROWS, shipped_model
from models import messages as m
from models.intake import workflow_id_for
from tests.actors import HANDLER, SUPERVISOR
from tests.conftest import eventually, rows
from tests.helpers import list_workflows, submit

CASES = Path(__file__).parent / "data" / "emergency_cases.csv"


def emergency_cases() -> list[dict]:
    with CASES.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_emergency_detector_misses_nothing_and_flags_no_routine_complaint():
    rules = RulesClassifier()
    cases = emergency_cases()
    positives = [c for c in cases if c["emergency"] == "1"]
    negatives = [c for c in cases if c["emergency"] == "0"]
    assert len(positives) >= 30 and len(negatives) >= 20
    missed = [c["text"] for c in positives if not rules.classify(c["text"]).emergency]
    flagged = [c["text"] for c in negatives if rules.classify(c["text"]).emergency]
    assert missed == [] and flagged == []


@pytest.mark.parametrize("text, business, nature, level, department", [
    ("我的银行卡昨天丢了，卡丢了咋整？", "debit_account", "lost_card", "III", "operations"),
    ("手机银行系统故障，所有客户都无法登录", "digital_banking", "system_failure", "I", "it"),
    ("信用卡年费乱收费，办理流程太繁琐", "credit_card", "fees_charges", "II", "credit-card-centre"),
    ("我的账户被冻结了，请尽快帮我解冻", "debit_account", "account_frozen", "III", "operations"),
    ("The mortgage lender charged a fee twice", "loans", "fees_charges", "II", "loans"),
])
def test_rules_classify_and_explain(text, business, nature, level, department):
    c = RulesClassifier().classify(text)
    assert (c.business_type, c.problem_nature, c.level.value, c.department) == (business, nature, level, department)
    assert c.method == "rules@6" and c.matched and 0 < c.confidence <= 1


def test_regulator_referrals_and_repeat_customers_are_more_urgent():
    rules = RulesClassifier()
    text = "我的账户被冻结了"
    assert rules.classify(text).level.value == "III"
    assert rules.classify(text, channel="regulator").level.value == "II"
    assert rules.classify(text, recent_count=2).level.value == "II"


@pytest.fixture(scope="module")
def cfpb() -> tuple[list[str], list[str]]:
    """The first 500 of the shipped rows: the CFPB sample the model was first built on."""
    with ROWS.open(encoding="utf-8", newline="") as f:
        data = list(csv.DictReader(f))[:500]
    return [r["narrative"] for r in data], [r["product"] for r in data]


def test_trained_model_saves_loads_and_falls_back_to_the_rules(cfpb, tmp_path):
    texts, labels = cfpb
    model = TrainedModel.train(texts[:400], labels[:400])
    path = model.save(tmp_path)
    assert path.name == f"classifier-{model.version.split('@')[1]}.joblib"
    loaded = TrainedModel.load(path)
    assert loaded.version == model.version and loaded.labels == sorted(set(labels))
    held_out = loaded.predict(texts[400:])
    assert sum(p == t for (p, _), t in zip(held_out, labels[400:])) / 100 > 0.6  # far above chance (0.2)

    confident = ModelClassifier(loaded, threshold=0.0).classify("credit report shows inquiry i did not authorize")
    assert confident.method == model.version and confident.business_type in loaded.labels
    assert confident.emergency  # the emergency detector is the rules', whatever the model says
    why = [m.removeprefix("model-feature:") for m in confident.matched if m.startswith("model-feature:")]
    assert why and set(why) & {"credit report", "report", "inquiry", "lexicon:credit_reporting", "credit"}, why
    fallback = ModelClassifier(loaded, threshold=1.01).classify("信用卡年费乱收费")
    assert fallback.method.startswith("rules@6 (fallback") and fallback.business_type == "credit_card"
    chosen = classifier_from("model", str(path), 0.5)
    assert chosen.version.startswith(model.version)


def test_the_shipped_model_is_trained_on_the_shipped_rows_once_and_kept(tmp_path, monkeypatch):
    """`COMPLAINTS_CLASSIFIER=model` with no file: the model trained on the 2,858 rows the product ships,
    kept in the data folder and loaded on the next start; a torn file there is trained over."""
    import classifier.shipped as shipped_module

    chosen = classifier_from("model", None, emergency="rules", cache_dir=tmp_path)
    kept = list(tmp_path.glob("business-type-*.joblib"))
    assert len(kept) == 1 and chosen.model.trained_on == 2858
    assert set(chosen.model.labels) == {"credit_card", "credit_reporting", "debt_collection",
                                        "mortgages_and_loans", "retail_banking"}
    said = chosen.classify("collection agency keeps calling about a medical debt i do not owe, they threatened to sue")
    assert said.business_type == "debt_collection" and said.method == chosen.model.version
    monkeypatch.setattr(shipped_module, "_trained", lambda: pytest.fail("trained again instead of loaded"))
    assert shipped_model(tmp_path).version == chosen.model.version  # loaded from the data folder
    kept[0].write_bytes(b"torn")
    monkeypatch.setattr(shipped_module, "_trained", lambda: chosen.model)
    assert shipped_model(tmp_path).version == chosen.model.version and kept[0].stat().st_size > 1000


def test_one_classification_reads_its_complaint_once(cfpb, monkeypatch):
    """The model's label and its "why" come from one set of features (computing them twice doubled the time
    of a classification); the why is the same as computed afresh."""
    texts, labels = cfpb
    model = TrainedModel.train(texts[:300], labels[:300])
    calls = []
    features = LinearVote._features
    monkeypatch.setattr(LinearVote, "_features", lambda self, t, fit=False: calls.append(len(t)) or
                        features(self, t, fit))
    c = ModelClassifier(model, threshold=0.0).classify(texts[301])
    assert calls == [1]
    why = [m.removeprefix("model-feature:") for m in c.matched if m.startswith("model-feature:")]
    assert why and why == model.pipeline.top_features(texts[301], c.business_type)


@pytest.mark.parametrize("classes, meaning", [(5, 0.0), (2, 0.0), (5, 2.0), (2, 2.0)])
def test_the_vote_computes_what_scikit_learn_computes(cfpb, classes, meaning):
    """The vote reads its voters' coefficients itself for speed; it must agree with scikit-learn's own answer,
    with the sentence-meaning voter weighted as asked when there is one."""
    texts, labels = cfpb
    keep = sorted(set(labels))[:classes]
    texts, labels = zip(*[(t, label) for t, label in zip(texts, labels) if label in keep])
    vote = LinearVote(meaning=meaning).fit(list(texts[:-40]), list(labels[:-40]))
    fast = vote.predict_proba(texts[-40:])
    f = vote._features(texts[-40:])
    reference = (vote.lr_.predict_proba(f["all"]) + vote.word_nb_.predict_proba(f["unigrams"])
                 + vote.char_nb_.predict_proba(f["chars"]) + vote.svm_.predict_proba(f["words"]))
    if meaning:
        reference = reference + meaning * vote.meaning_.predict_proba(f["meaning"])
    reference = reference / (4 + meaning)
    assert fast.shape == (40, classes)
    assert abs(fast - reference).max() < 1e-9
    assert abs(fast.sum(axis=1) - 1).max() < 1e-9


@pytest.mark.process
async def test_train_and_evaluate_commands(cfpb, tmp_path):
    cli = str(Path(sys.executable).parent / "complaints")
    small = tmp_path / "small.csv"
    texts, labels = cfpb
    with small.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["narrative", "product"])
        writer.writerows(list(zip(texts, labels))[::3])

    async def run(*args):
        proc = await asyncio.create_subprocess_exec(cli, "classifier", *args, stdout=subprocess.PIPE,
                                                    stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "150"})
        out, err = await proc.communicate()
        return proc.returncode, out.decode(), err.decode()

    code, out, err = await run("train", "--csv", str(small), "--text", "narrative", "--label", "product",
                               "--out", str(tmp_path / "models"))
    assert code == 0, err
    model_file = next((tmp_path / "models").glob("classifier-*.joblib"))
    code, out, err = await run("evaluate", "--csv", str(small), "--text", "narrative", "--label", "product",
                               "--folds", "3", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["rows"] == len(texts[::3]) and result["folds"] == 3 and 0.5 < result["accuracy"] <= 1
    assert 0 <= result["near_duplicates"] < result["rows"]
    assert sum(map(sum, result["confusion"])) == result["rows"] and len(result["labels"]) == 5
    code, out, _ = await run("evaluate", "--csv", str(small), "--text", "narrative", "--label", "product",
                             "--model", str(model_file))
    assert code == 0 and "accuracy" in out and "confusion matrix" in out and "precision" in out and "recall" in out
    code, out, err = await run("evaluate", "--folds", "2", "--json")  # no file: the shipped rows
    assert code == 0, err
    assert json.loads(out)["rows"] == 2858
    code, _, err = await run("train", "--csv", str(small), "--text", "body", "--label", "product")
    assert code == 1 and "has no column body" in err


async def test_supervisor_corrects_the_classification_and_it_becomes_a_training_row(client, workers, engine, tmp_path,
                                                                                       cipher):
    cid = await submit(client, workers["calm"], "我的账户被冻结了，请尽快帮我解冻")
    with pytest.raises(service.ComplaintError, match="a supervisor"):
        await service.send(client, cid, "correct_classification",
                           m.CorrectClassification(actor=HANDLER, business_type="loans", reason="x"))
    s = await service.send(client, cid, "correct_classification", m.CorrectClassification(
        actor=SUPERVISOR, business_type="loans", reason="冻结因贷款逾期"))
    c = s.classification
    assert (c.business_type, c.problem_nature, c.confidence) == ("loans", "account_frozen", 1.0)
    assert c.method.startswith(f"corrected by {SUPERVISOR.id}") and s.level.value == "III"
    with pytest.raises(service.ComplaintError, match="already the classification"):
        await service.send(client, cid, "correct_classification", m.CorrectClassification(
            actor=SUPERVISOR, business_type="loans", reason="again"))
    await eventually(lambda: list_workflows(client, f"WorkflowId = '{workflow_id_for(cid)}' AND BusinessType = 'loans'"))
    from models.tables import ComplaintRow
    await eventually(lambda: rows(engine, ComplaintRow, id=cid)[0].business_type == "loans")
    out = tmp_path / "corrections.csv"
    export_corrections(engine, out, cipher)
    with out.open(encoding="utf-8-sig", newline="") as f:
        exported = {r["complaint_id"]: r for r in csv.DictReader(f)}
    assert exported[cid]["business_type"] == "loans" and "冻结" in exported[cid]["text"]


@pytest.mark.parametrize("text, nature, business_type", [
    ("卡被盗刷了", "fraud", "debit_account"),
    ("我的信用卡被盗刷了三笔", "fraud", "credit_card"),
    ("银行卡丢了，刚收到短信有人在盗刷", "fraud", "debit_account"),
    ("卡丢了咋整", "lost_card", "debit_account"),
    ("我的银行卡被盗了，请挂失", "lost_card", "debit_account"),
    ("someone used my card after I lost it", "fraud", None),
    ("I lost my card yesterday", "lost_card", None),
    ("有一笔不是我本人的交易，卡还在我手上", "unauthorised_transaction", None),
])
def test_a_fraud_outranks_a_lost_card_and_the_emergency_stands(text, nature, business_type):
    """Natures in precedence: fraud, unauthorised transaction and stop-payment before lost card; each is an
    emergency, and the business type comes from its own words."""
    c = RulesClassifier().classify(text)
    assert c.problem_nature == nature and c.emergency
    if business_type:
        assert c.business_type == business_type


@pytest.mark.parametrize("business_type, nature, refused", [
    ("credit_card", "fraud", None), ("other", "other", None), (None, None, None), (None, "lost_card", None),
    ("banana", None, "business_type 'banana'"), ("Credit_Card", None, "business_type 'Credit_Card'"),
    (None, "weather", "problem_nature 'weather'"), ("loans", "weather", "problem_nature 'weather'"),
])
def test_a_correction_names_only_labels_the_taxonomy_has(business_type, nature, refused):
    from classifier import label_refusal

    reason = label_refusal(RulesClassifier(), business_type, nature)
    assert (reason is None) if refused is None else reason.startswith(refused + " is not in the taxonomy; one of:")


@pytest.mark.process
def test_complaints_classify_prints_what_the_analyse_stage_would_decide(tmp_path):
    import json
    import subprocess
    import sys

    cli = str(Path(sys.executable).parent / "complaints")
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    one = subprocess.run([cli, "classify", "我的信用卡被盗刷了三笔", "--json"], capture_output=True, text=True, env=env)
    assert one.returncode == 0, one.stderr
    # the detector it trained is kept for the next call (and for a worker of the same data folder)
    assert [p.name for p in (tmp_path / "data" / "models").iterdir()] == [f"emergency-{fingerprint()}.joblib"]
    got = json.loads(one.stdout)
    assert (got["business_type"], got["problem_nature"], got["emergency"], got["method"]) == (
        "credit_card", "fraud", True, f"{RulesClassifier().version}+{shipped().version}")
    lines = tmp_path / "try.jsonl"
    lines.write_text('{"text": "卡丢了咋整"}\n{"text": "年费乱收费，流程太繁琐"}\n', encoding="utf-8")
    many = subprocess.run([cli, "classify", "--jsonl", str(lines), "--json"], capture_output=True, text=True, env=env)
    assert [r["problem_nature"] for r in json.loads(many.stdout)] == ["lost_card", "fees_charges"]
    neither = subprocess.run([cli, "classify"], capture_output=True, text=True)
    assert neither.returncode == 1 and neither.stderr.strip() == "error: give a text, or --jsonl FILE"


def test_the_emergency_set_covers_the_patterns_and_its_hard_negatives():
    """The labelled set the learned detector trains on (bench/emergency_set.py writes it)."""
    from classifier.emergency import read_cases

    rows = read_cases()
    families = {r["family"].rsplit("_", 1)[0] for r in rows if r["emergency"] == "1"}
    assert len(rows) >= 300 and sum(r["emergency"] == "1" for r in rows) >= 150
    assert sum(r["emergency"] == "0" for r in rows) >= 150
    assert {"lost", "abroad", "skim", "cnp", "sim", "phish", "otp", "police", "staff", "invest", "romance",
            "relative", "stranger", "swallow"} <= families
    assert any(r["family"].startswith("past_fraud") for r in rows if r["emergency"] == "0")
    assert len({r["text"] for r in rows}) == len(rows)


def test_the_learned_detector_trains_and_separates_what_it_learned():
    from classifier.emergency import EmergencyDetector, read_cases

    rows = read_cases()
    model = EmergencyDetector.train([r["text"] for r in rows], [int(r["emergency"]) for r in rows])
    flags = [model.says(r["text"]) == (r["emergency"] == "1") for r in rows]
    assert sum(flags) / len(flags) > 0.95
    assert 0.0 <= model.probability("手机卡被人补办了，紧接着钱被转走了两万块") <= 1.0
