// The AskIAM web chat: plain DOM, no framework, no network but this server.
"use strict";

(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const sendButton = document.getElementById("send");
  const restartButton = document.getElementById("restart");
  const picker = document.getElementById("user");
  const otherUser = document.getElementById("user-other");
  const otherLabel = document.getElementById("user-other-label");
  // Reasons of a turn that asked for nothing: it was answered, and no question waits.
  const ANSWER_REASONS = new Set(["NOTHING_REQUESTED", "REMOVAL_NOT_HANDLED"]);
  const OTHER = "(other)";  // the picker's last option: a user id typed in (no user id has parentheses)

  // Who the chat speaks as: a person picked from the list, or an id typed in ("Someone else").
  function who() {
    return picker.value === OTHER ? otherUser.value.trim() : picker.value;
  }

  function whoLabel() {
    return picker.value === OTHER ? otherUser.value.trim() : picker.options[picker.selectedIndex].text;
  }

  const labels = window.AskIamLabels;
  const MAX_EVIDENCE = 5;
  // The server's limit on a message (characters, as Python counts them: code points); the counter shows from
  // WARN_AT on, so a long paste is never cut without a word.
  const MAX_CHARS = 4000;
  const WARN_AT = 3600;
  // The conversation survives a reload: its id and what the page showed, per person chatted as, for this tab.
  const STORE_PREFIX = "askiam.chat.";
  const WHO_KEY = "askiam.who";  // the person last chatted as in this tab: a reload chats as them again
  const MAX_KEPT = 200;
  const counter = document.getElementById("counter");

  let conversationId = null;
  let busy = false;
  let transcript = [];  // what the log shows, as entries render() draws again after a reload

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  // ---- what the page shows: entries, drawn once and kept for a reload ------------------------------------------

  function storageKey(user) {
    return STORE_PREFIX + user;
  }

  function save() {
    if (!who()) return;
    try {
      sessionStorage.setItem(storageKey(who()), JSON.stringify({
        conversation_id: conversationId, transcript: transcript.slice(-MAX_KEPT) }));
    } catch (_) { /* storage full or refused: the conversation still works, it just does not survive a reload */ }
  }

  function stored(user) {
    try {
      const saved = JSON.parse(sessionStorage.getItem(storageKey(user)) || "null");
      return saved && Array.isArray(saved.transcript) ? saved : null;
    } catch (_) {
      return null;
    }
  }

  function forget(user) {
    try { sessionStorage.removeItem(storageKey(user)); } catch (_) { /* nothing kept */ }
  }

  function record(entry) {
    transcript.push(entry);
    if (transcript.length > MAX_KEPT) transcript = transcript.slice(-MAX_KEPT);
    render(entry);
    save();
  }

  function render(entry) {
    if (entry.kind === "user") drawUserMessage(entry.text);
    else if (entry.kind === "decision") drawDecision(entry.answer);
    else if (entry.kind === "error") drawError(entry.error);
    else drawNote(entry.text, entry.tone);
    scrollDown();
  }

  function addNote(text, tone) {
    record({ kind: "note", text: text, tone: tone || "" });
  }

  function drawNote(text, tone) {
    log.appendChild(el("div", "note" + (tone ? " note-" + tone : ""), text));
  }

  function drawUserMessage(text) {
    const row = el("div", "row row-user");
    const bubble = el("div", "bubble bubble-user", text);
    bubble.dir = "auto";  // Arabic or Hebrew reads right to left
    row.appendChild(bubble);
    log.appendChild(row);
  }

  function retireCandidates() {
    for (const button of log.querySelectorAll(".candidates button")) {
      button.disabled = true;
    }
  }

  function renderReasons(checks) {
    const failed = checks.filter((check) => !check.passed);
    if (failed.length === 0) return null;
    const block = el("div", "reasons");
    block.appendChild(el("h3", null, "Why"));
    const list = el("ul");
    for (const check of failed) {
      const item = el("li");
      item.dataset.check = check.name;
      item.dir = "auto";
      item.appendChild(el("strong", null, labels.check(check.name)));
      item.appendChild(document.createTextNode(": " + check.detail));
      list.appendChild(item);
    }
    block.appendChild(list);
    return block;
  }

  function renderEvidence(evidence) {
    if (!evidence || evidence.length === 0) return null;
    const block = el("div", "evidence");
    block.appendChild(el("h3", null, "Evidence"));
    const list = el("ul");
    for (const item of evidence.slice(0, MAX_EVIDENCE)) {
      const entry = el("li", "evidence-" + item.kind);
      entry.appendChild(el("span", "kind", labels.evidenceKind(item.kind)));
      const summary = el("span", "summary", item.summary);
      summary.dir = "auto";
      entry.appendChild(summary);
      if (item.source) entry.appendChild(el("span", "source", item.source));
      list.appendChild(entry);
    }
    block.appendChild(list);
    if (evidence.length > MAX_EVIDENCE) {
      block.appendChild(el("div", "more", "and " + (evidence.length - MAX_EVIDENCE) + " more"));
    }
    return block;
  }

  function renderCandidates(clarification) {
    if (!clarification || !clarification.candidates || clarification.candidates.length === 0) return null;
    const block = el("div", "candidates");
    clarification.candidates.forEach((candidate, index) => {
      const button = el("button", "candidate", (index + 1) + ". " + candidate.label);
      button.type = "button";
      button.dataset.number = String(index + 1);
      button.addEventListener("click", () => send(String(index + 1), false));
      block.appendChild(button);
    });
    return block;
  }

  function drawDecision(answer) {
    const row = el("div", "row row-bot");
    const bubble = el("div", "bubble bubble-bot decision");
    bubble.dataset.decision = answer.decision;
    const head = el("div", "decision-head");
    // A turn that files nothing (an answer to a question, a withdrawal, a refusal to guess) is an answer, not a
    // question waiting: no "Needs clarification" badge, and no request id of its own beside ids it speaks of.
    const answered = answer.decision === "NEEDS_CLARIFICATION" && ANSWER_REASONS.has(answer.reason);
    bubble.dataset.answer = answered ? "true" : "false";
    const badge = answered ? el("span", "badge badge-answer", "Answer")
      : el("span", "badge badge-" + answer.decision.toLowerCase().replace(/_/g, "-"), labels.decision(answer.decision));
    badge.title = answered ? answer.reason : answer.decision;
    head.appendChild(badge);
    if (answer.reason && answer.decision !== "NEEDS_CLARIFICATION") {
      const reason = el("span", "reason-code", labels.reason(answer.reason));
      reason.dataset.reason = answer.reason;
      head.appendChild(reason);
    }
    // Confidence only matters where it decided: an approval, or a request sent to an approver.
    const weighed = answer.decision === "APPROVED" || answer.decision === "PENDING_APPROVAL";
    if (weighed && answer.confidence !== null && answer.confidence !== undefined) {
      head.appendChild(el("span", "confidence", "confidence " + Math.round(answer.confidence * 100) + "%"));
    }
    if (!answered) head.appendChild(el("span", "request-id", answer.request_id));
    bubble.appendChild(head);
    const message = el("p", "message", answer.message);
    message.dir = "auto";
    bubble.appendChild(message);
    for (const part of [renderReasons(answer.checks || []), renderEvidence(answer.evidence),
                        renderCandidates(answer.clarification)]) {
      if (part) bubble.appendChild(part);
    }
    row.appendChild(bubble);
    log.appendChild(row);
  }

  function drawError(error) {
    const row = el("div", "row row-bot");
    const bubble = el("div", "bubble bubble-bot bubble-error");
    bubble.appendChild(el("span", "badge badge-error", error.code));
    const message = el("p", "message", error.message);
    message.dir = "auto";
    bubble.appendChild(message);
    row.appendChild(bubble);
    log.appendChild(row);
  }

  // The conversation kept for this person (after a reload, or on coming back to them in the picker): drawn again,
  // with the question still open answerable by its buttons.
  function restore(user) {
    const saved = stored(user);
    conversationId = saved && typeof saved.conversation_id === "string" ? saved.conversation_id : null;
    transcript = saved ? saved.transcript : [];
    for (const entry of transcript) render(entry);
    retireCandidates();
    const last = transcript[transcript.length - 1];
    if (conversationId && last && last.kind === "decision") {
      const open = log.querySelectorAll(".decision");
      for (const button of open[open.length - 1].querySelectorAll(".candidates button")) button.disabled = false;
    }
    return transcript.length > 0;
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    input.disabled = value;
    picker.disabled = otherUser.disabled = value;  // an answer is kept for the person who asked
    log.setAttribute("aria-busy", value ? "true" : "false");
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (_) {
      return null;
    }
  }

  // One key per message: a retried request is answered once, never decided twice.
  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    return "web-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function characters(text) {
    return Array.from(text).length;  // code points, as the server counts them (an emoji is one, not two)
  }

  function updateCounter() {
    const length = characters(input.value.trim());
    const over = length > MAX_CHARS;
    counter.hidden = length < WARN_AT;
    counter.classList.toggle("counter-over", over);
    input.setAttribute("aria-invalid", over ? "true" : "false");
    const count = length.toLocaleString("en") + " / " + MAX_CHARS.toLocaleString("en") + " characters";
    counter.textContent = over ? count + ": " + (length - MAX_CHARS).toLocaleString("en") +
      " too many. Shorten the message to send it." : count;
  }

  async function post(message) {
    const body = { text: message };
    if (conversationId) body.conversation_id = conversationId;
    const response = await fetch("/chat", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Authorization": "Bearer dev:" + who(),
        "Idempotency-Key": newKey(),
      },
      body: JSON.stringify(body),
    });
    return { response: response, answer: await readJson(response) };
  }

  function errorCode(answer) {
    return answer && answer.error ? answer.error.code : null;
  }

  // Sends a message; `typed` when it came from the input, which is emptied once it is sent and given its text
  // back when the send fails (a rate limit, a lost server), so nothing typed is lost.
  async function send(text, typed) {
    const message = text.trim();
    if (!message || busy) return;
    if (!who()) {
      addNote(picker.value === OTHER ? "Type the user id you chat as first." : "Pick who you are first.", "warn");
      if (picker.value === OTHER) otherUser.focus();
      return;
    }
    if (characters(message) > MAX_CHARS) {
      updateCounter();
      counter.hidden = false;
      return;
    }
    retireCandidates();
    record({ kind: "user", text: message });
    if (typed) input.value = "";
    updateCounter();
    setBusy(true);
    let answered = false;
    try {
      let { response, answer } = await post(message);
      if (errorCode(answer) === "CONVERSATION_TOO_LONG" && conversationId) {
        // The server ends a conversation after a number of turns: carry on in a new one, as "New" would.
        conversationId = null;
        addNote("That conversation reached its length limit, so this message started a new conversation.");
        ({ response, answer } = await post(message));
      }
      if (response.ok && answer) {
        conversationId = answer.conversation_id;
        record({ kind: "decision", answer: answer });
        answered = true;
      } else if (answer && answer.error) {
        if (answer.error.code === "CONVERSATION_NOT_FOUND") conversationId = null;
        record({ kind: "error", error: answer.error });
      } else {
        record({ kind: "error", error: { code: "HTTP_" + response.status,
                                         message: "The server answered " + response.status + "." } });
      }
    } catch (failure) {
      record({ kind: "error", error: { code: "OFFLINE", message: "The AskIAM server could not be reached." } });
    } finally {
      setBusy(false);
      if (typed && !answered && !input.value) {
        input.value = message;
        updateCounter();
      }
      save();
      input.focus();
    }
  }

  // A new conversation for the person chatted as: the log starts empty and nothing of the last one is kept.
  function restart(reason) {
    if (who()) forget(who());
    conversationId = null;
    transcript = [];
    log.replaceChildren();
    drawNote(reason);  // not kept: a reload right after shows the new conversation as new
  }

  // Another person chosen: their own conversation, if this tab has one, or a new one.
  function switchUser() {
    log.replaceChildren();
    if (restore(who())) drawNote("Chatting as " + whoLabel() + ", continuing where you left off.");
    else {
      conversationId = null;
      transcript = [];
      addNote("Chatting as " + whoLabel() + ". New conversation.");
    }
    picker.title = whoLabel();
    try { sessionStorage.setItem(WHO_KEY, who()); } catch (_) { /* not kept */ }
    scrollDown();
  }

  async function loadUsers() {
    try {
      const response = await fetch("/demo/users");
      const answer = await readJson(response);
      if (!response.ok || !answer) {
        addNote("Demo users are only offered when AskIAM runs locally.", "warn");
        return;
      }
      for (const user of answer.users) {
        const option = el("option", null, user.display_name + " (" + user.user_id + ")" +
                          (user.title ? ", " + user.title : ""));
        option.value = user.user_id;
        picker.appendChild(option);
      }
      const other = el("option", null, "Someone else (type a user id)");
      other.value = OTHER;
      picker.appendChild(other);
      // ?as=USER opens the chat as that person, listed or not: the demo's suggestions name people by id.
      let kept = null;
      try { kept = sessionStorage.getItem(WHO_KEY); } catch (_) { kept = null; }
      const asked = new URLSearchParams(location.search).get("as") || kept;
      if (asked) {
        const listed = Array.from(picker.options).find((option) => option.value === asked);
        if (listed) picker.value = asked; else { picker.value = OTHER; otherUser.value = asked; }
      }
      otherLabel.hidden = picker.value !== OTHER;
      if (who()) switchUser();
    } catch (failure) {
      addNote("The AskIAM server could not be reached.", "warn");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(input.value, true);
  });
  input.addEventListener("input", updateCounter);
  restartButton.addEventListener("click", () => restart("New conversation."));
  picker.addEventListener("change", () => {
    otherLabel.hidden = picker.value !== OTHER;
    if (picker.value === OTHER) {
      otherUser.focus();
      if (!otherUser.value.trim()) return;
    }
    switchUser();
  });
  otherUser.addEventListener("change", () => {
    if (who()) switchUser();
  });

  loadUsers();
  input.focus();
})();
