"""The pieces the pages show: what got better and worse in plain words (Rasa's own prediction files),
an SMS as a parent's phone counts it, and the inbox grouped by likely topic, newest first."""

import json

from studio.preview import preview, sms_segments
from studio.tryit import compare, describe, read_predictions

TITLES = {"ask_causes": "Causes", "ask_diagnosis": "Diagnosis", "ask_anc": "ANC", "ask_types": "Types"}.get


def write(folder, successes, errors):
    folder.mkdir(parents=True)
    (folder / "intent_successes.json").write_text(json.dumps(successes))
    (folder / "intent_errors.json").write_text(json.dumps(errors))


def entry(text, intent, predicted):
    return {"text": text, "intent": intent, "intent_prediction": {"name": predicted, "confidence": 0.8}}


def test_what_got_better_and_worse_is_said_in_plain_words(tmp_path):
    write(
        tmp_path / "current",
        [entry("what's an ANC", "ask_anc", "ask_anc"), entry("what kinds are there", "ask_types", "ask_types")],
        [entry("is it in the genes", "ask_causes", "ask_types"), entry("odd one", "ask_causes", "ask_anc")],
    )
    write(
        tmp_path / "candidate",
        [
            entry("is it in the genes", "ask_causes", "ask_causes"),
            entry("what kinds are there", "ask_types", "ask_types"),
        ],
        [entry("what's an ANC", "ask_anc", "ask_diagnosis"), entry("odd one", "ask_causes", "ask_types")],
    )
    better, worse, changed = compare(read_predictions(tmp_path / "current"), read_predictions(tmp_path / "candidate"))
    assert [describe(c, TITLES) for c in better] == ["'is it in the genes' now goes to Causes instead of Types"]
    assert [describe(c, TITLES) for c in worse] == ["'what's an ANC' now goes to Diagnosis instead of ANC"]
    assert [describe(c, TITLES) for c in changed] == ["'odd one' now goes to Types instead of ANC"]


def test_an_sms_is_counted_in_segments_as_a_phone_counts_them(monkeypatch):
    assert sms_segments("a" * 160) == (1, "GSM-7")
    assert sms_segments("a" * 161) == (2, "GSM-7")
    assert sms_segments("é" + "a" * 69) == (1, "GSM-7")  # é is in the GSM alphabet
    assert sms_segments("“quoted”" + "a" * 62) == (1, "Unicode (UCS-2)")  # typographic quotes are not: 70
    assert sms_segments("“quoted”" + "a" * 63) == (2, "Unicode (UCS-2)")
    from clinical.settings import load_settings

    shown = preview("Call {care_team_phone} or {unknown}.\nSource: x", load_settings())
    assert "{unknown}" in shown.text  # a placeholder the settings lack stays visible (the checks name it)


def test_the_inbox_groups_by_likely_topic_with_the_newest_first(studio):
    studio.inbox.refresh()
    groups = studio.inbox.groups()
    newest = [g.newest for g in groups]
    assert newest == sorted(newest, reverse=True)
    for group in groups:
        seen = [m.last_seen for m in group.messages]
        assert seen == sorted(seen, reverse=True)
        assert all(m.likely_intent == group.intent for m in group.messages)
        assert group.count == sum(m.count for m in group.messages)
    assert studio.inbox.conversations >= 8
