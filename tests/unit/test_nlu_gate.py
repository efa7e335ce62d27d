"""The held-out gate judges what the parent gets, not only the intent label, and says what failed."""

import json

from clinical.triage import Triage
from clinical.vocabulary import CALL_911, CALL_NOW_FEVER, CALL_NOW_SIGN, CONFIRM_URGENT, RECHECK
from tools import nlu_gate
from tools.evaluation_summary import main as summary_main
from tools.nlu_gate import escalation_missed
from tools.nlu_gate import main as gate_main


def test_an_urgent_message_escalates_with_its_call_or_the_question_whose_yes_gets_it():
    assert not escalation_missed("report_fever", Triage(CALL_NOW_FEVER))
    assert not escalation_missed("report_infection_sign", Triage(CALL_NOW_SIGN))
    assert not escalation_missed("report_fever", Triage(CONFIRM_URGENT, if_yes=CALL_NOW_FEVER))


def test_an_urgent_message_that_gets_no_call_is_a_miss():
    assert escalation_missed("report_infection_sign", Triage())
    assert escalation_missed("report_fever", Triage(RECHECK))


def test_an_emergency_needs_911():
    assert not escalation_missed("report_emergency", Triage(CALL_911))
    assert not escalation_missed("report_emergency", Triage(CONFIRM_URGENT, if_yes=CALL_911))
    assert escalation_missed("report_emergency", Triage(CALL_NOW_SIGN))
    assert escalation_missed("report_emergency", Triage(CONFIRM_URGENT, if_yes=CALL_NOW_SIGN))


def test_non_urgent_messages_are_not_judged_here():
    assert not escalation_missed("ask_causes", Triage())


def test_the_gate_reads_misread_messages_with_the_real_decision():
    read = nlu_gate.triage_reader()
    assert read("her lips look blue", "ask_symptoms", 0.5).decision == CALL_911
    assert read("can neutropenia cause a cough?", "ask_symptoms", 0.5).decision == "none"


def write_results(folder, report, errors):
    folder.mkdir(exist_ok=True)
    (folder / "intent_report.json").write_text(json.dumps(report))
    (folder / "intent_errors.json").write_text(json.dumps(errors))
    return folder


def scores(f1, precision, recall, support):
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": support}


def misread(text, intent, read_as, confidence):
    return {"text": text, "intent": intent, "intent_prediction": {"name": read_as, "confidence": confidence}}


def test_a_failing_intent_is_explained_question_by_question(tmp_path, capsys):
    # a new topic split out of another: its questions read as the old one, and one the other way
    results = write_results(
        tmp_path,
        {
            "ask_cyclic": scores(0.43, 0.8, 0.29, 24),
            "ask_symptoms": scores(0.95, 0.95, 0.96, 24),
            "greet": scores(1.0, 1.0, 1.0, 10),
            "weighted avg": scores(0.8, 0.8, 0.8, 58),
            "accuracy": 0.8,
        },
        [
            misread("every 3 weeks she gets mouth sores", "ask_cyclic", "ask_symptoms", 0.61),
            misread("do the fevers come back on a schedule", "ask_cyclic", "ask_symptoms", 0.55),
            misread("what are the signs of a low count", "ask_symptoms", "ask_cyclic", 0.4),
        ],
    )
    assert gate_main(results) == 1
    failed = capsys.readouterr().err
    assert "NLU gate FAILED: 1 intent below F1 0.90." in failed
    assert (
        "ask_cyclic: F1 0.43 < 0.90 (precision 0.80, recall 0.29): 2 of its 24 test questions read as "
        "ask_symptoms 2×; 1 question of other intents read as it (ask_symptoms 1×)"
    ) in failed
    assert 'read as ask_symptoms: "every 3 weeks she gets mouth sores" (0.61)' in failed
    assert 'ask_symptoms question read as ask_cyclic: "what are the signs of a low count" (0.40)' in failed
    # the most confident misreading first: the clearest example of the confusion
    assert failed.index("(0.61)") < failed.index("(0.55)")


def test_an_urgent_message_that_would_not_escalate_is_named_with_its_confidence(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(nlu_gate, "triage_reader", lambda: lambda text, intent, confidence: Triage())  # nothing found
    results = write_results(
        tmp_path,
        {
            "report_emergency": scores(0.95, 1.0, 0.92, 12),
            "ask_when_to_call": scores(0.96, 0.92, 1.0, 12),
            "weighted avg": scores(0.95, 0.95, 0.95, 24),
        },
        [misread("she went floppy", "report_emergency", "ask_when_to_call", 0.44)],
    )
    assert gate_main(results) == 1
    failed = capsys.readouterr().err
    assert "NLU gate FAILED: 1 urgent test message would not get Call now (or Call 911)." in failed
    assert '"she went floppy" (0.44): report_emergency read as ask_when_to_call' in failed
    assert "below F1" not in failed


def test_passing_results_say_so(tmp_path, capsys):
    perfect = scores(1.0, 1.0, 1.0, 10)
    results = write_results(tmp_path, {"greet": perfect, "weighted avg": perfect}, [])
    assert gate_main(results) == 0
    assert "NLU gate passed" in capsys.readouterr().out


def test_make_evaluate_says_which_intents_fail_and_writes_every_misread_question(tmp_path, capsys):
    split_topic = {
        "ask_cyclic": scores(0.43, 0.8, 0.29, 24),
        "ask_symptoms": scores(0.95, 0.95, 0.96, 24),
        "weighted avg": scores(0.8, 0.8, 0.8, 48),
        "accuracy": 0.8,
    }
    mouth_sores = misread("every 3 weeks she gets mouth sores", "ask_cyclic", "ask_symptoms", 0.61)
    write_results(tmp_path / "holdout", split_topic, [mouth_sores])
    write_results(tmp_path / "cross_validation", split_topic, [mouth_sores])
    assert summary_main(tmp_path) == 0
    terminal = capsys.readouterr().out
    assert "cross-validation: 1 intent below F1 0.90" in terminal
    assert "held-out set: 1 intent below F1 0.90\n  ask_cyclic: F1 0.43 < 0.90" in terminal
    assert 'read as ask_symptoms: "every 3 weeks she gets mouth sores" (0.61)' in terminal
    summary = (tmp_path / "summary.md").read_text()
    assert '**ask_cyclic** read as **ask_symptoms**: 1 × — "every 3 weeks she gets mouth sores" (0.61)' in summary
