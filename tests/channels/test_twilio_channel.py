"""Twilio, SMS and WhatsApp: Twilio's webhook form in, the Messages API calls out."""

import requests

from tests.channels.conftest import (
    SMS_LIMIT,
    TOPIC_BUTTONS,
    TWILIO_ACCOUNT_SID,
    TWILIO_NUMBER,
    TWILIO_WHATSAPP_NUMBER,
    twilio_signature,
    twilio_sms,
)
from tests.live.conftest import TEST_CARE_TEAM_PHONE

MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"


def text_in(channels, sender, text, to=TWILIO_NUMBER, signature=None):
    params = twilio_sms(sender, text, to=to)
    return requests.post(
        f"{channels.url}/webhooks/twilio/webhook",
        data=params,
        timeout=60,
        headers={"X-Twilio-Signature": signature or twilio_signature(params)},
    )


def sent_to(fake, recipient, **kwargs):
    return fake.wait_for(lambda c: c["path"] == MESSAGES_PATH and c["form"].get("To") == recipient, **kwargs)


def test_sms_fever_report_gets_call_now_with_the_number(channels, fake):
    sender = "+15550111001"
    response = text_in(channels, sender, "she has a fever of 101.5")
    assert response.status_code == 204
    sms = sent_to(fake, sender)
    reply = "\n".join(c["form"]["Body"] for c in sms)
    assert reply.startswith("Call now")
    assert TEST_CARE_TEAM_PHONE in sms[0]["form"]["Body"]  # the number in the first SMS
    assert all(c["form"]["From"] == TWILIO_NUMBER for c in sms)
    assert all(len(c["form"]["Body"]) <= SMS_LIMIT for c in sms)
    # the whole reply in one SMS (Rasa's connector would send each paragraph as its own SMS)
    assert len(sms) == 1 and "Source:" in reply
    assert all(c["headers"].get("Authorization", "").startswith("Basic ") for c in sms)


def test_sms_topic_question_gets_its_answer(channels, fake):
    sender = "+15550111002"
    assert text_in(channels, sender, "what causes neutropenia?").status_code == 204
    reply = "\n".join(c["form"]["Body"] for c in sent_to(fake, sender))
    assert "Source:" in reply and "Call now" not in reply


def test_whatsapp_fever_report_is_answered_from_the_whatsapp_number(channels, fake):
    sender = "whatsapp:+15550111003"
    assert text_in(channels, sender, "she has a fever of 101.5", to=TWILIO_WHATSAPP_NUMBER).status_code == 204
    messages = sent_to(fake, sender)
    assert messages[0]["form"]["Body"].startswith("Call now") and TEST_CARE_TEAM_PHONE in messages[0]["form"]["Body"]
    assert all(c["form"]["From"] == TWILIO_WHATSAPP_NUMBER for c in messages)


def test_whatsapp_topic_question_gets_its_answer(channels, fake):
    sender = "whatsapp:+15550111004"
    assert text_in(channels, sender, "what causes neutropenia?", to=TWILIO_WHATSAPP_NUMBER).status_code == 204
    assert "Source:" in "\n".join(c["form"]["Body"] for c in sent_to(fake, sender))


def test_buttons_become_numbered_options_and_a_number_picks_one(channels, fake):
    sender = "+15550111005"
    buttons = [TOPIC_BUTTONS[0], TOPIC_BUTTONS[1], TOPIC_BUTTONS[5]]
    channels.offer_options("twilio", sender, "What would you like to know?", buttons)
    offer = sent_to(fake, sender)
    assert len(offer) == 1  # one message, not one per button
    assert "1. Causes\n2. Types\n3. My child has a fever" in offer[0]["form"]["Body"]

    assert text_in(channels, sender, "1").status_code == 204
    answer = "\n".join(c["form"]["Body"] for c in sent_to(fake, sender, count=2)[1:])
    assert "chemotherapy" in answer.lower() and "Source:" in answer

    # the options were for that one reply: a later "1" is just text, not "Causes" again
    assert text_in(channels, sender, "1").status_code == 204
    later = "\n".join(c["form"]["Body"] for c in sent_to(fake, sender, count=3)[2:])
    assert "chemotherapy" not in later.lower()


def test_number_option_three_reports_a_fever(channels, fake):
    sender = "+15550111006"
    buttons = [TOPIC_BUTTONS[0], TOPIC_BUTTONS[1], TOPIC_BUTTONS[5]]
    channels.offer_options("twilio", sender, "What would you like to know?", buttons)
    sent_to(fake, sender)
    assert text_in(channels, sender, "3").status_code == 204
    answer = "\n".join(c["form"]["Body"] for c in sent_to(fake, sender, count=2)[1:])
    assert answer.startswith("Call now") and TEST_CARE_TEAM_PHONE in answer


def test_the_confirmation_question_is_numbered_and_a_1_is_yes(channels, fake):
    sender = "+15550111009"
    assert (
        text_in(
            channels, sender, "my daughter had a fever and cough two weeks ago, what causes neutropenia?"
        ).status_code
        == 204
    )
    question = sent_to(fake, sender)
    assert question[-1]["form"]["Body"].endswith("1. Yes\n2. No\n\nReply with a number.")
    assert text_in(channels, sender, "1").status_code == 204  # "yes": the call it was about
    answer = "\n".join(c["form"]["Body"] for c in sent_to(fake, sender, count=len(question) + 1)[len(question) :])
    assert answer.startswith("Call now") and TEST_CARE_TEAM_PHONE in answer


def test_no_sms_is_longer_than_1600_characters(channels, fake):
    sender = "+15550111007"
    sentence = "Neutrophils are white blood cells that fight bacteria. "
    long_text = (sentence * 40 + f"Call the care team at {TEST_CARE_TEAM_PHONE}. " + sentence * 20).strip()
    channels.offer_options("twilio", sender, long_text, [TOPIC_BUTTONS[0]])
    parts = [c["form"]["Body"] for c in sent_to(fake, sender, count=3)]
    assert len(parts) == 3 and all(len(p) <= SMS_LIMIT for p in parts)
    assert all(p.endswith(".") for p in parts[:-1])  # split after a sentence
    joined = " ".join(parts)
    assert TEST_CARE_TEAM_PHONE in joined and joined.endswith("1. Causes\n\nReply with a number.")
    assert joined.count("Neutrophils") == 60  # nothing dropped
    # and every SMS the assistant sent in these tests
    assert all(len(c["form"]["Body"]) <= SMS_LIMIT for c in fake.sent(lambda c: c["path"] == MESSAGES_PATH))


def test_a_spanish_sms_fever_report_gets_llame_ahora_with_its_accents(channels, fake):
    """the Spanish reply by SMS, accents and ¿ ¡ kept (Twilio sends it as UCS-2:
    docs/channels.md says how long a Spanish reply may be before it splits)."""
    sender = "+15550111091"
    assert text_in(channels, sender, "¡mi hijo tiene calentura de 39! ¿qué hago?").status_code == 204
    sms = sent_to(fake, sender)
    reply = "\n".join(c["form"]["Body"] for c in sms)
    assert reply.startswith("Llame ahora") and TEST_CARE_TEAM_PHONE in sms[0]["form"]["Body"]
    assert "Fuente:" in reply and "@" not in reply  # Rasa's own connector turned every "¡" into "@"
    assert any(ch in reply for ch in "áéíóúñ")
    assert len(sms) == 1
