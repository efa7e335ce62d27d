"""What the parent reports now, read from their words: the spaCy pipeline's verdict on each urgent
mention (spacy_pipeline/urgent_context.py on context_terms*.yml) and the one decision the Rasa
server's NLU reader makes from them (clinical/triage.py), through the reader's own `process`.

Three outcomes, by design (docs/understanding.md): a call (Call now or Call 911), the question
"does your child have this now?" when a cue may or may not govern a mention, or no alarm when a
cue clearly says the child does not have it now. The sentences are this test's own, written from
the kinds named in clinical-rules.md and the understanding issues; none comes from the blind sets.
"""

import pytest

from clinical.vocabulary import (
    CALL_911,
    CALL_NOW_FEVER,
    CALL_NOW_READING,
    CALL_NOW_SIGN,
    CONFIRM_READING,
    CONFIRM_URGENT,
    NO_DECISION,
    RECHECK,
    REPORT_EMERGENCY,
    REPORT_FEVER,
)


def decision(parse, text, intent="ask_what_is_neutropenia"):
    return parse(text, intent)["triage"]["decision"]


# A report now, in English and Spanish: a call, whatever the classifier read the message as.
CALLS = [
    ("he has a fever, is that bad with neutropenia?", CALL_NOW_FEVER),
    # "when" opening a sentence without a verb of asking is a time, not a question
    ("when she got up from her nap she was clammy and shivering", CALL_NOW_SIGN),
    # unwell in a parent's words: feeling ill, asleep mid-play, "that's not like her"; a range of readings
    ("my son says he feels really ill and just wants to lie on the sofa", CALL_NOW_SIGN),
    ("she fell asleep in the middle of her dinner, that's not like her", CALL_NOW_SIGN),
    ("his temp has been in the high thirty eights since lunch", CALL_NOW_FEVER),
    # a rule's word counts only right after the number: "which means" between is the parent's reading
    ("she's 38.5 which means call right?", CALL_NOW_READING),
    # nobody can wake the child: 911, in both languages
    ("no one can wake him up, his lips look grey", CALL_911),
    ("nadie lo puede despertar", CALL_911),
    # the parent's own state stops at the parent: the child's sign after it is still a call
    ("i'm worried about her cough", CALL_NOW_SIGN),
    ("I'm shaking, he's so floppy", CALL_NOW_SIGN),
    # "we" is the parent with the child: "we're at 101.2 now" is the child's reading
    ("what happens if she reaches 101? we're at 101.2 now", CALL_NOW_READING),
    # sleeping most of a day is unusually sleepy
    ("he slept like 20 hours since chemo yesterday and threw up twice", CALL_NOW_SIGN),
    ("durmió casi 20 horas después de la quimio y no ha comido", CALL_NOW_SIGN),
    ("she's been sleeping most of the afternoon, so wiped", CALL_NOW_SIGN),
    # "range" alone is no lab word: a reading "in the range of" is a reading
    ("her temp has been in the range of 38.5 all evening", CALL_NOW_READING),
    # temps counted are fevers: "two temps since lunch"
    ("three temps since lunch and his counts are zero, do we come in?", CALL_NOW_FEVER),
    # a spoken decimal after a lead-in is part of the reading: 100.9 °F, not 100 °F
    ("temp is 100 point 9, i did it rectal", CALL_NOW_READING),
    # fast breathing with any intensifier is a sign; "can barely wake her" is as good as cannot
    ("she is breathing super fast and shallow", CALL_NOW_SIGN),
    ("i can barely wake her up, she just moans", CALL_911),
    # working to breathe is trouble breathing (911); fast breathing is a sign of infection
    ("his breathing is labored and his pulse is pounding", CALL_911),
    ("her left leg has been twitching for 2 full minutes", CALL_911),
    # a fever in words with a softener, a seizure and a very unwell child in parents' words
    ("at 10 he felt a little warm, stuffy nose all day", CALL_NOW_FEVER),
    ("now the fist pounding and full body jolts started again", CALL_911),
    ("no se puede ni mover, la tocas y llora, esta fatal", CALL_NOW_SIGN),
    ("my daughter's temp is 101.3, should i take her in?", CALL_NOW_READING),
    ("i think his ear is infected, he keeps tugging at it", CALL_NOW_SIGN),
    ("no fever but she's shivering", CALL_NOW_SIGN),
    ("no fever, she's shivering", CALL_NOW_SIGN),
    ("oh no she's shivering", CALL_NOW_SIGN),
    ("she can't stop shivering", CALL_NOW_SIGN),
    ("he's not well and coughing a lot", CALL_NOW_SIGN),
    ("the skin around her port is red and swollen", CALL_NOW_SIGN),
    ("not sure if it's a fever but he feels really hot", CALL_NOW_FEVER),
    ("she had a seizure just now", CALL_911),
    ("his lips are blue", CALL_911),
    ("she had a fever last week and now she's coughing", CALL_NOW_SIGN),
    ("my sister (she's 5, mom is at work) won't wake up and her lips look purple", CALL_911),
    ("my husband took her temp and got 101 f", CALL_NOW_READING),
    ("a sore throat that hurts so much he stopped drinking", CALL_NOW_SIGN),
    ("she's never had a fever this high", CALL_NOW_FEVER),
    ("never had a fever like this before, 39.2", CALL_NOW_READING),
    ("he's never been this hot", CALL_NOW_FEVER),
    ("mi hija tiene fiebre y escalofríos", CALL_NOW_SIGN),
    ("tiene escalofrios", CALL_NOW_SIGN),
    ("el catéter está rojo y le sale pus", CALL_NOW_SIGN),
    ("le arde al hacer pipí", CALL_NOW_SIGN),
    ("no quiere comer y está muy decaído", CALL_NOW_SIGN),
    ("mi niño está hirviendo", CALL_NOW_FEVER),
    ("anda afiebrada", CALL_NOW_FEVER),
    ("no respira bien y tiene los labios azules", CALL_911),
    ("mi bebé no se despierta", CALL_911),
    ("está convulsionando", CALL_911),
    ("se desmayó", CALL_911),
    ("no se le baja la fiebre", CALL_NOW_FEVER),
    ("no sé si es fiebre pero está muy caliente", CALL_NOW_FEVER),
    ("no para de toser", CALL_NOW_SIGN),
    ("no tiene fiebre pero no quiere comer", CALL_NOW_SIGN),
    ("tiene tos, no tiene fiebre", CALL_NOW_SIGN),
    ("si, tiene escalofríos, ¿qué hago?", CALL_NOW_SIGN),
    ("¿es normal que tenga fiebre?", CALL_NOW_FEVER),
    ("la semana pasada tuvo fiebre y hoy tiene tos", CALL_NOW_SIGN),
    ("mi esposo tiene gripe y ahora mi hijo tiene fiebre", CALL_NOW_FEVER),
    ("tiene fiebre de 3 días", CALL_NOW_FEVER),
    ("le está dando un ataque de tos", CALL_NOW_SIGN),
    ("tose y si tiene fiebre", CALL_NOW_SIGN),
    ("ni siquiera con tylenol le baja la fiebre", CALL_NOW_FEVER),
    ("no hay forma de bajarle la fiebre", CALL_NOW_FEVER),
    ("no sé desde cuándo tiene fiebre", CALL_NOW_FEVER),
    ("no puedo llevarlo, tiembla", CALL_NOW_SIGN),
    ("tiene 39, ¿está normal?", CALL_NOW_READING),
    ("normalmente está bien, hoy tiene escalofríos", CALL_NOW_SIGN),
    ("tiene la vía roja", CALL_NOW_SIGN),
    ("convulsó", CALL_911),
    ("se le pusieron azules los labios", CALL_911),
    ("si, tiene fiebre", CALL_NOW_FEVER),
    ("si, tiene calentura, le doy algo?", CALL_NOW_FEVER),
    ("su hermano y mi hijo tienen fiebre", CALL_NOW_FEVER),
    ("su hermano tiene fiebre y mi hijo también", CALL_NOW_FEVER),
    ("su hermano tiene fiebre y ella tambien", CALL_NOW_FEVER),
    ("su hermano tiene fiebre y ahora ella tiene tos", CALL_NOW_SIGN),
    ("la abuela lo vio con fiebre", CALL_NOW_FEVER),
    ("la maestra me llamó que tiene fiebre", CALL_NOW_FEVER),
    ("la abuela dice que tiene fiebre", CALL_NOW_FEVER),
    ("mi hijo y yo tenemos tos", CALL_NOW_SIGN),
    ("ya le bajó la fiebre pero le volvió a subir", CALL_NOW_FEVER),
    ("ya le bajó la fiebre y le volvió a subir", CALL_NOW_FEVER),
    ("le baja y le vuelve a subir la fiebre", CALL_NOW_FEVER),
    ("ya le bajó la fiebre, pero sigue con escalofríos", CALL_NOW_SIGN),
    ("le bajó la fiebre con el tylenol pero ahora tiene 39", CALL_NOW_READING),
    ("hoy hace frío y está frío", CALL_NOW_SIGN),
    ("ya le bajó la fiebre con el paracetamol pero sigue caliente", CALL_NOW_FEVER),
    ("ya le bajó la temperatura a 38.5", CALL_NOW_READING),
    ("tenía fiebre y ya se le quitó pero le volvió a subir", CALL_NOW_FEVER),
    ("tiene fiebre y ya no quiere comer", CALL_NOW_SIGN),
    ("todo el tiempo está caliente", CALL_NOW_FEVER),
    ("si tiene escalofrios y temblores, la llevo? ahorita tiene 39", CALL_NOW_READING),
    ("la pierna de mi hijo está roja", CALL_NOW_SIGN),
    ("el puerto de mi hija está rojo", CALL_NOW_SIGN),
    ("la temperatura de mi hijo es 39", CALL_NOW_READING),
    ("mi hija de 5 años tiene fiebre", CALL_NOW_FEVER),
    ("el hijo de mi hija tiene fiebre", CALL_NOW_FEVER),
    ("la maestra de mi hija dice que tiene fiebre", CALL_NOW_FEVER),
    ("la maestra de mi hija la mandó a casa con fiebre", CALL_NOW_FEVER),
    ("la abuela de mi hijo lo vio con fiebre", CALL_NOW_FEVER),
    ("el compañero de mi hijo le pegó la gripa y ahora tiene fiebre", CALL_NOW_FEVER),
    ("el primo de mi hijo tiene fiebre y mi hijo también", CALL_NOW_FEVER),
    ("la amiga de mi hija tiene tos y mi hija tiene fiebre", CALL_NOW_FEVER),
    ("el primo de mi hijo tiene fiebre, mi hijo tiene escalofríos", CALL_NOW_SIGN),
    ("en la guardería hay varios niños con tos y mi hija tiene fiebre", CALL_NOW_FEVER),
    ("hay mucha diarrea en su escuela y ella también tiene", CALL_NOW_SIGN),
    ("le dio fiebre en la escuela", CALL_NOW_FEVER),
    ("mis niños tienen fiebre", CALL_NOW_FEVER),
    ("tengo a mis niños con fiebre", CALL_NOW_FEVER),
    ("hay mucha pus en el catéter", CALL_NOW_SIGN),
    ("la fiebre puede ser grave y ella tiene 39", CALL_NOW_READING),
    ("la convulsión puede ser por la fiebre", CALL_NOW_FEVER),
    ("sí, tiene una convulsión", CALL_911),
    ("ojalá se le quitara, tiene fiebre", CALL_NOW_FEVER),
    ("si, no respira", CALL_911),
    # a reading at or above the threshold the parent reports is not in the past, nor someone
    # else's, because another clause is
    ("102 degrees and her anc was low last week", CALL_NOW_READING),
    ("temp 101.6 and she had her transplant 3 months ago", CALL_NOW_READING),
    ("38.9 and his last chemo was two weeks ago", CALL_NOW_READING),
    ("picked her up from her aunt and uncle's and an hour later she was 38.7", CALL_NOW_READING),
    ("she cries every time she pees, says it stings. no fever though", CALL_NOW_SIGN),
    ("the fever went away yesterday but it came back tonight", CALL_NOW_FEVER),
    ("he had a fever yesterday and the clinic said watch him. now his hands and feet are going purple", CALL_911),
    ("he is only taking a breath every few seconds and I have to shake him to make him breathe", CALL_911),
    ("he feels hot, 99.8", CALL_NOW_FEVER),  # a fever in words is never reassured by a lower reading
    ("hes over our 101 threshold since 7am", CALL_NOW_READING),
    ("she has mouth sores and won't drink", CALL_NOW_SIGN),
    ("she has a fever (101.5) since this morning", CALL_NOW_READING),
    # trouble breathing in a parent's Spanish words
    ("está respirando fatal, cada vez le cuesta más y no termina una frase sin ahogarse", CALL_911),
    ("respira muy mal desde anoche", CALL_911),
    # a day's number is not a reading, a reading next to it is
    ("estamos en el dia 39 y tiene 38,2", CALL_NOW_READING),
    ("we're on day 12 and at 38.9", CALL_NOW_READING),
    ("this cycle she had 38.5 last night", CALL_NOW_READING),
    ("el viernes tuvo 38,5 y hoy sigue con 38,9", CALL_NOW_READING),
]

# May or may not be the child now: the parent is asked ("si" may be "sí", a fear, a relative who
# may be the patient, a cue across "and" or a comma, a reading in a "what if").
ASKED = [
    # "cuando" without its accent is a time, as "when" is; "cuándo" asks
    "cuando se despierta esta confundido y con escalofrios",
    # the name of an admission, not a sign the parent sees now
    "she came in with febrile neutropenia and is much better today, can she go to school?",
    # an "if" may govern two clauses joined by "and"
    "if some kid at the museum gave her something and she starts running a temp, what temp do we call at?",
    # the fever is gone now: the fevers told without a present marker of their own may be over
    "last weeks fever: cultures came back with nothing, they called it a neutropenic fever. hes home now, fever gone.",
    "mi sobrino tiene fiebre",
    "si le da vomito y tos, lo llevo a urgencias?",
    "si tiene calentura le puedo dar algo?",
    "si tiene diarrea le doy suero?",
    "si tiene fiebre que hago",
    "su hermanito tiene tos",
    "los primos tienen gripe y tos",
    "yo tengo calentura y escalofrios",
    "mi otro hijo y su prima tienen fiebre",
    "tenia fiebre y ya se le quito",
    "tenía fiebre, ya se le bajó desde anoche",
    "tuvo diarrea y ya se le pasó",
    "si tiene fiebre desde ayer",
    "si tiene fiebre desde ayer, que hago?",
    "si tiene fiebre hoy debo llamar?",
    "si ya tiene fiebre lo llevo?",
    "Si tiene fiebre y esta temblando",
    "mi hijo y su hermano tienen fiebre",
    "si, si tiene fiebre, que hago?",
    "tiene fiebre y ya se le quitó la tos",
    "si no respira que hago",
    "la maestra de mi hija tiene fiebre y tos",
    "la diarrea puede ser señal de infección",
    "los escalofríos son síntoma de infección",
    "los escalofrios son sintoma de infeccion",
    "la tos es un signo de infección",
    "la diarrea de mi hija puede ser señal de infección",
    "tiene diarrea, puede ser señal de infección",
    "tose mucho, puede ser señal de infección",
    "si a mi hija le diera fiebre en la noche, a quién llamo?",
    "si mi hijo tiene una convulsión qué hago",
    "si tuviera que adivinar, tiene fiebre desde ayer",
    "she had a fever and cough two weeks ago",  # "two weeks ago" may reach back over "and"
    "no fever and coughing a lot",
    "my little brother has a fever",  # a teenager minding a sibling writes so
    "la fiebre puede ser señal de infección, tiene 39",
    # an anniversary: its "today" belongs to the past, so the old sign is asked about, not called
    "two years ago today he was so lethargic we rushed him in, and now look at him",
    # a diagnosis named is a doctor's word, not a sign the parent sees: asked, never a call by itself
    "she has pneumonia",
    "le diagnosticaron otitis",
]

# Clearly not now: no alarm.
NO_ALARM = [
    "thank you for walking me through all of this, i can breathe again",
    # a number that rose, a handout about fevers, a fever of last weekend
    "they gave him G-CSF after the stem cells and his counts spiked, dropped, then slowly came back.",
    "we got a folder of instructions on fevers at her first chemo but i was overwhelmed",
    "we got admitted for a fever last weekend, its been gone since saturday and cultures are negative.",
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
    # number words out of every body range are no temperature, as the digits would not be
    "it's a four day week at clinic, can he still go swimming?",
    "i feel awful asking this, but what is an anc?",
    # a lab sheet's reference range; a word about other people
    "his labs say neutrophils 31% (ref 40-75), what is the absolute count?",
    "the waiting room was full of coughing kids, can we wait in the car?",
    "the fever is gone since tuesday",
    "he never had a fever",
    "no tiene fiebre",
    "sin fiebre",
    "nada de fiebre",
    "no ha tenido fiebre ni tos",
    "ya se le quitó la fiebre",
    "la fiebre se le bajó",
    "si le da fiebre, ¿qué hago?",
    "y si tiene fiebre?",
    "en caso de fiebre, ¿a quién llamo?",
    "¿cuándo debo llamar por fiebre?",
    "¿qué cuenta como fiebre?",
    "¿puedo darle tylenol si tiene fiebre?",
    "tuvo una convulsión hace dos años",
    "le dio neumonía el año pasado",
    "cuando era bebé tuvo convulsiones",
    "yo tengo tos",
    "¿le doy medicina para la fiebre?",
    "¿la neutropenia causa fiebre?",
    "¿las aftas en la boca son por la neutropenia?",
    "y si tiene fiebre?",
    "¿qué hago si le da una convulsión?",
    "si empieza con escalofrios debo llamar?",
    "mi otro hijo tiene fiebre",
    "la hermana mayor tiene fiebre",
    "el niño de la guardería tiene diarrea",
    "un compañero de la escuela tiene fiebre",
    "mi esposo tiene fiebre",
    "la abuela tiene tos",
    "ya le bajó la fiebre",
    "ya le bajo la fiebre",
    "se le pasó la diarrea",
    "la fiebre ya se le quitó",
    "ya no tiene calentura",
    "ya está sin fiebre desde ayer",
    "el clima está frío, puede salir?",
    "la leche está caliente",
    "el tiempo está frío",
    "el primo de mi hijo tiene fiebre",
    "la amiga de mi hija tiene tos",
    "el compañero de mi niño tiene diarrea",
    "el hijo de mi vecina tiene fiebre",
    "el hijo de mi compañero de trabajo tiene calentura",
    "la hija de mi cuñada tiene diarrea",
    "el hermano de mi hijo tiene fiebre",
    "en el kínder de mi hija hay varios niños con tos",
    "en la escuela de mi hijo hay varios niños con fiebre",
    "en la guarderia de mi hija hay niños con diarrea",
    "todos los niños del salón tienen tos",
    "hay mucha diarrea en su escuela",
    "hay un brote de diarrea en la guardería",
    "la fiebre puede ser algo grave",
    "si mi hijo tuviera una convulsión qué hago",
    "si el bebé tuviera los labios morados llamo al 911?",
    "y si le llegara a dar calentura?",
    "si mi nena estuviera con escalofríos la llevo a urgencias?",
    "si mi hijo tuviese convulsiones",
    "her counts are unresponsive to the shots, what else is there",  # a word, not its meaning
    "no fever or cough",
    "the leaflet says not to give tylenol before calling because it can hide a fever",
    # clinical-rules.md: mouth sores that stop the child drinking; drinking fine, they are no sign
    "she has sores on her tongue but she's drinking fine",
    # a reading in parentheses is the fever's it follows
    "her fever from wednesday (102.7) broke overnight",
    # the parent is confused, an office is not responding, a question about preventing an infection
    "i'm so confused about his counts, what is the anc?",
    "the insurance isn't responding to our calls about his meds",
    "la obra social no responde y la medicación no llega",
    "how do i keep her line from getting infected day to day?",
    # a holiday names a past time as a date does
    "she had a fever around christmas but none since, she's doing great",
    "tuvo fiebre en navidad pero desde entonces nada",
    # a weekday with a past verb; the hospital's number is the line, not a reading
    "el viernes tuvo 38,5 y estuvimos ingresados tres días con antibióticos, pero ya pasó",
    # the number of a day is no temperature
    "mi hijo va por el dia 40 post trasplante, es normal que sigan tan bajitos los neutrofilos?",
    "we're on day 40 post transplant and her counts are still low, is that normal?",
]


@pytest.mark.parametrize("text, wanted", CALLS)
def test_a_report_now_gets_its_call(parse, text, wanted):
    assert decision(parse, text) == wanted


@pytest.mark.parametrize("text", ASKED)
def test_a_mention_a_cue_may_or_may_not_govern_gets_the_question(parse, text):
    assert decision(parse, text) == CONFIRM_URGENT


# A reading that may or may not be the child's (a cue may govern it, or it sits in a question or a
# "what if"): "was that your child's temperature today?", never "right now", since once at or above
# the threshold is enough even when it came down. Yes gets its call.
READING_ASKED = [
    # a reading followed by what it means is a rule someone gave, or the page quoted: asked, no call
    "the nurse said a temp of 101 means we come straight in, but is it 100.4?",
    "la enfermera nos dijo 101.5 pero aquí dice 100.4, ¿cuál es?",
    # "got over 104" rose past it, it did not go away: a reading told after "back in march" is asked
    "back in march her fever got over 104 before the biopsy, she has been fever free for weeks",
    "is 38.1 high? that's what she's at now",
    "what if his temp is 38.5?",
    "si tiene 39 le doy tylenol?",
    "his big sister has a cold and 38.6 on the thermometer",
]


@pytest.mark.parametrize("text", READING_ASKED)
def test_a_reading_that_may_be_the_childs_is_asked_about_today(parse, text):
    triage = parse(text)["triage"]
    assert (triage["decision"], triage["if_yes"]) == (CONFIRM_READING, CALL_NOW_READING)


@pytest.mark.parametrize("text", NO_ALARM)
def test_a_mention_clearly_not_now_raises_no_alarm(parse, text):
    assert decision(parse, text) == NO_DECISION


@pytest.mark.parametrize(
    "text, mention, verdict",
    [
        ("she has no fever, i'm just reading up", "fever", "negated"),
        ("the fever is gone since tuesday", "fever", "resolved"),
        ("he got over the fever on tuesday", "fever", "resolved"),
        ("his fever got over 104 tonight", "104", "reported"),
        ("if she gets a fever, what do I do?", "fever", "hypothetical"),
        ("she had a seizure two years ago, is that related?", "had a seizure", "historical"),
        ("her cousin had a fever last week", "fever", "historical"),
        ("el primo de mi hijo tiene fiebre", "tiene fiebre", "other_person"),
        ("her anc is 98", "98", "not_a_temperature"),
        ("segs 22% (ref 42-74)", "42", "not_a_temperature"),
        ("the clinic is full of feverish children", "feverish", "other_person"),
        ("they told us to call at 100.4, she's at 99.8 now", "100.4", "threshold"),
        ("he takes seizure medicine, can that lower his count?", "seizure", "modifier"),
        ("can neutropenia cause fevers?", "fevers", "general_question"),
        ("si tiene fiebre que hago", "tiene fiebre", "unclear"),
        ("she's not breathing", "not breathing", "reported"),
    ],
)
def test_each_verdict_is_named(parse, text, mention, verdict):
    verdicts = {e["value"]: e.get("assertion") for e in parse(text)["entities"]}
    assert verdicts[mention] == verdict


def test_an_earlier_negation_never_silences_a_sign_that_is_itself_a_negation(parse):
    assert decision(parse, "no tiene fiebre, no respira") == CALL_911
    assert decision(parse, "no fever but he can't breathe") == CALL_911


def test_an_aside_in_parentheses_reaches_nothing_outside_it(parse):
    # a teenager minding her sister names their mother in an aside: the signs are the sister's
    assert decision(parse, "my sister (she's 5, mom is at work) won't wake up and her lips look purple") == CALL_911
    assert decision(parse, "my mom (grandma) has a bad cough, is it safe for her to visit?") == NO_DECISION


def test_the_intent_follows_the_decision(parse):
    read = parse("he has a fever, is that bad with neutropenia?", "ask_when_to_call", 0.8)
    assert read["intent"] == {"name": REPORT_FEVER, "confidence": 1.0}
    assert read["intent_ranking"][0]["name"] == REPORT_FEVER
    assert parse("his lips are blue", "report_infection_sign")["intent"]["name"] == REPORT_EMERGENCY


def test_a_report_the_classifier_reads_as_a_question_keeps_the_question_behind_it(parse):
    ranking = [{"name": "ask_anc", "confidence": 0.7}, {"name": "ask_causes", "confidence": 0.3}]
    read = parse("her temp is 38.6 and what is an anc", "ask_anc", 0.7, ranking)
    assert [r["name"] for r in read["intent_ranking"]] == [REPORT_FEVER, "ask_anc", "ask_causes"]


def test_an_urgent_reading_with_nothing_urgent_now_falls_back_to_the_best_question(parse):
    ranking = [{"name": "report_fever", "confidence": 0.6}, {"name": "ask_anc", "confidence": 0.3}]
    read = parse("he doesn't have a fever, what is an anc", "report_fever", 0.6, ranking)
    assert read["intent"]["name"] == "ask_anc"
    assert read["triage"]["decision"] == NO_DECISION


def test_a_report_the_rules_cannot_read_gets_the_question_the_classifier_would_answer(parse):
    # no urgent word, but the classifier reads a report: the readers disagree, so the parent is asked
    read = parse("she's just off today", "report_infection_sign", 0.8)
    assert read["triage"]["decision"] == CONFIRM_URGENT
    assert read["triage"]["if_yes"] == CALL_NOW_SIGN


def test_a_named_but_unreported_urgent_word_the_classifier_cannot_place_gets_when_to_call(parse):
    read = parse("does teething cause a fever?", "ask_symptoms", 0.2)
    assert read["intent"]["name"] == "ask_when_to_call"


def test_a_reading_below_the_threshold_is_a_recheck(parse):
    assert decision(parse, "her temp is 37.4") == RECHECK


@pytest.mark.parametrize(
    "text",
    [
        "ahorita está estable, sin fiebre, 36,8 en la mañana, comiendo bien",
        "hes doing great btw, no fevers at all, 98.6 this morning",
        "routine check before bed showed 37.9 armpit. no cough, no chills, nothing else",
        "le he puesto el termómetro en la axila y marca 37,3, por lo demás está jugando normal, sin tos ni nada",
    ],
)
def test_a_reading_below_the_threshold_beside_no_fever_is_a_recheck_without_the_question(parse, text):
    """Of today or of another time, it is below the threshold: no question whether it was today's."""
    assert decision(parse, text) == RECHECK


def test_the_hospitals_number_beside_a_lower_reading_is_the_line_not_the_reading(parse):
    text = "just checked again and its 100.2. the hospital number is 100.4, do i just keep checking?"
    assert decision(parse, text) == RECHECK
