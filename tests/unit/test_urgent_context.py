"""What the parent reports now: negation, hypotheticals, history, other people and general
questions (spacy_pipeline/urgent_context.py on context_terms.yml), and how the NLU turns the
verdicts into the message's intent (addons/nlu/urgent_report_reader.py).

The sentences are this test's own, written from the kinds named in clinical-rules.md and the
understanding issue; none comes from the blind sets under tests/blind/.
"""

import pytest

from actions.urgent_mentions import counted
from addons.nlu.urgent_report_reader import reconcile_intent, urgent_intent_for

REPORTS_NOW = [
    ("he has a fever, is that bad with neutropenia?", "report_fever"),
    ("my daughter's temp is 101.3, should i take her in?", "report_fever"),
    ("is 38.1 high? that's what she's at now", "report_fever"),
    ("i think his ear is infected, he keeps tugging at it", "report_infection_sign"),
    ("no fever but she's shivering", "report_infection_sign"),
    ("no fever, she's shivering", "report_infection_sign"),
    ("oh no she's shivering", "report_infection_sign"),
    ("she can't stop shivering", "report_infection_sign"),
    ("he's not well and coughing a lot", "report_infection_sign"),
    ("the skin around her port is red and swollen", "report_infection_sign"),
    ("not sure if it's a fever but he feels really hot", "report_fever"),
    ("she had a seizure just now", "report_emergency"),
    ("his lips are blue", "report_emergency"),
    ("she had a fever last week and now she's coughing", "report_infection_sign"),
    # a reading at or above the threshold counts even as a "what if": the reply covers both
    ("what if his temp is 38.5?", "report_fever"),
    # who else is named in an aside does not make the child's signs someone else's
    ("my sister (she's 5, mom is at work) won't wake up and her lips look purple", "report_emergency"),
    ("my husband took her temp and got 101 f", "report_fever"),
    ("a sore throat that hurts so much he stopped drinking", "report_infection_sign"),
    # "never ... this high" compares with before: a fever now
    ("she's never had a fever this high", "report_fever"),
    ("never had a fever like this before, 39.2", "report_fever"),
    ("he's never been this hot", "report_fever"),
]

NOT_NOW = [
    "she has no fever, i'm just reading up",
    "he doesn't have a fever, what is an anc",
    "if she gets a fever, what do I do?",
    "what counts as a fever?",
    "can neutropenia cause fevers?",
    "my son has neutropenia, can it cause fevers?",
    "what are the signs of infection?",
    "he takes seizure medicine, can that lower his count?",
    "she had a seizure two years ago, is that related?",
    "her cousin had a fever last week",
    "can i give fever reducer before calling?",
    "her anc is 98",
    "the fever is gone since tuesday",
    "he never had a fever",
]


@pytest.mark.parametrize("text, intent", REPORTS_NOW)
def test_a_report_now_makes_the_message_urgent(entities_of, text, intent):
    assert urgent_intent_for(entities_of(text)) == intent


@pytest.mark.parametrize("text", NOT_NOW)
def test_a_mention_that_is_not_a_report_now_raises_no_alarm(entities_of, text):
    assert counted(entities_of(text)) == []
    assert urgent_intent_for(entities_of(text)) is None


def test_each_verdict_is_named(entities_of):
    verdicts = {
        e["value"]: e["assertion"]
        for e in entities_of(
            "no fever, and if she gets chills, call; her cousin had a cough; he had a seizure last year"
        )
    }
    assert verdicts == {
        "fever": "negated",
        "chills": "hypothetical",
        "cough": "other_person",
        "had a seizure": "historical",
    }


def ranking(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_a_report_read_as_a_question_is_promoted_to_first_place(entities_of):
    text = "he has a fever, is that bad with neutropenia?"
    data = {
        "text": text,
        "entities": entities_of(text),
        "intent": {"name": "ask_symptoms", "confidence": 0.7},
        "intent_ranking": ranking(("ask_symptoms", 0.7), ("report_fever", 0.2)),
    }
    assert reconcile_intent(data) == "read as report_fever"
    assert data["intent"] == {"name": "report_fever", "confidence": 1.0}
    assert [r["name"] for r in data["intent_ranking"]] == ["report_fever", "ask_symptoms"]


def test_a_negated_mention_read_as_urgent_falls_back_to_the_best_question(entities_of):
    text = "she has no fever, what is an anc"
    data = {
        "text": text,
        "entities": entities_of(text),
        "intent": {"name": "report_fever", "confidence": 0.5},
        "intent_ranking": ranking(("report_fever", 0.5), ("ask_anc", 0.4), ("report_infection_sign", 0.1)),
    }
    assert reconcile_intent(data) == "demoted to ask_anc"
    assert data["intent"]["name"] == "ask_anc"
    assert all(r["name"] != "report_fever" for r in data["intent_ranking"])


def test_an_urgent_reading_without_an_urgent_word_keeps_the_classifier(entities_of):
    # "she's just off today" has no pattern; the classifier's urgent reading stands
    data = {
        "text": "she's just off today",
        "entities": [],
        "intent": {"name": "report_infection_sign", "confidence": 0.6},
        "intent_ranking": ranking(("report_infection_sign", 0.6), ("ask_symptoms", 0.3)),
    }
    assert reconcile_intent(data) is None
    assert data["intent"]["name"] == "report_infection_sign"


def test_a_911_sign_outranks_a_fever_reading(entities_of):
    text = "she has a fever and now her lips are blue"
    data = {
        "text": text,
        "entities": entities_of(text),
        "intent": {"name": "report_fever", "confidence": 0.9},
        "intent_ranking": ranking(("report_fever", 0.9)),
    }
    assert reconcile_intent(data) == "read as report_emergency"


def test_a_reading_below_the_threshold_read_as_a_sign_becomes_a_fever_report(entities_of):
    # the triage would otherwise answer the intent with Call now instead of the recheck advice
    text = "37.6 armpit, no cough no chills, do i need to do anything"
    data = {
        "text": text,
        "entities": entities_of(text),
        "intent": {"name": "report_infection_sign", "confidence": 0.5},
        "intent_ranking": ranking(("report_infection_sign", 0.5)),
    }
    assert reconcile_intent(data) == "read as report_fever"


def test_a_911_reading_is_never_lowered(entities_of):
    text = "she's so floppy"
    data = {
        "text": text,
        "entities": entities_of(text),
        "intent": {"name": "report_emergency", "confidence": 0.7},
        "intent_ranking": ranking(("report_emergency", 0.7)),
    }
    assert reconcile_intent(data) is None


def test_an_urgent_reading_taken_back_with_no_likely_question_gets_when_to_call(entities_of):
    text = "what if he has a seizure at school"
    data = {
        "text": text,
        "entities": entities_of(text),
        "intent": {"name": "report_emergency", "confidence": 0.8},
        "intent_ranking": ranking(("report_emergency", 0.8), ("ask_gcsf", 0.05), ("greet", 0.05)),
    }
    verdict = reconcile_intent(data, not_a_report="ask_when_to_call", not_a_report_below=0.3)
    assert verdict == "demoted to ask_when_to_call"
    assert data["intent"] == {"name": "ask_when_to_call", "confidence": 0.5}  # first: 0.05 of 0.1 is 0.5
    assert data["intent_ranking"][0] == data["intent"]


def test_a_number_that_is_no_temperature_in_a_question_does_not_count(entities_of):
    assert urgent_intent_for(entities_of("i check her for fever like 10 times a day and she never has one")) is None


def test_a_general_mention_the_classifier_cannot_place_gets_when_to_call(entities_of):
    text = "does teething cause a fever? everyone says so"
    data = {
        "text": text,
        "entities": entities_of(text),
        "intent": {"name": "ask_causes", "confidence": 0.2},
        "intent_ranking": ranking(("ask_causes", 0.2), ("ask_when_to_call", 0.15)),
    }
    assert reconcile_intent(data, not_a_report="ask_when_to_call", not_a_report_below=0.3) == "read as ask_when_to_call"
    assert [r["name"] for r in data["intent_ranking"]] == ["ask_when_to_call", "ask_causes"]


# Spanish (issue 13): the same verdicts from the same pipeline (spacy_pipeline/context_terms_es.yml,
# entity_patterns_es.jsonl). This test's own sentences, none from tests/blind/.
SPANISH_REPORTS_NOW = [
    ("mi hija tiene fiebre y escalofríos", "report_fever"),
    ("tiene escalofrios", "report_infection_sign"),  # typed without the accent
    ("el catéter está rojo y le sale pus", "report_infection_sign"),
    ("le arde al hacer pipí", "report_infection_sign"),
    ("no quiere comer y está muy decaído", "report_infection_sign"),
    ("mi niño está hirviendo", "report_fever"),
    ("anda afiebrada", "report_fever"),
    ("no respira bien y tiene los labios azules", "report_emergency"),
    ("mi bebé no se despierta", "report_emergency"),
    ("está convulsionando", "report_emergency"),
    ("se desmayó", "report_emergency"),
    # a "no" that does not negate the mention after it
    ("no se le baja la fiebre", "report_fever"),
    ("no sé si es fiebre pero está muy caliente", "report_fever"),
    ("no para de toser", "report_infection_sign"),
    ("no tiene fiebre pero no quiere comer", "report_infection_sign"),
    ("tiene tos, no tiene fiebre", "report_infection_sign"),
    # an opening "si" typed without its accent may be "sí" (yes): it stays a report
    ("si, tiene escalofríos, ¿qué hago?", "report_infection_sign"),
    ("¿es normal que tenga fiebre?", "report_fever"),  # Spanish drops the subject: it is the child
    ("la semana pasada tuvo fiebre y hoy tiene tos", "report_infection_sign"),
    ("mi esposo tiene gripe y ahora mi hijo tiene fiebre", "report_fever"),
    ("tiene fiebre de 3 días", "report_fever"),  # "días" does not make the fever a count
    ("le está dando un ataque de tos", "report_infection_sign"),  # a coughing fit, not a seizure
    ("tose y si tiene fiebre", "report_fever"),  # "si" may be "sí" (yes): no "what if" outside a question
    ("ni siquiera con tylenol le baja la fiebre", "report_fever"),
    ("no hay forma de bajarle la fiebre", "report_fever"),
    ("no sé desde cuándo tiene fiebre", "report_fever"),
    ("no puedo llevarlo, tiembla", "report_infection_sign"),  # the parent's "no", not the child's
    ("tiene 39, ¿está normal?", "report_fever"),
    ("normalmente está bien, hoy tiene escalofríos", "report_infection_sign"),
    ("tiene la vía roja", "report_infection_sign"),
    ("convulsó", "report_emergency"),  # Caribbean, and any spelling of convulsión
    ("se le pusieron azules los labios", "report_emergency"),
]

SPANISH_NOT_NOW = [
    ("no tiene fiebre", "negated"),
    ("sin fiebre", "negated"),
    ("nada de fiebre", "negated"),
    ("no ha tenido fiebre ni tos", "negated"),
    ("ya se le quitó la fiebre", "resolved"),
    ("la fiebre se le bajó", "resolved"),
    ("si le da fiebre, ¿qué hago?", "hypothetical"),
    ("y si tiene fiebre?", "hypothetical"),
    ("en caso de fiebre, ¿a quién llamo?", "hypothetical"),
    ("¿cuándo debo llamar por fiebre?", "hypothetical"),
    ("¿qué cuenta como fiebre?", "hypothetical"),
    ("¿puedo darle tylenol si tiene fiebre?", "hypothetical"),
    ("tuvo una convulsión hace dos años", "historical"),
    ("le dio neumonía el año pasado", "historical"),
    ("cuando era bebé tuvo convulsiones", "historical"),
    ("mi sobrino tiene fiebre", "other_person"),
    ("yo tengo tos", "other_person"),
    ("¿le doy medicina para la fiebre?", "modifier"),
    ("¿la neutropenia causa fiebre?", "general_question"),
    ("¿las aftas en la boca son por la neutropenia?", "general_question"),  # Spanish "son" is not "my son"
    ("y si tiene fiebre?", "hypothetical"),
    ("¿qué hago si le da una convulsión?", "hypothetical"),
]


@pytest.mark.parametrize("text, intent", SPANISH_REPORTS_NOW)
def test_a_spanish_report_now_makes_the_message_urgent(entities_of, text, intent):
    assert urgent_intent_for(entities_of(text)) == intent


@pytest.mark.parametrize("text, verdict", SPANISH_NOT_NOW)
def test_a_spanish_mention_that_is_not_a_report_now_raises_no_alarm(entities_of, text, verdict):
    entities = entities_of(text)
    assert {e["assertion"] for e in entities if "assertion" in e} == {verdict}, entities
    assert counted(entities) == []


@pytest.mark.parametrize(
    "text",
    [
        "no tiene fiebre, no respira",
        "sin fiebre, no despierta",
        "no tiene fiebre, casi no respira",
        "no fever, not breathing",
    ],
)
def test_an_earlier_negation_never_silences_a_911_sign_that_is_itself_a_negation(entities_of, text):
    # "no respira" starts with the same "no" that negates "no tiene fiebre"
    assert urgent_intent_for(entities_of(text)) == "report_emergency"


# Spanish false alarms the blind evaluation named by class (this test's own sentences): a question
# about "if", another person's sign, a sign that is gone; and, for each, the real report it must
# not silence.
SPANISH_NOT_NOW_BY_CLASS = [
    # an opening "si" with no comma after it, in a sentence that asks, typed without "¿" or accents
    ("si le da vomito y tos, lo llevo a urgencias?", "hypothetical"),
    ("si tiene calentura le puedo dar algo?", "hypothetical"),
    ("si empieza con escalofrios debo llamar?", "hypothetical"),
    ("si tiene diarrea le doy suero?", "hypothetical"),
    ("si tiene fiebre que hago", "hypothetical"),
    # brothers, sisters, other children, adults
    ("mi otro hijo tiene fiebre", "other_person"),
    ("su hermanito tiene tos", "other_person"),
    ("la hermana mayor tiene fiebre", "other_person"),
    ("el niño de la guardería tiene diarrea", "other_person"),
    ("un compañero de la escuela tiene fiebre", "other_person"),
    ("los primos tienen gripe y tos", "other_person"),
    ("mi esposo tiene fiebre", "other_person"),
    ("la abuela tiene tos", "other_person"),
    ("yo tengo calentura y escalofrios", "other_person"),
    ("mi otro hijo y su prima tienen fiebre", "other_person"),
    # gone
    ("ya le bajó la fiebre", "resolved"),
    ("ya le bajo la fiebre", "resolved"),
    ("se le pasó la diarrea", "resolved"),
    ("la fiebre ya se le quitó", "resolved"),
    ("tenia fiebre y ya se le quito", "resolved"),
    ("tenía fiebre, ya se le bajó desde anoche", "resolved"),
    ("tuvo diarrea y ya se le pasó", "resolved"),
    ("ya no tiene calentura", "negated"),
    ("ya está sin fiebre desde ayer", "negated"),
    # the weather or a thing, not the child
    ("el clima está frío, puede salir?", "modifier"),
    ("la leche está caliente", "modifier"),
    ("el tiempo está frío", "modifier"),
]

SPANISH_REPORTS_NOT_SILENCED = [
    # "si" typed for "sí" (yes): a comma after it, no question, or a time in its clause
    ("si, tiene fiebre", "report_fever"),
    ("si tiene fiebre desde ayer", "report_fever"),
    ("si tiene fiebre desde ayer, que hago?", "report_fever"),
    ("si, tiene calentura, le doy algo?", "report_fever"),
    ("si tiene fiebre hoy debo llamar?", "report_fever"),
    ("si ya tiene fiebre lo llevo?", "report_fever"),
    ("Si tiene fiebre y esta temblando", "report_fever"),
    ("si tiene 39 le doy tylenol?", "report_fever"),  # a reading at the threshold counts even as "if"
    # the child has it too, or someone else says the child has it
    ("mi hijo y su hermano tienen fiebre", "report_fever"),
    ("su hermano y mi hijo tienen fiebre", "report_fever"),
    ("su hermano tiene fiebre y mi hijo también", "report_fever"),
    ("su hermano tiene fiebre y ella tambien", "report_fever"),
    ("su hermano tiene fiebre y ahora ella tiene tos", "report_infection_sign"),
    ("la abuela lo vio con fiebre", "report_fever"),
    ("la maestra me llamó que tiene fiebre", "report_fever"),
    ("la abuela dice que tiene fiebre", "report_fever"),
    ("mi hijo y yo tenemos tos", "report_infection_sign"),
    # a fever that went down and came back, or a sign that stays
    ("ya le bajó la fiebre pero le volvió a subir", "report_fever"),
    ("ya le bajó la fiebre y le volvió a subir", "report_fever"),
    ("le baja y le vuelve a subir la fiebre", "report_fever"),
    ("ya le bajó la fiebre, pero sigue con escalofríos", "report_infection_sign"),
    ("le bajó la fiebre con el tylenol pero ahora tiene 39", "report_fever"),
    ("hoy hace frío y está frío", "report_infection_sign"),
    ("ya le bajó la fiebre con el paracetamol pero sigue caliente", "report_fever"),
    ("ya le bajó la temperatura a 38.5", "report_fever"),  # the reading it went down to
    ("si, si tiene fiebre, que hago?", "report_fever"),  # "sí, sí": yes, yes
    ("tenía fiebre y ya se le quitó pero le volvió a subir", "report_fever"),
    ("tiene fiebre y ya se le quitó la tos", "report_fever"),  # the cough is gone, not the fever
    ("tiene fiebre y ya no quiere comer", "report_fever"),
    ("todo el tiempo está caliente", "report_fever"),  # the child, all the time: not the weather
    ("si no respira que hago", "report_emergency"),  # may be "sí, no respira": a 911 sign is never a "what if"
    ("si tiene escalofrios y temblores, la llevo? ahorita tiene 39", "report_fever"),
]


@pytest.mark.parametrize(
    "text",
    [
        "tiene que usar cubrebocas todo el tiempo?",
        "la medicina se guarda a temperatura ambiente?",
        "como va a estar el tiempo mañana",
        "hace mucho frío afuera, puede salir?",
        "¿a qué temperatura guardo la medicina?",
    ],
)
def test_spanish_time_weather_and_room_temperature_are_no_urgent_words(entities_of, text):
    assert counted(entities_of(text)) == []
    assert urgent_intent_for(entities_of(text)) is None


@pytest.mark.parametrize(
    "text, words, kind",
    [
        ("tiene neutropenia cíclica", "neutropenia cíclica", "cyclic"),
        ("es neutropenia ciclica?", "neutropenia ciclica", "cyclic"),
        ("neutropenia congénita", "neutropenia congénita", "congenital"),
        ("qué es la neutropenia congenita severa", "neutropenia congenita severa", "congenital"),
        ("le dijeron síndrome de Kostmann", "síndrome de Kostmann", "congenital"),
        ("neutropenia benigna crónica", "neutropenia benigna crónica", "chronic_benign"),
        ("neutropenia cronica benigna", "neutropenia cronica benigna", "chronic_benign"),
        ("neutropenia idiopática", "neutropenia idiopática", "idiopathic"),
        ("es idiopatica", "idiopatica", "idiopathic"),
    ],
)
def test_spanish_kinds_of_neutropenia_are_named_with_their_kind(spacy_pipeline, text, words, kind):
    found = [(ent.text, ent.ent_id_) for ent in spacy_pipeline(text).ents if ent.label_ == "neutropenia_type"]
    assert found == [(words, kind)]


# Spanish false alarms a second blind batch named by class (this test's own sentences): a person OF
# the child or of someone else, a group of other children, a general statement typed without "¿?";
# and, for each, the real report about the child it must not silence.
SPANISH_OTHERS_AND_GENERAL = [
    # a person noun, "de", whose person: that person's sign, although "mi hijo" is in the sentence
    ("el primo de mi hijo tiene fiebre", "other_person"),
    ("la amiga de mi hija tiene tos", "other_person"),
    ("el compañero de mi niño tiene diarrea", "other_person"),
    ("la maestra de mi hija tiene fiebre y tos", "other_person"),
    ("el hijo de mi vecina tiene fiebre", "other_person"),
    ("el hijo de mi compañero de trabajo tiene calentura", "other_person"),
    ("la hija de mi cuñada tiene diarrea", "other_person"),
    ("el hermano de mi hijo tiene fiebre", "other_person"),
    # groups of other children, a sign going around the school
    ("en el kínder de mi hija hay varios niños con tos", "other_person"),
    ("en la escuela de mi hijo hay varios niños con fiebre", "other_person"),
    ("en la guarderia de mi hija hay niños con diarrea", "other_person"),
    ("todos los niños del salón tienen tos", "other_person"),
    ("hay mucha diarrea en su escuela", "other_person"),
    ("hay un brote de diarrea en la guardería", "other_person"),
    # an article, the sign, what it may be: general, although typed without "¿?"
    ("la diarrea puede ser señal de infección", "general_question"),
    ("la fiebre puede ser algo grave", "general_question"),
    ("los escalofríos son síntoma de infección", "general_question"),
    ("los escalofrios son sintoma de infeccion", "general_question"),
    ("la tos es un signo de infección", "general_question"),
]

SPANISH_CHILD_REPORTS_NOT_SILENCED = [
    # the child's own body, things and readings
    ("la pierna de mi hijo está roja", "report_infection_sign"),
    ("el puerto de mi hija está rojo", "report_infection_sign"),
    ("la temperatura de mi hijo es 39", "report_fever"),
    ("la diarrea de mi hija puede ser señal de infección", "report_infection_sign"),
    # the child named first, or a grandchild (nieto is the child too)
    ("mi hija de 5 años tiene fiebre", "report_fever"),
    ("el hijo de mi hija tiene fiebre", "report_fever"),
    # the other person acts on the child or tells the parent, or the child has it too
    ("la maestra de mi hija dice que tiene fiebre", "report_fever"),
    ("la maestra de mi hija la mandó a casa con fiebre", "report_fever"),
    ("la abuela de mi hijo lo vio con fiebre", "report_fever"),
    ("el compañero de mi hijo le pegó la gripa y ahora tiene fiebre", "report_fever"),
    ("el primo de mi hijo tiene fiebre y mi hijo también", "report_fever"),
    ("la amiga de mi hija tiene tos y mi hija tiene fiebre", "report_fever"),
    ("el primo de mi hijo tiene fiebre, mi hijo tiene escalofríos", "report_infection_sign"),
    # the child among the group, or a sign of the child's own at school
    ("en la guardería hay varios niños con tos y mi hija tiene fiebre", "report_fever"),
    ("hay mucha diarrea en su escuela y ella también tiene", "report_infection_sign"),
    ("le dio fiebre en la escuela", "report_fever"),
    ("mis niños tienen fiebre", "report_fever"),
    ("tengo a mis niños con fiebre", "report_fever"),
    ("hay mucha pus en el catéter", "report_infection_sign"),
    # a general word next to the child's own sign: the child's sign escalates
    ("tiene diarrea, puede ser señal de infección", "report_infection_sign"),
    ("tose mucho, puede ser señal de infección", "report_infection_sign"),  # no article: the child
    ("la fiebre puede ser grave y ella tiene 39", "report_fever"),
    ("la fiebre puede ser señal de infección, tiene 39", "report_fever"),
    ("la convulsión puede ser por la fiebre", "report_emergency"),  # never a 911 sign
]


@pytest.mark.parametrize("text, verdict", SPANISH_OTHERS_AND_GENERAL)
def test_a_spanish_sign_of_another_person_a_group_or_a_general_statement_raises_no_alarm(entities_of, text, verdict):
    entities = entities_of(text)
    assert {e["assertion"] for e in entities if "assertion" in e} == {verdict}, entities
    assert counted(entities) == []


@pytest.mark.parametrize("text, intent", SPANISH_CHILD_REPORTS_NOT_SILENCED)
def test_a_spanish_report_about_the_child_next_to_another_person_or_a_general_word_still_escalates(
    entities_of, text, intent
):
    assert urgent_intent_for(entities_of(text)) == intent


# A fever yesterday that the parent says is gone today: the English reads it as a report (a fever
# in a child with neutropenia needs the care team even when it went down), and so does the Spanish.
@pytest.mark.parametrize(
    "text",
    [
        "he had a fever yesterday but he's fine now",
        "had a fever yesterday but fine now",
        "she had a fever last night but she's fine today",
        "ayer tuvo fiebre pero hoy amaneció bien",
        "ayer tuvo fiebre pero ya está bien",
        "ayer tuvo fiebre pero ya anda normal",
        "ayer tuvo fiebre y hoy amanecio bien",
        "tuvo calentura anoche pero ya está bien",
    ],
)
def test_a_fever_yesterday_said_fine_today_is_still_a_report_in_english_and_spanish(entities_of, text):
    assert urgent_intent_for(entities_of(text)) == "report_fever"


# Spanish false alarms a third blind batch named by class (this test's own sentences): a fever gone
# said with other verbs, a fear or a "never", a "cuando" + subjunctive question, a sign long past
# (a life stage or "eso fue hace meses" later in the sentence), the parent's own or an animal's sign;
# and, for each, the real report about the child it must not silence.
SPANISH_NOT_NOW_ROUND_3 = [
    # 1. gone, other verbs
    ("ya le pasó la calentura", "resolved"),
    ("le bajó la fiebre y ahora está jugando", "resolved"),
    ("se le fue la fiebre", "resolved"),
    ("ya le pasó el dolor de garganta", "resolved"),
    # 2. "nunca" + a present perfect; a fear of what may come
    ("nunca ha convulsionado pero me da miedo que le pase", "negated"),
    ("nunca se ha desmayado", "negated"),
    ("tengo miedo de que le dé fiebre", "hypothetical"),
    ("tengo miedo que le dé fiebre", "hypothetical"),
    ("me preocupa que le salgan llagas", "hypothetical"),
    # 3. "cuando" + a subjunctive: when it happens
    ("cuando le salgan llagas tengo que llamar?", "hypothetical"),
    ("cuando tenga fiebre qué hago?", "hypothetical"),
    ("cuando empiece con escalofrios debo llamar", "hypothetical"),
    ("cuando le aparezca pus en el catéter lo llevo?", "hypothetical"),
    # 4. a life stage, or a later "eso fue" + a time long past
    ("de chiquito se desmayó una vez", "historical"),
    ("de bebé tuvo convulsiones", "historical"),
    ("cuando era más chiquita tuvo convulsiones", "historical"),
    ("de pequeña le dio neumonía", "historical"),
    ("en la primera quimio le dio diarrea pero eso ya pasó hace meses", "historical"),
    ("le dio diarrea pero eso fue el año pasado", "historical"),
    ("in his first chemo he got diarrhea but that was months ago", "historical"),
    # 5. the parent (not an animal: see below)
    ("soy yo la que tiene escalofríos", "other_person"),
    ("yo la mamá tengo tos, puedo darle pecho?", "other_person"),
    ("en la escuela hay varios chicos con diarrea", "other_person"),
    ("q pasa si le da fiebre en la noche", "hypothetical"),
    ("ya se le curaron las aftas y come bien", "resolved"),
    ("yo soy el que tiene fiebre", "other_person"),
    ("yo ando con diarrea", "other_person"),
    ("a mí me dio fiebre", "other_person"),
    ("i'm the one with chills", "other_person"),
]

SPANISH_REPORTS_NOT_SILENCED_ROUND_3 = [
    # 1. not gone: it came back, only partly, did not go down, or a reading stays
    ("le baja y le vuelve a subir la fiebre", "report_fever"),
    ("le bajó la fiebre y le volvió a subir", "report_fever"),
    ("le bajó un poco pero sigue con 38.5", "report_fever"),
    ("le bajó la fiebre un poco", "report_fever"),
    ("le bajó la fiebre pero poquito", "report_fever"),
    ("no le bajó la fiebre", "report_fever"),
    ("ni con tylenol le bajó la fiebre", "report_fever"),
    ("tampoco le bajó la fiebre", "report_fever"),
    ("no sé si le bajó la fiebre", "report_fever"),
    ("le bajó la fiebre pero ahora tiene escalofríos", "report_infection_sign"),
    ("tenía fiebre y ya se le compuso", "report_fever"),  # "fine now", as in English
    ("ya le pasó la fiebre a su hermano", "report_fever"),  # passed on, not passed
    ("le bajó la fiebre al rato pero volvió", "report_fever"),
    # 2. never like now, never gone, a fear that says it has it, a fear next to a report
    ("nunca había tenido fiebre", "report_fever"),
    ("nunca había convulsionado", "report_emergency"),
    ("nunca ha tenido fiebre así", "report_fever"),
    ("nunca le ha dado tanta fiebre", "report_fever"),
    ("nunca había tenido fiebre hasta hoy", "report_fever"),
    ("nunca ha dejado de tener fiebre", "report_fever"),
    ("nunca se le ha quitado la fiebre", "report_fever"),
    ("tengo miedo, tiene fiebre", "report_fever"),
    ("me da miedo que le suba más la fiebre", "report_fever"),
    ("qué hago si sigue con fiebre", "report_fever"),
    ("tengo miedo que le dio fiebre por mi culpa", "report_fever"),  # a past: it happened
    # 3. "cuando" + a past is a report; a reading now after the question
    ("cuando le tomé la temperatura tenía 39", "report_fever"),
    ("cuando la recogí tenía fiebre", "report_fever"),
    ("cuando se despertó tenía escalofríos", "report_infection_sign"),
    ("cuando le pase la fiebre le doy de comer?", "report_fever"),  # it has the fever now
    ("cuando tenga fiebre qué hago? ahorita tiene 38.5", "report_fever"),
    # 4. a past time, then now; a recent time; something now in the sentence
    ("de bebé tuvo convulsiones y hoy tiene fiebre", "report_fever"),
    ("de chiquito le daba fiebre seguido, ahorita tiene 39", "report_fever"),
    ("se desmayó, eso fue hace un rato", "report_emergency"),
    ("tiene una herida de pequeño tamaño y está roja", "report_infection_sign"),  # a size, no life stage
    ("tiene fiebre y en la primera quimio le dio diarrea pero eso fue hace meses", "report_fever"),
    ("he has a fever and he got diarrhea but that was months ago", "report_fever"),
    # 5. the child too, or the animal acts on the child
    ("soy yo la que tiene escalofríos, mi hija tiene fiebre", "report_fever"),
    ("soy yo la que le tomó la temperatura y tiene 39", "report_fever"),
    ("yo la llevo, tiene fiebre", "report_fever"),
    ("el perro tiene diarrea y mi hijo también", "report_infection_sign"),
    ("el perro lo mordió y tiene fiebre", "report_fever"),
    ("jugó con el perro y tiene diarrea", "report_infection_sign"),  # the animal is no subject
    ("he played with the dog and has diarrhea", "report_infection_sign"),
    ("soy yo la que lo baña y tiene fiebre", "report_fever"),  # the parent's verb is "baña"
    ("the dog bit him and his hand is red", "report_infection_sign"),
    ("i'm the one with chills, she has a fever", "report_fever"),
    # an animal is never an "other person": the wound it made is the child's (a false alarm for
    # "the dog has diarrhea" is the price)
    ("the scratch from our cat is red and swollen", "report_infection_sign"),
    ("la herida que le hizo el gato está roja y con pus", "report_infection_sign"),
    ("el perro tiene diarrea", "report_infection_sign"),
    # intensifiers, diminutives and effort: "se siente muy caliente", "se puso moradito",
    # "respira con mucho esfuerzo"
    ("mi hijo tiene fiebre, q pasa si no baja", "report_fever"),
    ("se le curó la herida pero ahora tiene fiebre", "report_fever"),
    ("se ve malísimo, no sé qué tiene", "report_infection_sign"),
    ("la nena se siente muy caliente", "report_fever"),
    ("lo toco y lo siento bien calientito", "report_fever"),
    ("se puso moradito de la boca", "report_emergency"),
    ("el bebé está como grisecito", "report_emergency"),
    ("respira con mucho esfuerzo", "report_emergency"),
    ("está respirando con dificultad", "report_emergency"),
]


# "si" + an imperfect subjunctive (a fresh blind batch: "si mi niño tuviera una convulsión, ¿llamo
# al 911 o al hospital?" got Call 911): hypothetical, for a 911 sign too, with words between; and
# what must stay a report: an opening "si" with a present verb before a 911 sign (may be "sí"),
# "sí" itself, a subjunctive in another clause, a subjunctive of another kind
SPANISH_SUBJUNCTIVE_IF = [
    ("si mi hijo tuviera una convulsión qué hago", "hypothetical"),
    ("si a mi hija le diera fiebre en la noche, a quién llamo?", "hypothetical"),
    ("si el bebé tuviera los labios morados llamo al 911?", "hypothetical"),
    ("y si le llegara a dar calentura?", "hypothetical"),
    ("si mi nena estuviera con escalofríos la llevo a urgencias?", "hypothetical"),
    ("si mi hijo tuviese convulsiones", "hypothetical"),
]
SPANISH_SUBJUNCTIVE_IF_REPORTS = [
    ("si mi hijo tiene una convulsión qué hago", "report_emergency"),
    ("sí, tiene una convulsión", "report_emergency"),
    ("si tuviera que adivinar, tiene fiebre desde ayer", "report_fever"),
    ("ojalá se le quitara, tiene fiebre", "report_fever"),
    ("si, no respira", "report_emergency"),
]


@pytest.mark.parametrize("text, verdict", SPANISH_SUBJUNCTIVE_IF)
def test_a_spanish_if_with_an_imperfect_subjunctive_is_a_hypothetical_even_for_a_911_sign(entities_of, text, verdict):
    entities = entities_of(text)
    assert {e["assertion"] for e in entities if "assertion" in e} == {verdict}, entities
    assert counted(entities) == []


@pytest.mark.parametrize("text, intent", SPANISH_SUBJUNCTIVE_IF_REPORTS)
def test_an_opening_si_without_a_subjunctive_before_the_sign_still_escalates(entities_of, text, intent):
    assert urgent_intent_for(entities_of(text)) == intent


@pytest.mark.parametrize("text, verdict", SPANISH_NOT_NOW_BY_CLASS + SPANISH_NOT_NOW_ROUND_3)
def test_a_spanish_sign_gone_feared_asked_about_long_past_or_not_the_childs_raises_no_alarm(entities_of, text, verdict):
    entities = entities_of(text)
    assert {e["assertion"] for e in entities if "assertion" in e} == {verdict}, entities
    assert counted(entities) == []


@pytest.mark.parametrize("text, intent", SPANISH_REPORTS_NOT_SILENCED + SPANISH_REPORTS_NOT_SILENCED_ROUND_3)
def test_a_spanish_report_next_to_a_gone_fear_when_past_or_parent_phrase_still_escalates(entities_of, text, intent):
    assert urgent_intent_for(entities_of(text)) == intent


@pytest.mark.parametrize(
    "text",
    [
        "le bajó la temperatura solita y ahora está jugando",
        "ya se le compuso",
        "ya no tiene nada",
    ],
)
def test_a_spanish_message_that_says_it_is_gone_without_an_urgent_word_loses_an_urgent_reading(spacy_pipeline, text):
    # no urgent word: the context phrase is what keeps the classifier's urgent reading from standing
    doc = spacy_pipeline(text)
    data = {
        "text": text,
        "entities": [],
        "intent": {"name": "report_fever", "confidence": 0.6},
        "intent_ranking": ranking(("report_fever", 0.6), ("ask_when_to_call", 0.3)),
    }
    assert reconcile_intent(data, names_child=True, context_cues=doc._.context_cues) == "demoted to ask_when_to_call"


@pytest.mark.parametrize("text", ["ya le bajó pero le volvió a subir", "le baja y le vuelve a subir"])
def test_a_spanish_fever_that_came_back_without_an_urgent_word_keeps_an_urgent_reading(spacy_pipeline, text):
    doc = spacy_pipeline(text)
    data = {
        "text": text,
        "entities": [],
        "intent": {"name": "report_fever", "confidence": 0.6},
        "intent_ranking": ranking(("report_fever", 0.6), ("ask_when_to_call", 0.3)),
    }
    assert reconcile_intent(data, names_child=True, context_cues=doc._.context_cues) is None
    assert data["intent"]["name"] == "report_fever"
