// The words people read for AskIAM's codes: one copy for the chat (app.js) and the console (console.js), so a
// check, a reason or a kind of evidence reads the same on both pages. The codes stay in each element's title.
"use strict";

window.AskIamLabels = (function () {
  const DECISIONS = {
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
    APPROVED_BY_APPROVER: "Approved by an approver",
    DENIED_BY_APPROVER: "Denied by an approver",
    EXPIRED: "Expired",
    WITHDRAWN: "Withdrawn by the requester",
    NO_LONGER_IN_CATALOG: "No longer in the catalog",
  };

  // "SOME_CODE" reads "Some code" when no label is known (a code added on the server before the page knows it).
  function humanize(code) {
    const text = String(code).toLowerCase().split("_").join(" ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function lookup(table) {
    return (code) => (code === null || code === undefined ? "" : table[code] || humanize(code));
  }

  return {
    decision: lookup(DECISIONS),
    evidenceKind: lookup(EVIDENCE_KINDS),
    check: lookup(CHECKS),
    reason: lookup(REASONS),
    humanize: humanize,
  };
})();
