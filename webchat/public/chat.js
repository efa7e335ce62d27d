/*
 * The chat widget on the neutropenia page: talks to the Rasa server's socketio channel
 * (credentials.yml: user_uttered / bot_uttered, session_persistence: true).
 *
 * - Everything is rendered with textContent / DOM nodes, never innerHTML: what a parent or the
 *   assistant writes is shown as text, whatever it contains.
 * - Phone numbers in the assistant's replies become tel: links (digits only in the href); the
 *   numbers come from the replies, which take them from the hospital settings.
 * - The session id is kept in localStorage and sent in session_request, so a reload continues the
 *   same conversation; Rasa does not replay history, so the shown transcript is stored too. All
 *   of it is forgotten after IDLE_EXPIRY_MS without a message (the page says so) and by "New
 *   conversation".
 * - Each message waits for its own answer: one that has none after NO_REPLY_AFTER_MS gets the
 *   "no answer yet, call now" notice, whatever happened to the messages before it.
 * - Configuration (window.WEBCHAT_CONFIG) comes from /config.js, written by webchat/server.py.
 * - English or Spanish (issue 13): the page follows the browser's language until the parent
 *   presses "English" or "Español"; that choice is kept with the conversation and sent with each
 *   message (customData.language), and the server answers in it. Every string the widget writes
 *   is in STRINGS, one object per language; the page's own texts are English in index.html
 *   (elements marked data-i18n*) and Spanish in STRINGS.es. `lang` is set on <html> and on each
 *   message, for screen readers.
 */
(function () {
  "use strict";

  var config = window.WEBCHAT_CONFIG || {};
  var RASA_URL = config.rasaUrl || "http://localhost:5005";
  var STORAGE_PREFIX = "neutropenia-chat:";
  var SESSION_KEY = STORAGE_PREFIX + "session-id";
  var TRANSCRIPT_KEY = STORAGE_PREFIX + "transcript";
  var LAST_ACTIVE_KEY = STORAGE_PREFIX + "last-active";
  // set only when the parent presses a language button; otherwise the browser's language is used
  var LANGUAGE_KEY = STORAGE_PREFIX + "language";
  // on a shared computer, the next person should not find a parent's conversation (index.html says so)
  var IDLE_EXPIRY_MS = 24 * 60 * 60 * 1000;
  var MAX_STORED_MESSAGES = 200;
  var MAX_MESSAGE_LENGTH = 500;
  var NO_REPLY_AFTER_MS = 20000;

  // Every string the widget writes, by language; {name} is filled in by text(). The page's own
  // texts (index.html, data-i18n*) are English in the page and Spanish here: pageStrings() reads
  // the English ones from the page, so no string is typed twice.
  // Topic payloads are plain questions, not /intent payloads: they go through the same
  // understanding as typed text.
  var STRINGS = {
    en: {
      welcome: "Hi, I answer questions about neutropenia: what it is, its causes and types, " +
        "symptoms, diagnosis, treatment, and when to call the care team. Choose a topic or type your " +
        "question. If your child has a fever or any sign of infection, tell me right away.",
      topics: [
        { title: "Causes", payload: "What causes neutropenia?" },
        { title: "Types", payload: "What types of neutropenia are there?" },
        { title: "Symptoms", payload: "What are the symptoms of neutropenia?" },
        { title: "Diagnosis", payload: "How is neutropenia diagnosed?" },
        { title: "Treatment", payload: "How is neutropenia treated?" },
        { title: "My child has a fever", payload: "My child has a fever" }
      ],
      suggestedQuestions: "Suggested questions",
      youSaid: "You said: ",
      assistantSaid: "Assistant: ",
      // call buttons: each ends with the number as written (shown unbroken)
      callNumber: "Call {number}",
      callCareTeam: "Call the care team: {number}",
      callAfterHours: "After hours: call {number}",
      statusCareTeam: "Care team: {phone}.",
      statusCareTeamAndAfterHours: "Care team: {phone} (after hours {afterHours}).",
      pageCareTeam: "Care team: {phone}",
      pageAfterHours: "Nights, weekends and holidays: {phone}",
      urgentTextThreshold: "If your child's temperature is {threshold} or higher, or your child has " +
        "chills or any sign of infection, call your child's care team right away, day or night. " +
        "Give no fever medicine unless the team says so.",
      noAnswer: "No answer yet. If your child has a fever or any sign of infection, don't wait: call the care team now.",
      unreachable: "The assistant can't be reached right now. Trying again. If your child has a fever " +
        "or any sign of infection, call the care team now.",
      connectionLost: "Connection lost. Reconnecting…",
      connecting: "Connecting to the assistant…"
    },
    es: {
      welcome: "Hola, respondo preguntas sobre la neutropenia: qué es, sus causas y tipos, los " +
        "síntomas, el diagnóstico, el tratamiento y cuándo llamar al equipo médico. Elija un tema o " +
        "escriba su pregunta. Si su hijo tiene fiebre o cualquier signo de infección, dígamelo de inmediato.",
      topics: [
        { title: "Causas", payload: "¿Qué causa la neutropenia?" },
        { title: "Tipos", payload: "¿Qué tipos de neutropenia hay?" },
        { title: "Síntomas", payload: "¿Cuáles son los síntomas de la neutropenia?" },
        { title: "Diagnóstico", payload: "¿Cómo se diagnostica la neutropenia?" },
        { title: "Tratamiento", payload: "¿Cómo se trata la neutropenia?" },
        { title: "Mi hijo tiene fiebre", payload: "Mi hijo tiene fiebre" }
      ],
      suggestedQuestions: "Preguntas sugeridas",
      youSaid: "Usted dijo: ",
      assistantSaid: "Asistente: ",
      callNumber: "Llame al {number}",
      callCareTeam: "Llame al equipo médico: {number}",
      callAfterHours: "Fuera de horario, llame al {number}",
      statusCareTeam: "Equipo médico: {phone}.",
      statusCareTeamAndAfterHours: "Equipo médico: {phone} (fuera de horario {afterHours}).",
      pageCareTeam: "Equipo médico: {phone}",
      pageAfterHours: "Noches, fines de semana y días feriados: {phone}",
      urgentTextThreshold: "Si la temperatura de su hijo es de {threshold} o más, o si tiene escalofríos " +
        "o cualquier signo de infección, llame de inmediato al equipo médico de su hijo, de día o de " +
        "noche. No le dé medicina para la fiebre a menos que el equipo lo indique.",
      noAnswer: "Todavía no hay respuesta. Si su hijo tiene fiebre o cualquier signo de infección, no " +
        "espere: llame ahora al equipo médico.",
      unreachable: "No podemos comunicarnos con el asistente en este momento. Lo seguimos intentando. " +
        "Si su hijo tiene fiebre o cualquier signo de infección, llame ahora al equipo médico.",
      connectionLost: "Se perdió la conexión. Reconectando…",
      connecting: "Conectando con el asistente…",
      // the page's own texts (index.html's data-i18n* keys)
      page: {
        pageTitle: "La neutropenia en los niños | Children's Hospital",
        pageDescription: "La neutropenia en los niños: qué es, qué vigilar y cuándo llamar al equipo " +
          "médico. Haga sus preguntas a nuestro asistente.",
        skipLink: "Ir al chat",
        department: "Hematología y Oncología",
        languageGroup: "Idioma",
        breadcrumb: "Ruta de navegación",
        crumbConditions: "Enfermedades que tratamos",
        crumbBloodDisorders: "Enfermedades de la sangre",
        crumbNeutropenia: "Neutropenia",
        heading: "La neutropenia en los niños",
        ledeBefore: "Neutropenia quiere decir que un niño tiene muy pocos ",
        ledeTerm: "neutrófilos",
        ledeAfter: ", los glóbulos blancos que combaten las infecciones. Con menos neutrófilos, una " +
          "infección puede volverse grave muy rápido, y la fiebre puede ser el primer y único signo.",
        toChat: "Haga una pregunta a nuestro asistente ↓",
        urgentTitle: "¿Fiebre o un signo de infección? Llame ahora.",
        urgentText: "Si su hijo tiene una temperatura igual o mayor que el límite que le dio el equipo " +
          "médico, escalofríos o cualquier signo de infección, llame de inmediato al equipo médico de " +
          "su hijo, de día o de noche. No le dé medicina para la fiebre a menos que el equipo lo indique.",
        urgent911: "Si le cuesta respirar, tiene los labios azules, tiene una convulsión o no lo puede despertar:",
        call911: "llame al 911",
        helpTitle: "En qué le puede ayudar nuestro asistente",
        helpIntro: "Pregunte con sus propias palabras. El asistente responde con nuestras páginas revisadas " +
          "para familias y nombra la fuente de cada respuesta:",
        helpWhat: "qué es la neutropenia y qué la causa",
        helpTypes: "los distintos tipos, y cuál puede tener su hijo",
        helpSymptoms: "los síntomas que hay que vigilar",
        helpDiagnosis: "cómo se diagnostica y cómo se trata",
        helpWhenToCall: "cuándo llamar al equipo médico",
        helpNotADiagnosis: "El asistente da información general, no un diagnóstico. El equipo médico de su " +
          "hijo es quien mejor lo conoce: pregúntele por los resultados y el tratamiento de su hijo.",
        chatTitle: "Pregunte a nuestro asistente sobre la neutropenia",
        newConversation: "Nueva conversación",
        chatLog: "Conversación con el asistente",
        typing: "El asistente está escribiendo",
        inputLabel: "Su pregunta",
        inputPlaceholder: "Escriba su pregunta",
        send: "Enviar",
        sendLabel: "Enviar mensaje",
        hint: "Pulse Enter para enviar. Por favor, no escriba el nombre de su hijo ni otros datos personales.",
        kept: "Este navegador guarda la conversación 24 horas después del último mensaje; " +
          "«Nueva conversación» la borra ahora.",
        footer: "Esta página da información general para las familias. No reemplaza los consejos del " +
          "equipo médico de su hijo. En una emergencia, llame al 911."
      }
    }
  };
  var LANGUAGES = ["en", "es"];
  function isLanguage(value) {
    return LANGUAGES.indexOf(value) !== -1;
  }

  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var status = document.getElementById("chat-status");
  var typing = document.getElementById("chat-typing");
  var newButton = document.getElementById("chat-new");
  var languageButtons = Array.prototype.slice.call(document.querySelectorAll(".language-button"));

  // The page's texts: each data-i18n* attribute names the key, and what it fills in (text or an attribute).
  var PAGE_BINDINGS = [
    { attribute: "data-i18n", property: null },
    { attribute: "data-i18n-label", property: "aria-label" },
    { attribute: "data-i18n-placeholder", property: "placeholder" },
    { attribute: "data-i18n-content", property: "content" }
  ];
  function eachPageText(visit) {
    PAGE_BINDINGS.forEach(function (binding) {
      var elements = document.querySelectorAll("[" + binding.attribute + "]");
      Array.prototype.forEach.call(elements, function (element) {
        visit(element, element.getAttribute(binding.attribute), binding.property);
      });
    });
  }
  // the English page texts are index.html's own, read before anything is translated
  STRINGS.en.page = {};
  eachPageText(function (element, key, property) {
    var value = property ? element.getAttribute(property) : element.textContent;
    STRINGS.en.page[key] = (value || "").replace(/\s+/g, " ");
  });
  // read by the browser test (tests/browser/test_spanish_page.py) and by a hospital's own scripts
  window.WEBCHAT_STRINGS = STRINGS;

  // ---------------------------------------------------------------- storage (may be unavailable)
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: no persistence */ }
  }
  // everything this widget keeps in the browser, whatever the key
  function forgetAll() {
    try {
      var keys = [];
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(STORAGE_PREFIX) === 0) keys.push(key);
      }
      keys.forEach(function (key) { window.localStorage.removeItem(key); });
    } catch (e) { /* nothing stored */ }
  }
  var lastActive = Number(load(LAST_ACTIVE_KEY)) || 0;
  function idleTooLong() {
    return Date.now() - lastActive > IDLE_EXPIRY_MS;
  }
  function touch() {
    lastActive = Date.now();
    save(LAST_ACTIVE_KEY, String(lastActive));
  }
  // A kept conversation (or language choice) whose last message or choice is older than
  // IDLE_EXPIRY_MS (or undated) is forgotten.
  if ((load(SESSION_KEY) || load(TRANSCRIPT_KEY) || load(LANGUAGE_KEY)) && idleTooLong()) {
    forgetAll();
    lastActive = 0;
  }

  // ---------------------------------------------------------------- language
  // null until the parent presses a language button: then the server detects each message's language
  var chosenLanguage = isLanguage(load(LANGUAGE_KEY)) ? load(LANGUAGE_KEY) : null;
  var browserLanguage = /^es(-|$)/i.test(window.navigator.language || "") ? "es" : "en";
  var language = chosenLanguage || browserLanguage;

  function text(key, values, inLanguage) {
    var template = STRINGS[inLanguage || language][key];
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && values[name] !== undefined ? String(values[name]) : whole;
    });
  }

  // The language of a text when it shows clearly, or null: the assistant's Spanish replies start
  // with "Llame" (urgent) or end with a "Fuente:" line, its English ones "Call" / "Source:";
  // otherwise the commoner small words of each language decide.
  var SPANISH_WORDS = /^(el|la|los|las|del|que|qué|su|sus|una|por|para|es|está|con|usted|hijo|hija|mi|tiene|cómo|cuándo|llame|equipo|médico|fiebre|signo|puede|hola|gracias)$/;
  var ENGLISH_WORDS = /^(the|of|to|your|is|and|what|how|my|has|with|you|child|are|can|call|care|team|fever|sign|please|hi|thanks)$/;
  function languageOf(message) {
    if (/^\s*llame\b/i.test(message) || /(^|\n)Fuente:/.test(message) || /[¿¡]/.test(message)) return "es";
    if (/^\s*call\b/i.test(message) || /(^|\n)Source:/.test(message)) return "en";
    var spanish = 0, english = 0;
    message.toLowerCase().split(/[^a-záéíóúüñ]+/).forEach(function (word) {
      if (SPANISH_WORDS.test(word)) spanish += 1;
      else if (ENGLISH_WORDS.test(word)) english += 1;
    });
    return spanish > english ? "es" : (english > spanish ? "en" : null);
  }
  // A message's language, for its bubble's lang: its own when it shows (a screen reader must read
  // an English reply in English even when Spanish is chosen), otherwise the one the parent chose
  // (the server answers in it), otherwise the page's ("ok", "101").
  function messageLanguage(message) {
    return languageOf(message) || chosenLanguage || language;
  }

  function loadTranscript() {
    try {
      var entries = JSON.parse(load(TRANSCRIPT_KEY) || "[]");
      return Array.isArray(entries) ? entries.filter(function (e) {
        return e && (e.from === "user" || e.from === "bot") && typeof e.text === "string";
      }).map(function (e) {
        if (!isLanguage(e.lang)) e.lang = language;  // stored by an older version of the widget
        return e;
      }) : [];
    } catch (e) {
      return [];
    }
  }
  var transcript = loadTranscript();
  function remember(entry) {
    transcript.push(entry);
    if (transcript.length > MAX_STORED_MESSAGES) transcript = transcript.slice(-MAX_STORED_MESSAGES);
    save(TRANSCRIPT_KEY, JSON.stringify(transcript));
    touch();
  }

  // ---------------------------------------------------------------- phone numbers -> tel: links
  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&");
  }
  var knownPhones = [config.careTeamPhone, config.afterHoursPhone].filter(function (p) {
    return typeof p === "string" && /\d/.test(p);
  });
  var LINK_PATTERN = new RegExp(
    // the hospital's own numbers, however they are written (group 1; never matches without them)
    (knownPhones.length ? "(" + knownPhones.map(escapeRegExp).join("|") + ")|" : "((?!))|") +
    // a phone number as written in an answer: (555) 010-0140, 555-010-0140, +1 555 010 0140, ... x12
    "(\\+?\\(?\\d[\\d ().\\/-]{5,}\\d(?:\\s*(?:ext\\.?|x)\\s*\\d{1,6})?)|" +
    "(\\b911\\b)|" +
    "(https?:\\/\\/[^\\s<>\"]*[^\\s<>\".,;:!?)])",
    "gi");

  function telHref(number) {
    var parts = number.split(/\s*(?:ext\.?|x)\s*/i);
    var digits = parts[0].replace(/\D/g, "");
    var plus = /^\s*\+/.test(parts[0]) ? "+" : "";
    var extension = parts[1] ? "," + parts[1].replace(/\D/g, "") : "";
    return "tel:" + plus + digits + extension;
  }
  function looksLikePhone(text) {
    var digits = text.replace(/\s*(?:ext\.?|x)\s*\d+$/i, "").replace(/\D/g, "").length;
    return digits >= 7 && digits <= 15 && !/^\d{4}-\d{2}-\d{2}$/.test(text);
  }

  // Appends `text` to `parent` as text nodes, with phone numbers (and web addresses) as links.
  // Returns the tel: links made, in order.
  function appendLinkified(parent, text, makeLinks) {
    var tels = [];
    var last = 0;
    var match;
    LINK_PATTERN.lastIndex = 0;
    while (makeLinks && (match = LINK_PATTERN.exec(text)) !== null) {
      var found = match[0];
      var before = text.charAt(match.index - 1);
      var isPhone = Boolean(match[1]) || (Boolean(match[2]) && looksLikePhone(found) && !/[\w.]/.test(before));
      var link = null;
      if (isPhone || match[3]) {
        link = document.createElement("a");
        link.href = isPhone ? telHref(found) : "tel:911";
        link.className = "tel-link";
        tels.push({ href: link.getAttribute("href"), text: found });
      } else if (match[4]) {
        var url = null;
        try { url = new URL(found); } catch (e) { url = null; }
        if (url && (url.protocol === "https:" || url.protocol === "http:")) {
          link = document.createElement("a");
          link.href = url.href;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
        }
      }
      if (!link) continue;
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      link.textContent = found;
      parent.appendChild(link);
      last = match.index + found.length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
    return tels;
  }

  // ---------------------------------------------------------------- rendering
  // "Call now: ...", "Call 911 now", "Llame ahora: ...", "Llame al 911 ahora"
  function isUrgent(reply) {
    return /^\s*(call (now|911)|llame (ahora|al 911))/i.test(reply);
  }
  // ends with the number as written (shown unbroken)
  function callLabel(tel, inLanguage) {
    var values = { number: tel.text };
    if (tel.href === "tel:911") return text("callNumber", values, inLanguage);
    if (config.afterHoursPhone && telHref(config.afterHoursPhone) === tel.href &&
        telHref(config.afterHoursPhone) !== telHref(config.careTeamPhone || "")) {
      return text("callAfterHours", values, inLanguage);
    }
    if (config.careTeamPhone && telHref(config.careTeamPhone) === tel.href) {
      return text("callCareTeam", values, inLanguage);
    }
    return text("callNumber", values, inLanguage);
  }

  function renderButtons(container, buttons, inLanguage) {
    var group = document.createElement("div");
    group.className = "quick-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", text("suggestedQuestions", null, inLanguage));
    buttons.forEach(function (button) {
      if (!button || typeof button.title !== "string" || typeof button.payload !== "string") return;
      var element = document.createElement("button");
      element.type = "button";
      element.className = "quick-reply";
      element.textContent = button.title;
      if (button.payload !== button.title) element.title = button.payload;
      element.addEventListener("click", function () { send(button.payload); });
      group.appendChild(element);
    });
    if (group.childNodes.length) container.appendChild(group);
  }

  function render(entry) {
    var item = document.createElement("div");
    item.className = "msg msg-" + entry.from;
    // the whole bubble, its "who said it" and its call buttons included, is in the message's language
    item.lang = entry.lang;
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = text(entry.from === "user" ? "youSaid" : "assistantSaid", null, entry.lang);
    item.appendChild(who);

    var body = document.createElement("div");
    body.className = "msg-body";
    var tels = [];
    entry.text.split("\n").forEach(function (line) {
      var paragraph = document.createElement("p");
      // a line in the other language (the input guard's replies are in English, then Spanish)
      var lineLanguage = languageOf(line);
      if (lineLanguage && lineLanguage !== entry.lang) paragraph.lang = lineLanguage;
      if (entry.from === "bot" && /^(Source|Fuente):/.test(line)) paragraph.className = "msg-source";
      tels = tels.concat(appendLinkified(paragraph, line, entry.from === "bot"));
      body.appendChild(paragraph);
    });
    if (entry.from === "bot" && /^\(.*\)$/.test(entry.text.trim())) item.className += " msg-note";
    item.appendChild(body);

    if (entry.from === "bot" && isUrgent(entry.text) && tels.length) {
      item.className += " msg-urgent";
      var actions = document.createElement("div");
      actions.className = "call-actions";
      var seen = {};
      tels.forEach(function (tel) {
        if (seen[tel.href]) return;
        seen[tel.href] = true;
        var call = document.createElement("a");
        call.className = "call-button";
        call.href = tel.href;
        var label = callLabel(tel, entry.lang);
        call.appendChild(document.createTextNode(label.slice(0, label.length - tel.text.length).trim()));
        var number = document.createElement("span");
        number.className = "number";
        number.textContent = tel.text;
        call.appendChild(number);
        actions.appendChild(call);
      });
      item.appendChild(actions);
    }
    if (entry.from === "bot" && entry.buttons && entry.buttons.length) renderButtons(item, entry.buttons, entry.lang);
    log.appendChild(item);
    if (entry.from === "user") replyStart = null;
    else if (!replyStart) replyStart = item;
    scrollToLatest();
  }

  // Shows the newest messages; a reply taller than the box is shown from its start, so that the
  // first line ("Call now: <number>") is what a parent sees, not the end of the reply.
  var replyStart = null;
  function scrollToLatest() {
    if (replyStart && log.scrollHeight - replyStart.offsetTop > log.clientHeight) {
      log.scrollTop = Math.max(0, replyStart.offsetTop - 8);
    } else {
      log.scrollTop = log.scrollHeight;
    }
  }

  function add(entry) {
    remember(entry);
    render(entry);
  }

  // The notice under the conversation (a STRINGS key, or null for none), kept to be shown again
  // in the other language when the parent switches.
  var statusShown = { key: null, withPhone: false };
  function setStatus(key, withPhone) {
    statusShown = { key: key || null, withPhone: Boolean(withPhone) };
    status.textContent = "";
    if (!key) return;
    var line = document.createElement("p");
    line.textContent = text(key);
    if (withPhone && config.careTeamPhone) {
      line.appendChild(document.createTextNode(" "));
      var phones = { phone: config.careTeamPhone, afterHours: config.afterHoursPhone };
      appendLinkified(line, text(config.afterHoursPhone ? "statusCareTeamAndAfterHours" : "statusCareTeam", phones), true);
    }
    status.appendChild(line);
  }

  // ---------------------------------------------------------------- talking to Rasa
  var sessionId = load(SESSION_KEY);
  var sessionConfirmed = false;
  var queue = [];

  // The messages sent and not yet done with, oldest first. The server acknowledges a message
  // (Socket.IO ack) once it has sent every reply to it, and Rasa answers one message of a
  // conversation at a time, in order: so the replies that arrive belong to the oldest message
  // still waiting. A message with no reply after NO_REPLY_AFTER_MS, or done with none, gets the
  // notice, even when the messages before it were answered.
  var waiting = [];
  var noAnswerShown = false;

  function showNoAnswer() {
    noAnswerShown = true;
    updateTyping();
    setStatus("noAnswer", true);
  }
  function updateTyping() {
    typing.hidden = !waiting.some(function (message) { return !message.replies && !message.late; });
  }
  function expectReply() {
    var message = { replies: 0, late: false };
    message.timer = window.setTimeout(function () {
      message.late = true;
      if (!message.replies) showNoAnswer();
    }, NO_REPLY_AFTER_MS);
    waiting.push(message);
    updateTyping();
    return message;
  }
  function done(message) {
    window.clearTimeout(message.timer);
    var index = waiting.indexOf(message);
    if (index === -1) return;  // "New conversation" has forgotten it
    waiting.splice(index, 1);
    if (!message.replies) showNoAnswer(); else updateTyping();
  }
  function replyArrived() {
    if (waiting.length) waiting[0].replies += 1;
    updateTyping();
    var unanswered = waiting.some(function (message) { return message.late && !message.replies; });
    if (!unanswered && socket.connected) {
      noAnswerShown = false;
      setStatus(null);
    }
  }
  function stopWaiting() {
    waiting.forEach(function (message) { window.clearTimeout(message.timer); });
    waiting = [];
    noAnswerShown = false;
    updateTyping();
  }

  function emitMessage(item) {
    var data = { message: item.text, session_id: sessionId };
    // the language the parent chose, which the server answers in (webchat/socketio_channel.py)
    if (item.language) data.customData = { language: item.language };
    socket.emit("user_uttered", data, function () { done(item.message); });
  }

  function send(text) {
    text = (text || "").trim().slice(0, MAX_MESSAGE_LENGTH);
    if (!text) {
      input.focus();
      return;
    }
    // a page left open past the idle time starts a new conversation, as a reload would
    if (transcript.length && idleTooLong()) newConversation();
    add({ from: "user", text: text, lang: messageLanguage(text) });
    var item = { text: text, language: chosenLanguage, message: expectReply() };
    if (sessionConfirmed) emitMessage(item); else queue.push(item);
  }

  var socket = window.io(RASA_URL, {
    path: "/socket.io",
    // WebSocket only: one connection stays on one Rasa replica behind the load balancer's round
    // robin (deploy/), where each long-polling request could reach another replica, which does
    // not know the socket.
    transports: ["websocket"],
    reconnectionDelayMax: 10000
  });

  socket.on("connect", function () {
    sessionConfirmed = false;
    socket.emit("session_request", { session_id: sessionId });
  });
  socket.on("session_confirm", function (id) {
    var confirmed = typeof id === "string" ? id : (id && id.session_id);
    if (confirmed) {
      sessionId = confirmed;
      save(SESSION_KEY, sessionId);
    }
    sessionConfirmed = true;
    if (!noAnswerShown) setStatus(null);
    while (queue.length) emitMessage(queue.shift());
  });
  socket.on("bot_uttered", function (message) {
    if (!message || typeof message !== "object") return;
    var reply = typeof message.text === "string" ? message.text : "";
    var buttons = Array.isArray(message.quick_replies) ? message.quick_replies
      : (Array.isArray(message.buttons) ? message.buttons : []);
    if (!reply && message.attachment && message.attachment.payload && message.attachment.payload.src) {
      reply = String(message.attachment.payload.src);
    }
    if (!reply && !buttons.length) return;
    replyArrived();
    add({ from: "bot", text: reply, lang: messageLanguage(reply), buttons: buttons.map(function (b) {
      return { title: String(b.title || b.payload || ""), payload: String(b.payload || b.title || "") };
    }) });
  });
  socket.on("connect_error", function () {
    typing.hidden = true;
    setStatus("unreachable", true);
  });
  socket.on("disconnect", function (reason) {
    sessionConfirmed = false;
    if (reason !== "io client disconnect") setStatus("connectionLost");
  });

  // ---------------------------------------------------------------- page wiring
  function welcome() {
    add({ from: "bot", text: text("welcome"), lang: language, buttons: STRINGS[language].topics, welcome: true });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var typed = input.value;
    input.value = "";
    send(typed);
  });

  // "Skip to the chat" puts the cursor in the question box (not only scrolls to it)
  var skipLink = document.querySelector(".skip-link");
  if (skipLink) {
    skipLink.addEventListener("click", function (event) {
      event.preventDefault();
      input.focus();
    });
  }

  // Forgets everything (messages, session id, all this widget stored) and asks for a new session.
  // The language chosen stays: the same parent is at the keyboard.
  function newConversation() {
    forgetAll();
    transcript = [];
    lastActive = 0;
    if (chosenLanguage) {
      save(LANGUAGE_KEY, chosenLanguage);
      touch();
    }
    sessionId = null;
    queue = [];
    stopWaiting();
    setStatus(null);
    log.textContent = "";
    welcome();
    socket.disconnect().connect();
  }
  newButton.addEventListener("click", function () {
    newConversation();
    input.focus();
  });

  // The page in the current language: its own texts, and its "call now" box with the numbers and
  // threshold from the same hospital settings.
  function fillPage() {
    document.documentElement.lang = language;
    eachPageText(function (element, key, property) {
      var value = STRINGS[language].page[key];
      if (property) element.setAttribute(property, value); else element.textContent = value;
    });
    var phones = document.getElementById("urgent-phones");
    if (phones && config.careTeamPhone) {
      phones.textContent = "";
      appendLinkified(phones, text("pageCareTeam", { phone: config.careTeamPhone }), true);
      if (config.afterHoursPhone) {
        phones.appendChild(document.createElement("br"));
        appendLinkified(phones, text("pageAfterHours", { phone: config.afterHoursPhone }), true);
      }
    }
    var urgentText = document.getElementById("urgent-text");
    if (urgentText && config.feverThreshold) {
      urgentText.textContent = text("urgentTextThreshold", { threshold: config.feverThreshold });
    }
    var brand = document.getElementById("brand-name");
    if (brand && config.hospitalName && !/^the hospital$/i.test(config.hospitalName)) {
      brand.textContent = config.hospitalName;
    }
    languageButtons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-language") === language));
    });
  }

  // The parent's choice: kept with the conversation, sent with each message from now on. A
  // conversation that has only the welcome gets the welcome again in the new language; messages
  // already shown stay as they were written.
  function chooseLanguage(chosen) {
    chosenLanguage = chosen;
    language = chosen;
    save(LANGUAGE_KEY, chosen);
    touch();
    fillPage();
    if (statusShown.key) setStatus(statusShown.key, statusShown.withPhone);
    if (transcript.length === 1 && transcript[0].welcome && transcript[0].lang !== chosen) {
      transcript = [];
      log.textContent = "";
      welcome();
    }
  }
  languageButtons.forEach(function (button) {
    button.addEventListener("click", function () { chooseLanguage(button.getAttribute("data-language")); });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".language-switch"), function (group) {
    group.hidden = false;  // a page without this script has no use for the buttons
  });
  fillPage();

  // History first (Rasa does not replay it), then the welcome for a new conversation.
  if (transcript.length) transcript.forEach(render); else welcome();
  if (!sessionConfirmed) setStatus("connecting");
})();
