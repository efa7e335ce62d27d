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
 */
(function () {
  "use strict";

  var config = window.WEBCHAT_CONFIG || {};
  var RASA_URL = config.rasaUrl || "http://localhost:5005";
  var STORAGE_PREFIX = "neutropenia-chat:";
  var SESSION_KEY = STORAGE_PREFIX + "session-id";
  var TRANSCRIPT_KEY = STORAGE_PREFIX + "transcript";
  var LAST_ACTIVE_KEY = STORAGE_PREFIX + "last-active";
  // on a shared computer, the next person should not find a parent's conversation (index.html says so)
  var IDLE_EXPIRY_MS = 24 * 60 * 60 * 1000;
  var MAX_STORED_MESSAGES = 200;
  var MAX_MESSAGE_LENGTH = 500;
  var NO_REPLY_AFTER_MS = 20000;

  // Plain questions, not /intent payloads: they go through the same understanding as typed text.
  var TOPICS = [
    { title: "Causes", payload: "What causes neutropenia?" },
    { title: "Types", payload: "What types of neutropenia are there?" },
    { title: "Symptoms", payload: "What are the symptoms of neutropenia?" },
    { title: "Diagnosis", payload: "How is neutropenia diagnosed?" },
    { title: "Treatment", payload: "How is neutropenia treated?" },
    { title: "My child has a fever", payload: "My child has a fever" }
  ];
  var WELCOME = "Hi, I answer questions about neutropenia: what it is, its causes and types, " +
    "symptoms, diagnosis, treatment, and when to call the care team. Choose a topic or type your " +
    "question. If your child has a fever or any sign of infection, tell me right away.";

  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var status = document.getElementById("chat-status");
  var typing = document.getElementById("chat-typing");
  var newButton = document.getElementById("chat-new");

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
  // A kept conversation whose last message is older than IDLE_EXPIRY_MS (or undated) is forgotten.
  if ((load(SESSION_KEY) || load(TRANSCRIPT_KEY)) && idleTooLong()) {
    forgetAll();
    lastActive = 0;
  }
  function loadTranscript() {
    try {
      var entries = JSON.parse(load(TRANSCRIPT_KEY) || "[]");
      return Array.isArray(entries) ? entries.filter(function (e) {
        return e && (e.from === "user" || e.from === "bot") && typeof e.text === "string";
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
    lastActive = Date.now();
    save(LAST_ACTIVE_KEY, String(lastActive));
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
  function isUrgent(text) {
    return /^\s*call (now|911)/i.test(text);
  }
  // ends with the number as written (shown unbroken)
  function callLabel(tel) {
    if (tel.href === "tel:911") return "Call " + tel.text;
    if (config.afterHoursPhone && telHref(config.afterHoursPhone) === tel.href &&
        telHref(config.afterHoursPhone) !== telHref(config.careTeamPhone || "")) {
      return "After hours: call " + tel.text;
    }
    if (config.careTeamPhone && telHref(config.careTeamPhone) === tel.href) {
      return "Call the care team: " + tel.text;
    }
    return "Call " + tel.text;
  }

  function renderButtons(container, buttons) {
    var group = document.createElement("div");
    group.className = "quick-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested questions");
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
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = entry.from === "user" ? "You said: " : "Assistant: ";
    item.appendChild(who);

    var body = document.createElement("div");
    body.className = "msg-body";
    var tels = [];
    entry.text.split("\n").forEach(function (line) {
      var paragraph = document.createElement("p");
      if (entry.from === "bot" && /^Source:/.test(line)) paragraph.className = "msg-source";
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
        var label = callLabel(tel);
        call.appendChild(document.createTextNode(label.slice(0, label.length - tel.text.length).trim()));
        var number = document.createElement("span");
        number.className = "number";
        number.textContent = tel.text;
        call.appendChild(number);
        actions.appendChild(call);
      });
      item.appendChild(actions);
    }
    if (entry.from === "bot" && entry.buttons && entry.buttons.length) renderButtons(item, entry.buttons);
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

  function setStatus(text, withPhone) {
    status.textContent = "";
    if (!text) return;
    var line = document.createElement("p");
    line.textContent = text;
    if (withPhone && config.careTeamPhone) {
      line.appendChild(document.createTextNode(" "));
      appendLinkified(line, "Care team: " + config.careTeamPhone +
        (config.afterHoursPhone ? " (after hours " + config.afterHoursPhone + ")." : "."), true);
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
    setStatus("No answer yet. If your child has a fever or any sign of infection, don't wait: call the care team now.", true);
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
      setStatus("");
    }
  }
  function stopWaiting() {
    waiting.forEach(function (message) { window.clearTimeout(message.timer); });
    waiting = [];
    noAnswerShown = false;
    updateTyping();
  }

  function emitMessage(item) {
    socket.emit("user_uttered", { message: item.text, session_id: sessionId }, function () { done(item.message); });
  }

  function send(text) {
    text = (text || "").trim().slice(0, MAX_MESSAGE_LENGTH);
    if (!text) {
      input.focus();
      return;
    }
    // a page left open past the idle time starts a new conversation, as a reload would
    if (transcript.length && idleTooLong()) newConversation();
    add({ from: "user", text: text });
    var item = { text: text, message: expectReply() };
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
    if (!noAnswerShown) setStatus("");
    while (queue.length) emitMessage(queue.shift());
  });
  socket.on("bot_uttered", function (message) {
    if (!message || typeof message !== "object") return;
    var text = typeof message.text === "string" ? message.text : "";
    var buttons = Array.isArray(message.quick_replies) ? message.quick_replies
      : (Array.isArray(message.buttons) ? message.buttons : []);
    if (!text && message.attachment && message.attachment.payload && message.attachment.payload.src) {
      text = String(message.attachment.payload.src);
    }
    if (!text && !buttons.length) return;
    replyArrived();
    add({ from: "bot", text: text, buttons: buttons.map(function (b) {
      return { title: String(b.title || b.payload || ""), payload: String(b.payload || b.title || "") };
    }) });
  });
  socket.on("connect_error", function () {
    typing.hidden = true;
    setStatus("The assistant can't be reached right now. Trying again. If your child has a fever or any sign of infection, call the care team now.", true);
  });
  socket.on("disconnect", function (reason) {
    sessionConfirmed = false;
    if (reason !== "io client disconnect") setStatus("Connection lost. Reconnecting…");
  });

  // ---------------------------------------------------------------- page wiring
  function welcome() {
    add({ from: "bot", text: WELCOME, buttons: TOPICS });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
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
  function newConversation() {
    forgetAll();
    transcript = [];
    lastActive = 0;
    sessionId = null;
    queue = [];
    stopWaiting();
    setStatus("");
    log.textContent = "";
    welcome();
    socket.disconnect().connect();
  }
  newButton.addEventListener("click", function () {
    newConversation();
    input.focus();
  });

  // The page's "call now" box: numbers and threshold from the same hospital settings.
  (function fillPage() {
    var phones = document.getElementById("urgent-phones");
    if (phones && config.careTeamPhone) {
      appendLinkified(phones, "Care team: " + config.careTeamPhone, true);
      if (config.afterHoursPhone) {
        phones.appendChild(document.createElement("br"));
        appendLinkified(phones, "Nights, weekends and holidays: " + config.afterHoursPhone, true);
      }
    }
    var urgentText = document.getElementById("urgent-text");
    if (urgentText && config.feverThreshold) {
      urgentText.textContent = "If your child's temperature is " + config.feverThreshold +
        " or higher, or your child has chills or any sign of infection, call your child's care team " +
        "right away, day or night. Give no fever medicine unless the team says so.";
    }
    var brand = document.getElementById("brand-name");
    if (brand && config.hospitalName && !/^the hospital$/i.test(config.hospitalName)) {
      brand.textContent = config.hospitalName;
    }
  })();

  // History first (Rasa does not replay it), then the welcome for a new conversation.
  if (transcript.length) transcript.forEach(render); else welcome();
  if (!sessionConfirmed) setStatus("Connecting to the assistant…");
})();
