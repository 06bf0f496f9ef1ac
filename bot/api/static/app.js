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
  const OTHER = "(other)";  // the picker's last option: a user id typed in (no user id has parentheses)

  // Who the chat speaks as: a person picked from the list, or an id typed in ("Someone else").
  function who() {
    return picker.value === OTHER ? otherUser.value.trim() : picker.value;
  }

  function whoLabel() {
    return picker.value === OTHER ? otherUser.value.trim() : picker.options[picker.selectedIndex].text;
  }

  const BADGES = {
    APPROVED: "Approved",
    PENDING_APPROVAL: "Pending approval",
    DENIED: "Denied",
    ALREADY_GRANTED: "Already granted",
    NEEDS_CLARIFICATION: "Needs clarification",
  };
  const EVIDENCE_KINDS = {
    policy: "Policy",
    peer_share: "Peers",
    team_share: "Team",
    similar_requests: "Similar requests",
    role_history: "Role history",
    past_decision: "Past decision",
    notice: "Notice",
  };
  const CHECKS = {
    AUTHORIZED_FOR_TARGET: "Who may ask",
    TARGET_ACTIVE: "Person active",
    NOT_ALREADY_GRANTED: "Not already held",
    NO_SOD_CONFLICT: "Segregation of duties",
    PREREQUISITES_MET: "Prerequisites",
    ELIGIBLE: "Eligibility",
  };
  const REASONS = {
    AUTO_APPROVED: "Auto-approved",
    LOW_CONFIDENCE: "Low confidence",
    INSUFFICIENT_EVIDENCE: "Too little history",
    PRIVILEGED_ROLE: "Privileged role",
    ALREADY_GRANTED: "Already held",
    NOT_AUTHORIZED_FOR_TARGET: "Not authorised for this person",
    USER_INACTIVE: "Person not active",
    SOD_CONFLICT: "Segregation-of-duties conflict",
    PREREQUISITE_MISSING: "Prerequisite missing",
    NOT_ELIGIBLE: "Not eligible",
    REMOVAL_NOT_HANDLED: "Removal: not handled here",
    NOTHING_REQUESTED: "Nothing requested",
  };
  const MAX_EVIDENCE = 5;

  let conversationId = null;
  let busy = false;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function humanize(code) {
    const words = String(code).toLowerCase().split("_");
    const text = words.join(" ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function addNote(text, kind) {
    const note = el("div", "note" + (kind ? " note-" + kind : ""), text);
    log.appendChild(note);
    scrollDown();
    return note;
  }

  function addUserMessage(text) {
    const row = el("div", "row row-user");
    row.appendChild(el("div", "bubble bubble-user", text));
    log.appendChild(row);
    scrollDown();
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
      item.appendChild(el("strong", null, CHECKS[check.name] || humanize(check.name)));
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
      entry.appendChild(el("span", "kind", EVIDENCE_KINDS[item.kind] || humanize(item.kind)));
      entry.appendChild(el("span", "summary", item.summary));
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
      button.addEventListener("click", () => send(String(index + 1)));
      block.appendChild(button);
    });
    return block;
  }

  function addDecision(answer) {
    const row = el("div", "row row-bot");
    const bubble = el("div", "bubble bubble-bot decision");
    bubble.dataset.decision = answer.decision;
    const head = el("div", "decision-head");
    const badge = el("span", "badge badge-" + answer.decision.toLowerCase().replace(/_/g, "-"),
                     BADGES[answer.decision] || answer.decision);
    badge.title = answer.decision;
    head.appendChild(badge);
    if (answer.reason && answer.decision !== "NEEDS_CLARIFICATION") {
      const reason = el("span", "reason-code", REASONS[answer.reason] || humanize(answer.reason));
      reason.dataset.reason = answer.reason;
      head.appendChild(reason);
    }
    // Confidence only matters where it decided: an approval, or a request sent to an approver.
    const weighed = answer.decision === "APPROVED" || answer.decision === "PENDING_APPROVAL";
    if (weighed && answer.confidence !== null && answer.confidence !== undefined) {
      head.appendChild(el("span", "confidence", "confidence " + Math.round(answer.confidence * 100) + "%"));
    }
    head.appendChild(el("span", "request-id", answer.request_id));
    bubble.appendChild(head);
    bubble.appendChild(el("p", "message", answer.message));
    for (const part of [renderReasons(answer.checks || []), renderEvidence(answer.evidence),
                        renderCandidates(answer.clarification)]) {
      if (part) bubble.appendChild(part);
    }
    row.appendChild(bubble);
    log.appendChild(row);
    scrollDown();
  }

  function addError(error) {
    const row = el("div", "row row-bot");
    const bubble = el("div", "bubble bubble-bot bubble-error");
    bubble.appendChild(el("span", "badge badge-error", error.code));
    bubble.appendChild(el("p", "message", error.message));
    row.appendChild(bubble);
    log.appendChild(row);
    scrollDown();
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    input.disabled = value;
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

  async function send(text) {
    const message = text.trim();
    if (!message || busy) return;
    if (!who()) {
      addNote(picker.value === OTHER ? "Type the user id you chat as first." : "Pick who you are first.", "warn");
      return;
    }
    retireCandidates();
    addUserMessage(message);
    setBusy(true);
    const body = { text: message };
    if (conversationId) body.conversation_id = conversationId;
    try {
      const response = await fetch("/chat", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "Authorization": "Bearer dev:" + who(),
          "Idempotency-Key": newKey(),
        },
        body: JSON.stringify(body),
      });
      const answer = await readJson(response);
      if (response.ok && answer) {
        conversationId = answer.conversation_id;
        addDecision(answer);
      } else if (answer && answer.error) {
        if (answer.error.code === "CONVERSATION_NOT_FOUND") conversationId = null;
        addError(answer.error);
      } else {
        addError({ code: "HTTP_" + response.status, message: "The server answered " + response.status + "." });
      }
    } catch (failure) {
      addError({ code: "OFFLINE", message: "The AskIAM server could not be reached." });
    } finally {
      setBusy(false);
      input.focus();
    }
  }

  function restart(reason) {
    conversationId = null;
    retireCandidates();
    addNote(reason);
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
      const asked = new URLSearchParams(location.search).get("as");
      if (asked) {
        const listed = Array.from(picker.options).find((option) => option.value === asked);
        if (listed) picker.value = asked; else { picker.value = OTHER; otherUser.value = asked; }
      }
      otherLabel.hidden = picker.value !== OTHER;
      if (who()) addNote("Chatting as " + whoLabel() + ".");
    } catch (failure) {
      addNote("The AskIAM server could not be reached.", "warn");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    send(text);
  });
  restartButton.addEventListener("click", () => restart("New conversation."));
  picker.addEventListener("change", () => {
    otherLabel.hidden = picker.value !== OTHER;
    if (picker.value === OTHER) {
      otherUser.focus();
      if (!otherUser.value.trim()) return;
    }
    restart("Chatting as " + whoLabel() + ". New conversation.");
  });
  otherUser.addEventListener("change", () => {
    if (who()) restart("Chatting as " + who() + ". New conversation.");
  });

  loadUsers();
  input.focus();
})();
