// The AskIAM console: the approver's queue, the audit search and a dashboard. Plain DOM and inline SVG drawn
// here; no framework and no network but this server. Locally the caller is a development token (dev:<user>).
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const userInput = document.getElementById("user");
  const COLOURS = { APPROVED: "#1a7f37", DENIED: "#c0262d", PENDING_APPROVAL: "#9a6700",
                    ALREADY_GRANTED: "#57606a", NEEDS_CLARIFICATION: "#0b5cad" };
  const labels = window.AskIamLabels;
  const FILTERS = ["user", "requester", "approver", "app", "role", "decision", "reason", "channel", "since", "until"];

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function who() {
    return userInput.value.trim();
  }

  // With nobody signed in the console asks who you are rather than sending an empty development token.
  const SIGN_IN = "Choose who you are first: type your user id under \u201cSigned in as\u201d at the top (the " +
    "demo's people are offered as you type), or open /console?as=USER_ID.";

  // What a note says about a failure: the server's code and message; the sign-in prompt on its own.
  function describe(failure) {
    return failure.code === "SIGN_IN" ? failure.message : failure.code + ": " + failure.message;
  }

  function headers(extra) {
    return Object.assign({ Authorization: "Bearer dev:" + who() }, extra || {});
  }

  async function api(path, options) {
    if (!who()) throw Object.assign(new Error(SIGN_IN), { code: "SIGN_IN", status: 0 });
    let response;
    try {
      response = await fetch(path, Object.assign({ headers: headers() }, options || {}));
    } catch (_) {  // no answer at all: the server is down or the network is
      throw Object.assign(new Error("The AskIAM server could not be reached; try again when it is running."),
                          { code: "OFFLINE", status: 0 });
    }
    let body = null;
    try { body = await response.json(); } catch (_) { body = null; }
    if (!response.ok) {
      const error = body && body.error ? body.error : { code: "HTTP_" + response.status, message: response.statusText };
      throw Object.assign(new Error(error.message), { code: error.code, status: response.status });
    }
    return body;
  }

  function pct(value) {
    return value === null || value === undefined ? "n/a" : Math.round(value * 100) + "%";
  }

  function many(count, noun, plural) {
    return count + " " + (count === 1 ? noun : plural || noun + "s");
  }

  // ---- tabs -------------------------------------------------------------------------------------------------
  const loaders = {};
  function show(name) {
    for (const tab of document.querySelectorAll(".tabs [role=tab]")) {
      const selected = tab.dataset.panel === name;
      tab.setAttribute("aria-selected", selected ? "true" : "false");
      document.getElementById("panel-" + tab.dataset.panel).hidden = !selected;
    }
    if (loaders[name]) loaders[name]();
  }
  for (const tab of document.querySelectorAll(".tabs [role=tab]")) {
    tab.addEventListener("click", () => show(tab.dataset.panel));
  }
  function current() {
    const tab = document.querySelector(".tabs [aria-selected=true]");
    return tab ? tab.dataset.panel : "queue";
  }

  // ---- the approver's queue ---------------------------------------------------------------------------------
  const queue = document.getElementById("queue");
  const queueNote = document.getElementById("queue-note");

  function checksList(checks) {
    const list = el("ul", "checks");
    for (const check of checks) {
      const item = el("li", check.passed ? "check-pass" : "check-fail");
      item.dataset.check = check.name;
      const name = el("strong", null, labels.check(check.name));
      name.title = check.name;
      item.appendChild(name);
      item.appendChild(document.createTextNode(check.detail ? ": " + check.detail : ""));
      list.appendChild(item);
    }
    return list;
  }

  function evidenceList(evidence) {
    const list = el("ul", "evidence-list");
    for (const item of evidence.slice(0, 5)) {
      const entry = el("li");
      const kind = el("span", "kind", labels.evidenceKind(item.kind));
      kind.title = item.kind;
      entry.appendChild(kind);
      entry.appendChild(document.createTextNode(item.summary + (item.source ? " (" + item.source + ")" : "")));
      list.appendChild(entry);
    }
    return list;
  }

  function setStatus(card, status, reason) {
    card.dataset.status = status;
    const badge = card.querySelector(".status");
    badge.textContent = labels.decision(status);
    badge.className = "badge status status-" + status.toLowerCase();
    badge.title = status + (reason ? ": " + labels.reason(reason) : "");
  }

  function countText(waiting, approver) {
    return waiting ? waiting + " waiting for " + approver + "." : "Nothing is waiting for " + approver + ".";
  }

  // The count as the server has it now (a request may have been withdrawn or decided by someone else meanwhile);
  // the cards still pending on screen if the server cannot be asked.
  async function refreshCount() {
    try {
      const answer = await api("/approvals");
      queueNote.textContent = countText(answer.items.length, answer.approver_id);
    } catch (_) {
      queueNote.textContent = countText(queue.querySelectorAll(".queue-item[data-status=PENDING_APPROVAL]").length,
                                        who());
    }
  }

  function closeCard(card) {
    card.querySelectorAll(".decide button, .decide input").forEach((control) => { control.disabled = true; });
  }

  // Someone got there first (the requester withdrew it, another approver decided, it expired): say what happened
  // to the request, as GET /access-requests/{id} tells its approvers, and show the card as it now stands.
  async function decidedMeanwhile(card, item, failure) {
    const error = card.querySelector(".error");
    closeCard(card);
    let now = null;
    try {
      now = await api("/access-requests/" + encodeURIComponent(item.request_id));
    } catch (_) {
      now = null;
    }
    if (now && now.status !== "PENDING_APPROVAL") {
      setStatus(card, now.status, now.reason);
      const last = now.history.length ? now.history[now.history.length - 1] : null;
      const by = last ? last.decided_by : "";
      const person = by === item.requester_id ? named(item.requester_name, item.requester_id)
        : by === item.user_id ? named(item.user_name, item.user_id) : by;
      const when = last ? " on " + last.decided_at.slice(0, 16).replace("T", " ") + " UTC" : "";
      card.querySelector(".meta-result").textContent = labels.reason(now.reason);
      error.textContent = now.reason === "WITHDRAWN"
        ? "Already withdrawn: " + person + " withdrew " + item.request_id + when + ", before your decision. " +
          "Nothing was changed."
        : "Already decided: " + item.request_id + " is " + labels.decision(now.status).toLowerCase() + " (" +
          labels.reason(now.reason).toLowerCase() + (person ? ", by " + person : "") + when + "). " +
          "Your decision was not recorded.";
    } else {
      card.dataset.status = "DECIDED";
      error.textContent = "Already decided: " + failure.message + ". Nothing was changed; Refresh shows the queue " +
        "as it is now.";
    }
    card.classList.add("stale");
    await refreshCount();
  }

  async function decideOn(card, item, action) {
    const buttons = card.querySelectorAll(".decide button");
    const comment = card.querySelector(".decide input");
    const error = card.querySelector(".error");
    buttons.forEach((button) => { button.disabled = true; });
    error.textContent = "";
    try {
      const result = await api("/approvals/" + encodeURIComponent(item.request_id) + "/decision", {
        method: "POST",
        headers: headers({ "Content-Type": "application/json" }),
        body: JSON.stringify({ action: action, comment: comment.value }),
      });
      setStatus(card, result.status, result.reason);
      comment.disabled = true;
      card.querySelector(".meta-result").textContent = labels.reason(result.reason) +
        (result.granted ? "; the role was granted" : "");
      const failed = (result.checks || []).filter((check) => !check.passed).map((check) => check.detail);
      if (action === "approve" && !result.granted) {
        // The checks run again at approval overruled it: said as such, not left to read as the approver's denial.
        error.textContent = "Your approval did not stand: when approved, the request failed the checks" +
          (failed.length ? " (" + failed.join("; ") + ")" : " (" + labels.reason(result.reason).toLowerCase() + ")") +
          ". Nothing was granted, and the requester is told why.";
      }
      if (result.checks && result.checks.length) {
        card.querySelector(".checks").replaceWith(checksList(result.checks));
      }
      await refreshCount();
    } catch (failure) {
      if (failure.code === "ALREADY_DECIDED") {
        await decidedMeanwhile(card, item, failure);
        return;
      }
      error.textContent = describe(failure);
      if (failure.status === 403) return;
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  // "Hannah Bergström (hbergstrom)"; the id alone when the directory no longer has the person.
  function named(name, id) {
    return name && name !== id ? name + " (" + id + ")" : id;
  }

  function queueCard(item) {
    const card = el("article", "card queue-item");
    card.dataset.requestId = item.request_id;
    const head = el("div", "card-head");
    head.appendChild(el("span", "title", (item.role_name || item.role_id) + " in " + (item.app_name || item.app_id) +
      " for " + named(item.user_name, item.user_id) +
      (item.access_until ? " until " + item.access_until.slice(0, 16).replace("T", " ") + " UTC" : "")));
    head.appendChild(el("span", "badge status"));
    const reason = el("span", "badge reason status-pending_approval", labels.reason(item.reason));
    reason.title = item.reason;
    head.appendChild(reason);
    if (item.expiring_soon) head.appendChild(el("span", "badge soon", "expires soon"));
    card.appendChild(head);
    card.appendChild(el("div", "meta", item.request_id + " · asked by " +
      named(item.requester_name, item.requester_id) + " · confidence " +
      pct(item.confidence) + " · you decide as " + item.capacity + " · expires " + item.expires_at.slice(0, 10)));
    // The requester's own words: what they claim in them (an approval, a check passed) is not verified.
    if (item.text) {
      const asked = el("p", "asked", "\u201c" + item.text + "\u201d");
      asked.appendChild(el("span", "unverified", " The requester's words, as typed: nothing in them is verified."));
      card.appendChild(asked);
    }
    const told = el("p", "message");
    told.appendChild(el("span", "label", "Answer to the requester: "));
    told.appendChild(document.createTextNode(item.message));
    card.appendChild(told);
    card.appendChild(el("p", "label", "Checks, as worded for the requester:"));
    card.appendChild(checksList(item.checks));
    if (item.evidence.length) card.appendChild(evidenceList(item.evidence));
    card.appendChild(el("div", "meta meta-result"));
    const form = el("div", "decide");
    const comment = el("input");
    comment.placeholder = "Comment (optional)";
    comment.maxLength = 2000;
    comment.setAttribute("aria-label", "Comment on " + item.request_id);
    const approve = el("button", "approve", "Approve");
    const deny = el("button", "deny", "Deny");
    approve.type = deny.type = "button";
    approve.addEventListener("click", () => decideOn(card, item, "approve"));
    deny.addEventListener("click", () => decideOn(card, item, "deny"));
    form.append(comment, approve, deny);
    card.appendChild(form);
    card.appendChild(el("div", "error"));
    setStatus(card, "PENDING_APPROVAL", item.reason);
    return card;
  }

  async function loadQueue() {
    queueNote.textContent = "Loading…";
    try {
      const answer = await api("/approvals");
      queue.replaceChildren(...answer.items.map(queueCard));
      queueNote.textContent = countText(answer.items.length, answer.approver_id);
    } catch (failure) {
      const prompt = failure.code === "SIGN_IN";
      queue.replaceChildren(...(prompt ? [el("p", "card sign-in", failure.message)] : []));
      queueNote.textContent = prompt ? "" : describe(failure);
    }
  }
  loaders.queue = loadQueue;
  document.getElementById("queue-refresh").addEventListener("click", loadQueue);

  // ---- the audit search -------------------------------------------------------------------------------------
  const auditForm = document.getElementById("audit-form");
  const auditRows = document.querySelector("#audit-results tbody");
  const auditNote = document.getElementById("audit-note");
  const nextButton = document.getElementById("next-page");
  let nextCursor = null;
  let searchNumber = 0;  // an answer to an older search never overwrites a newer one
  let searched = null;  // the filters of the search shown: the next page and the exports continue that search

  function filterParams(form, names) {
    const params = new URLSearchParams();
    for (const name of names) {
      const field = form.elements.namedItem(name);
      if (field && field.value.trim()) params.set(name, field.value.trim());
    }
    return params;
  }

  function updateExports(filters) {
    for (const format of ["csv", "jsonl"]) {
      const params = new URLSearchParams(filters);
      params.delete("limit");
      params.set("format", format);
      document.getElementById("export-" + format).href = "/audit/export?" + params.toString();
    }
  }

  async function download(link) {
    // A link cannot carry the Authorization header: fetch the export and save it under its own name.
    auditNote.textContent = "Exporting…";
    try {
      if (!who()) throw new Error(SIGN_IN);
      const response = await fetch(link.href, { headers: headers() });
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        throw new Error(body && body.error ? body.error.code + ": " + body.error.message : "HTTP " + response.status);
      }
      const blob = await response.blob();
      const save = el("a");
      save.href = URL.createObjectURL(blob);
      save.download = "askiam-audit." + new URL(link.href).searchParams.get("format");
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(save.href), 10000);
      auditNote.textContent = "Exported.";
    } catch (failure) {
      auditNote.textContent = failure.message;
    }
  }
  for (const link of document.querySelectorAll("a.export")) {
    link.addEventListener("click", (event) => { event.preventDefault(); download(link); });
  }

  // "own (application owner)": who decided, and why they could; the sweep and AskIAM itself have no capacity.
  function decidedBy(record) {
    const capacity = typeof record.details.capacity === "string" ? record.details.capacity : "";
    return record.approver && capacity ? record.approver + " (" + capacity + ")" : record.approver;
  }

  // The approver's comment; for a withdrawal, who withdrew it (no approver decided it); for a refused attempt, who
  // tried, what they called and why it was refused.
  function note(record) {
    const details = record.details;
    const comment = typeof details.comment === "string" ? details.comment : "";
    if (record.withdrawn_by) return "withdrawn by " + record.withdrawn_by + (comment ? ": " + comment : "");
    if (comment) return comment;
    const conversation = typeof details.conversation_id === "string" ? ", conversation " + details.conversation_id : "";
    const called = typeof details.route === "string" ? " (" + details.route + conversation + ")" : "";
    if (typeof details.why === "string") return (details.attempted_by || "") + called + ": " + details.why;
    return "";
  }

  function auditRow(record) {
    const row = el("tr");
    row.dataset.requestId = record.request_id || "";
    row.dataset.seq = record.seq;
    const cells = [record.seq, record.created_at.replace("T", " ").slice(0, 19), record.event_type,
                   record.request_id, record.requester_id, record.target_id, record.app_id, record.role_id,
                   record.decision, record.reason, record.channel, decidedBy(record), note(record)];
    for (const value of cells) row.appendChild(el("td", null, value === null || value === undefined ? "" : value));
    if (record.decision) row.children[8].className = "decision-" + record.decision.toLowerCase();
    return row;
  }

  async function searchAudit(cursor) {
    // A new search reads the form; the next page repeats the filters of the search on screen, whatever the
    // form says now (edited filters take effect with Search).
    if (!cursor || searched === null) searched = filterParams(auditForm, [...FILTERS, "limit"]).toString();
    updateExports(searched);
    const params = new URLSearchParams(searched);
    if (cursor) params.set("cursor", cursor);
    auditNote.textContent = "Searching…";
    const number = ++searchNumber;
    try {
      const page = await api("/audit/events?" + params.toString());
      if (number !== searchNumber) return;
      const rows = page.records.map(auditRow);
      if (cursor) auditRows.append(...rows); else auditRows.replaceChildren(...rows);
      nextCursor = page.next_cursor;
      nextButton.hidden = !nextCursor;
      auditNote.textContent = auditRows.children.length + " record(s)" + (nextCursor ? ", more on the next page." : ".");
    } catch (failure) {
      if (number !== searchNumber) return;
      if (!cursor) auditRows.replaceChildren();
      nextButton.hidden = true;
      auditNote.textContent = describe(failure);
    }
  }
  loaders.audit = () => searchAudit(null);
  auditForm.addEventListener("submit", (event) => { event.preventDefault(); searchAudit(null); });
  nextButton.addEventListener("click", () => { if (nextCursor) searchAudit(nextCursor); });

  // ---- the dashboard ----------------------------------------------------------------------------------------
  const reportForm = document.getElementById("report-form");
  const reportNote = document.getElementById("report-note");

  function chart(id, content) {
    const figure = document.getElementById(id);
    for (const old of figure.querySelectorAll("svg, .empty, .legend, .hbars")) old.remove();
    if (typeof content === "string") figure.appendChild(el("p", "empty", content));
    else figure.append(...[].concat(content));
  }

  function stackedBars(rows) {
    // rows: [{period, decision, count}] -> one stacked bar per period.
    const periods = [...new Set(rows.map((r) => r.period))].sort();
    const outcomes = [...new Set(rows.map((r) => r.decision))].sort();
    const totals = periods.map((p) => rows.filter((r) => r.period === p).reduce((s, r) => s + r.count, 0));
    const max = Math.max(1, ...totals);
    const width = 460, height = 200, left = 30, bottom = 30, top = 10;
    const step = (width - left) / Math.max(periods.length, 1);
    const bar = Math.min(40, step * 0.7);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "decisions over time" });
    root.appendChild(svg("line", { x1: left, y1: height - bottom, x2: width, y2: height - bottom, stroke: "#d8dee4" }));
    root.appendChild(svg("text", { x: 2, y: top + 8 }, max));
    periods.forEach((period, index) => {
      let y = height - bottom;
      const x = left + index * step + (step - bar) / 2;
      for (const outcome of outcomes) {
        const found = rows.find((r) => r.period === period && r.decision === outcome);
        if (!found) continue;
        const h = (found.count / max) * (height - bottom - top);
        y -= h;
        const rect = svg("rect", { x: x, y: y, width: bar, height: h, fill: COLOURS[outcome] || "#8c959f",
                                   "data-decision": outcome, "data-period": period, class: "bar" });
        rect.appendChild(svg("title", {}, period + " " + labels.decision(outcome) + ": " + found.count));
        root.appendChild(rect);
      }
      root.appendChild(svg("text", { x: x + bar / 2, y: height - bottom + 14, "text-anchor": "middle" },
                           period.slice(5)));
    });
    const legend = el("div", "legend muted");
    for (const outcome of outcomes) {
      const key = svg("svg", { viewBox: "0 0 10 10", width: 10, height: 10, class: "swatch" });
      key.appendChild(svg("rect", { width: 10, height: 10, fill: COLOURS[outcome] || "#8c959f" }));
      const entry = el("span", "legend-entry");
      entry.append(key, document.createTextNode(" " + labels.decision(outcome)));
      legend.appendChild(entry);
    }
    return [root, legend];
  }

  // Rows of label, bar and count in HTML rather than SVG, so that a long label (a role id such as
  // "bamboohr-compensation-manager") wraps whole at any width instead of running off the chart's left edge.
  function horizontalBars(items, label) {
    // items: [{label, value, colour}]
    const max = Math.max(1, ...items.map((i) => i.value));
    const list = el("div", "hbars");
    list.setAttribute("role", "list");
    list.setAttribute("aria-label", label);
    for (const item of items) {
      const row = el("div", "hbar");
      row.setAttribute("role", "listitem");
      const name = el("span", "hbar-label", item.label);
      name.title = item.label;
      const track = el("span", "hbar-track");
      const bar = el("span", "bar");
      bar.dataset.label = item.label;
      bar.title = item.label + ": " + item.value;
      // Through the CSSOM, which the page's Content-Security-Policy allows (a style attribute it would not).
      bar.style.width = Math.max((item.value / max) * 100, 0.5) + "%";
      bar.style.backgroundColor = item.colour || "#0b5cad";
      track.appendChild(bar);
      row.append(name, track, el("span", "hbar-value", item.value));
      list.appendChild(row);
    }
    return list;
  }

  function drawReport(report) {
    chart("chart-over-time", report.over_time.length ? stackedBars(report.over_time) : "No decisions in this window.");
    const auto = report.auto_approval;
    const outcomes = report.outcomes;
    chart("chart-auto", auto.decided ? [
      horizontalBars([
        { label: "auto-approved " + pct(auto.rate), value: auto.auto_approved, colour: COLOURS.APPROVED },
        { label: "decided when asked", value: auto.decided, colour: "#8c959f" },
        { label: "approved (latest)", value: outcomes.approved, colour: COLOURS.APPROVED },
        { label: "denied (latest)", value: outcomes.denied, colour: COLOURS.DENIED },
        { label: "pending (latest)", value: outcomes.pending, colour: COLOURS.PENDING_APPROVAL },
        { label: "withdrawn (latest)", value: outcomes.withdrawn, colour: COLOURS.NEEDS_CLARIFICATION },
      ], "auto-approval rate"),
    ] : "No decided requests in this window.");
    chart("chart-roles", report.top_roles.length ? horizontalBars(report.top_roles.map((r) => (
      { label: r.role_id, value: r.requests })), "top requested roles") : "No requests in this window.");
    const byRole = {};
    for (const denial of report.sod_denials) byRole[denial.role_id] = (byRole[denial.role_id] || 0) + 1;
    const sod = Object.entries(byRole).sort((a, b) => b[1] - a[1]).map(([role, n]) => (
      { label: role, value: n, colour: COLOURS.DENIED }));
    chart("chart-sod", sod.length ? [horizontalBars(sod, "segregation-of-duties denials"),
      el("p", "empty", report.sod_denials_total + " in total")] : "No segregation-of-duties denials in this window.");
  }

  async function loadReport() {
    reportNote.textContent = "Loading…";
    try {
      const report = await api("/audit/reports?" + filterParams(reportForm, ["since", "until", "bucket"]).toString());
      drawReport(report);
      // The same figures as `askiam audit report`: access requests, and apart from them the questions (every
      // message gets a request id; a question answered or asked back is no request for access).
      const outcomes = report.outcomes;
      reportNote.textContent = many(outcomes.requests, "access request") + "; not requests for access: " +
        many(outcomes.questions_answered, "question answered", "questions answered") + ", " +
        many(outcomes.clarifying_questions, "clarifying question") + ". " +
        "Time to decision: median " + (report.time_to_decision.median_seconds === null ? "n/a"
        : Math.round(report.time_to_decision.median_seconds / 60) + " min") + " over " +
        report.time_to_decision.decisions + " decision(s); privileged grants: " + report.privileged_grants_total + ".";
    } catch (failure) {
      for (const id of ["chart-over-time", "chart-auto", "chart-roles", "chart-sod"]) chart(id, "");
      reportNote.textContent = describe(failure);
    }
  }
  loaders.dashboard = loadReport;
  reportForm.addEventListener("submit", (event) => { event.preventDefault(); loadReport(); });

  // ---- who is signed in: any user id, the demo users offered ------------------------------------------------
  async function loadUsers() {
    try {
      const answer = await api("/demo/users");
      for (const user of answer.users) {
        const option = el("option", null, user.display_name + ", " + (user.title || ""));
        option.value = user.user_id;
        document.getElementById("users").appendChild(option);
      }
    } catch (_) { /* not local: no demo users to offer */ }
  }
  function signedIn() {
    userInput.closest(".picker").classList.toggle("picker-needed", !who());
  }
  userInput.value = new URLSearchParams(location.search).get("as") || "";
  userInput.addEventListener("change", () => {
    signedIn();
    if (loaders[current()]) loaders[current()]();
  });

  updateExports("");
  loadUsers();
  signedIn();
  loaders.queue();
  if (!who()) userInput.focus();
})();
