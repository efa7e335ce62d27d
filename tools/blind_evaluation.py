"""End-to-end evaluation on the frozen blind sets: what a parent gets, through the REST channel.

The blind sets (tests/blind/*.yml) were written by helpers who never saw the training data, and
are never copied into it. Each message says what the parent must get:

  call_911          the "Call 911 now" reply
  call_now          a Call-now reply (or the 911 one, which also says to call now)
  recheck           the recheck advice for a reading below the threshold (no alarm)
  answer:<intent>   the answer of that intent (its rule's response), first
  not_covered       the honest "the hospital's pages don't cover that" reply
  opener            the warm acknowledgment
  no_alarm          anything but an alarm (it may name a topic, which is then reported, not gated)
  greet, thank, goodbye, bot_challenge, out_of_scope   that chitchat reply

Each reply is recognised by the domain response it was rendered from (every response's text
with its {placeholders} as wildcards), so a reworded answer needs no change here.

A set may say each message's language (`lang: en` / `es`) and where it was adapted from
(`source:`); a set with languages is also reported per language (the gate judges the whole set).
A message may carry the parent's earlier messages of the same conversation (`before:`, a list,
oldest first): they are sent first, in that conversation, and only the reply to `text` is judged
(a follow-up such as "it's higher now" means something only after "she's 37.9").

When the assistant is unsure whether the child has a fever or sign now, it asks ("Just to be
sure: ...", CONFIRM_RESPONSES). That question is safe for an urgent message, so it counts for the
call-now and 911 recall, and it is reported apart (`confirmation_asked`). The evaluation then
answers it as the parent would, in the same conversation ("yes" when the message needs a call,
"no" otherwise), and judges every other expectation on the reply to that answer: a covered
question must get its answer after the "no".

Figures (the gate in `make test`): call-now recall 100 %, 911 recall 100 %, false reassurance 0
(an urgent message that got neither an alarm nor the confirmation question: a recheck, a topic
answer, "please rephrase" or nothing), false alarms at most 3 % of the messages that need no
alarm, the right answer for at least 93 % of covered questions, "rephrase" for at most 3 % of
in-scope messages. Reported, not gated: the confirmation question's rate, not-covered questions
given the not-covered reply (`not_covered_handled`), or either reply that sends the parent to the
care team with the number (`not_covered_referred`: the personal-advice reply also does), openers
acknowledged, chitchat.

Usage: python tools/blind_evaluation.py [--gate] [--url http://127.0.0.1:5005] SET.yml [SET.yml ...]
Without --url the script starts the action server and a Rasa server itself (tools/harness.py, as
tests/live does).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import re
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import requests
import yaml

from clinical.vocabulary import (
    ALARM_RESPONSES,
    ASK_PERSONAL_MEDICAL_ADVICE,
    CALL_911_RESPONSE,
    CONFIRM_RESPONSES,
    RECHECK_RESPONSE,
)

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "results" / "blind"

REPHRASE = "utter_please_rephrase"
GATE = {
    "call_now_recall": (1.00, "min"),
    "call_911_recall": (1.00, "min"),
    "false_reassurance": (0.0, "max"),
    "false_alarm_rate": (0.03, "max"),
    "covered_right_answer": (0.93, "min"),
    "rephrase_rate": (0.03, "max"),
}
CHITCHAT = {"greet", "thank", "goodbye", "bot_challenge", "out_of_scope"}


def _yaml_files(*folders: str) -> Iterable[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.yml"))


def response_patterns() -> List[Tuple[str, "re.Pattern[str]"]]:
    """Every response variation's text as a regex: literal text, {placeholders} as wildcards."""
    patterns = []
    for path in _yaml_files("data"):
        content = yaml.safe_load(path.read_text()) or {}
        for name, variations in (content.get("responses") or {}).items():
            for variation in variations or []:
                text = (variation or {}).get("text")
                if not text:
                    continue
                parts = re.split(r"\{[A-Za-z_]+\}", text.strip())
                regex = ".+?".join(re.escape(part) for part in parts)
                patterns.append((name, re.compile(regex + r"(\s*\n\n\(.*\))?\s*$", re.DOTALL)))
    # longest first: a short template never claims a long reply it is a prefix of
    patterns.sort(key=lambda item: -len(item[1].pattern))
    return patterns


def answer_of_intent() -> Dict[str, str]:
    """intent -> the response its rule answers with (data/rules: `intent: X` then `action: utter_Y`)."""
    answers: Dict[str, str] = {}
    for path in _yaml_files("data"):
        content = yaml.safe_load(path.read_text()) or {}
        for rule in content.get("rules") or []:
            steps = rule.get("steps") or []
            if len(steps) >= 2 and "intent" in steps[0] and str(steps[1].get("action", "")).startswith("utter_"):
                answers.setdefault(steps[0]["intent"], steps[1]["action"])
    return answers


def load_set(path: Path) -> List[Dict[str, str]]:
    content = yaml.safe_load(path.read_text())
    return [dict(m) for m in content["messages"]]


@dataclass
class Outcome:
    text: str
    expect: str
    responses: List[str]
    replies: List[str] = field(default_factory=list)
    # the replies to the parent's answer, when the assistant asked the confirmation question
    answered: List[str] = field(default_factory=list)
    lang: str = ""

    @property
    def asked(self) -> bool:
        return any(r in CONFIRM_RESPONSES for r in self.responses)

    @property
    def alarm(self) -> bool:
        return any(r in ALARM_RESPONSES for r in self.responses)

    @property
    def first(self) -> Optional[str]:
        """The first reply that judges the message: the reply to the parent's answer when asked."""
        judged = self.answered if self.asked else self.responses
        return judged[0] if judged else None

    @property
    def final_alarm(self) -> bool:
        return self.alarm or (self.asked and any(r in ALARM_RESPONSES for r in self.answered))


# The once-per-conversation notice (addons/nlg/hospital_nlg.py), which Rasa's REST channel sends as a
# message of its own: it is not an answer.
NOTICE = re.compile(r"^\((This chat gives|Este chat da) .*\)$", re.DOTALL)


def classify(replies: List[str], patterns) -> List[str]:
    names = []
    for reply in replies:
        if NOTICE.match(reply.strip()):
            continue
        for name, pattern in patterns:
            if pattern.match(reply.strip()):
                names.append(name)
                break
        else:
            names.append("unrecognised")
    return names


def send(url: str, text: str, sender: Optional[str] = None) -> List[str]:
    response = requests.post(
        f"{url}/webhooks/rest/webhook",
        json={"sender": sender or f"blind-{uuid.uuid4().hex}", "message": text},
        timeout=60,
    )
    response.raise_for_status()
    return [m.get("text", "") for m in response.json() if m.get("text")]


def the_parents_answer(message: Dict[str, str]) -> str:
    """What the parent answers to "does your child have this now?": yes when it needs a call."""
    urgent = message["expect"] in ("call_now", "call_911")
    if message.get("lang") == "es":
        return "sí" if urgent else "no"
    return "yes" if urgent else "no"


def run(url: str, messages: List[Dict[str, str]]) -> List[Outcome]:
    patterns = response_patterns()

    def converse(message: Dict[str, str]) -> Outcome:
        sender = f"blind-{uuid.uuid4().hex}"
        for earlier in message.get("before") or []:
            send(url, earlier, sender)
        replies = send(url, message["text"], sender)
        outcome = Outcome(
            message["text"], message["expect"], classify(replies, patterns), replies, lang=message.get("lang", "")
        )
        if outcome.asked:
            outcome.answered = classify(send(url, the_parents_answer(message), sender), patterns)
        return outcome

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(converse, messages))


def judge(outcomes: List[Outcome]) -> Tuple[Dict[str, Dict[str, float]], Dict[str, List[Outcome]]]:
    answers = answer_of_intent()

    def right(o: Outcome) -> bool:
        # the confirmation question is safe for an urgent message (and reported apart)
        if o.expect == "call_911":
            return CALL_911_RESPONSE in o.responses or o.asked
        if o.expect == "call_now":
            return o.alarm or o.asked
        if o.expect == "recheck":
            return o.first == RECHECK_RESPONSE
        if o.expect.startswith("answer:"):
            return o.first == answers.get(o.expect.split(":", 1)[1])
        if o.expect == "not_covered":
            return o.first == answers.get("ask_not_covered")
        if o.expect == "opener":
            return o.first == answers.get("share_situation")
        if o.expect in CHITCHAT:
            return o.first == answers.get(o.expect)
        return not o.final_alarm  # no_alarm

    groups = {
        "call_now_recall": [o for o in outcomes if o.expect in ("call_now", "call_911")],
        "call_911_recall": [o for o in outcomes if o.expect == "call_911"],
        "covered_right_answer": [o for o in outcomes if o.expect.startswith("answer:")],
        "recheck_right": [o for o in outcomes if o.expect == "recheck"],
        "not_covered_handled": [o for o in outcomes if o.expect == "not_covered"],
        # the personal-advice reply also sends the parent to the care team with the number
        "not_covered_referred": [o for o in outcomes if o.expect == "not_covered"],
        "openers_handled": [o for o in outcomes if o.expect == "opener"],
        "chitchat_right": [o for o in outcomes if o.expect in CHITCHAT],
    }
    figures, misses = {}, {}
    referrals = (answers.get("ask_not_covered"), answers.get(ASK_PERSONAL_MEDICAL_ADVICE))

    def referred(o: Outcome) -> bool:
        return o.first in referrals

    for name, group in groups.items():
        judged = referred if name == "not_covered_referred" else right
        wrong = [o for o in group if not judged(o)]
        figures[name] = {"value": 1 - len(wrong) / len(group) if group else 1.0, "n": len(group)}
        misses[name] = wrong
    urgent = [o for o in outcomes if o.expect in ("call_now", "call_911")]
    reassured = [o for o in urgent if not (o.alarm or o.asked)]
    figures["false_reassurance"] = {"value": len(reassured) / len(urgent) if urgent else 0.0, "n": len(urgent)}
    misses["false_reassurance"] = reassured
    asked = [o for o in outcomes if o.asked]
    figures["confirmation_asked"] = {"value": len(asked) / len(outcomes) if outcomes else 0.0, "n": len(outcomes)}
    misses["confirmation_asked"] = asked
    no_alarm = [o for o in outcomes if o.expect not in ("call_now", "call_911")]
    alarmed = [o for o in no_alarm if o.final_alarm]
    figures["false_alarm_rate"] = {"value": len(alarmed) / len(no_alarm) if no_alarm else 0.0, "n": len(no_alarm)}
    misses["false_alarm_rate"] = alarmed
    in_scope = [o for o in outcomes if o.expect != "out_of_scope"]
    rephrased = [o for o in in_scope if REPHRASE in o.responses]
    figures["rephrase_rate"] = {"value": len(rephrased) / len(in_scope) if in_scope else 0.0, "n": len(in_scope)}
    misses["rephrase_rate"] = rephrased
    return figures, misses


def report(name: str, figures, misses) -> Tuple[str, List[str]]:
    lines = [f"## {name}", "", "| figure | value | messages | gate |", "|---|---|---|---|"]
    failures: List[str] = []
    for figure, result in figures.items():
        bound = GATE.get(figure)
        gate = ""
        if bound:
            limit, kind = bound
            ok = result["value"] >= limit if kind == "min" else result["value"] <= limit
            gate = f"{'≥' if kind == 'min' else '≤'} {limit:.0%} {'ok' if ok else 'FAILED'}"
            if not ok:
                failures.append(f"{name}: {figure} {result['value']:.1%} (gate {gate.split(' FAILED')[0]})")
        lines.append(f"| {figure} | {result['value']:.1%} | {result['n']} | {gate} |")
    for figure, wrong in misses.items():
        if not wrong:
            continue
        lines += ["", f"### {figure}: {len(wrong)} missed", ""]
        for o in wrong:
            got = ", ".join(o.responses) or "no reply"
            if o.asked:
                got += f"; after the answer: {', '.join(o.answered) or 'no reply'}"
            lines.append(f"- {o.text!r} (expected {o.expect}) got {got}")
    return "\n".join(lines), failures


def _gated_only(summary: str) -> str:
    """The tables, and the misses of the gated figures only (the rest is in summary.md)."""
    keep, lines = True, []
    for line in summary.splitlines():
        if line.startswith("### "):
            keep = line[4:].split(":")[0] in GATE
        elif line.startswith("## "):
            keep = True
        if keep:
            lines.append(line)
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--url", help="a running Rasa server (default: start one)")
    parser.add_argument("--gate", action="store_true", help="exit 1 when a figure misses its gate")
    parser.add_argument("--quiet", action="store_true", help="print the figures and the gate's misses only")
    args = parser.parse_args(argv)

    def evaluate(url: str) -> int:
        RESULTS.mkdir(parents=True, exist_ok=True)
        sections, failures = [], []
        for path in args.sets:
            outcomes = run(url, load_set(path))
            parts = [(path.stem, outcomes)]
            languages = sorted({o.lang for o in outcomes if o.lang})
            if len(languages) > 1:  # a bilingual set is judged per language too
                parts += [(f"{path.stem} ({lang})", [o for o in outcomes if o.lang == lang]) for lang in languages]
            for index, (name, part) in enumerate(parts):
                figures, misses = judge(part)
                text, failed = report(name, figures, misses)
                sections.append(text)
                if index == 0:  # the set is gated; each language of a bilingual set is reported
                    failures += failed
            (RESULTS / f"{path.stem}.json").write_text(
                json.dumps(
                    [
                        {"text": o.text, "expect": o.expect, "responses": o.responses, "answered": o.answered}
                        for o in outcomes
                    ],
                    indent=1,
                )
            )
        summary = "\n\n".join(sections)
        (RESULTS / "summary.md").write_text(summary + "\n")
        print(_gated_only(summary) if args.quiet else summary)
        if failures:
            print("\nBlind gate FAILED:", *failures, sep="\n  ", file=sys.stderr)
            print(
                "Fix the class of problem (training data, entity patterns, context terms); never add "
                "these sentences to the training data.",
                file=sys.stderr,
            )
            return 1 if args.gate else 0
        print(f"\nblind gate passed ({RESULTS / 'summary.md'})")
        return 0

    if args.url:
        return evaluate(args.url.rstrip("/"))
    import tempfile

    from tools.harness import Servers

    with tempfile.TemporaryDirectory() as tmp, Servers(Path(tmp)) as servers:
        return evaluate(f"http://127.0.0.1:{servers.rasa_port}")


if __name__ == "__main__":
    sys.exit(main())
