"""Approval confidence from the access history: scoring a request, and fitting the model on import."""

from __future__ import annotations

import json
import logging
import random
from collections import defaultdict
from typing import Any

from bot.domain import Confidence, Evidence, Person, Role
from bot.ports import HistoryIndex, PastDecision
from retrieval.attributes import shared_share
from validators.confidence_model import ConfidenceModel, Counts, FeatureInputs, fit
from validators.db import Database

log = logging.getLogger(__name__)

SIMILAR_THRESHOLD = 0.5
MAX_FIT_ROWS = 20_000
MAX_NEIGHBOURS_AT_FIT = 1500


class SqlConfidenceEstimator:
    """The ConfidenceEstimator port: history statistics and peers from SQL, similar decisions from the index."""

    def __init__(self, database: Database, history: HistoryIndex, neighbours: int) -> None:
        self._database = database
        self._history = history
        self._neighbours = neighbours
        self._model: tuple[str, ConfidenceModel] | None = None

    def _current_model(self, conn: Any) -> ConfidenceModel:
        row = conn.execute("SELECT params, fitted_at::text AS fitted FROM confidence_model WHERE id = 1").fetchone()
        if row is None:
            return ConfidenceModel.untrained()
        if self._model is None or self._model[0] != row["fitted"]:
            self._model = (row["fitted"], ConfidenceModel.from_json(row["params"]))
        return self._model[1]

    def estimate(self, target: Person, role: Role) -> Confidence:
        profile = target.profile()
        neighbours = self._history.similar(role.role_id, profile, self._neighbours)
        with self._database.connection() as conn:
            model = self._current_model(conn)
            role_row = conn.execute("SELECT approved, denied FROM role_stats WHERE role_id = %s",
                                    (role.role_id,)).fetchone()
            keys = list(profile.items())
            attribute_rows = conn.execute(
                "SELECT s.attribute, s.value, s.approved, s.denied FROM role_attribute_stats s "
                "JOIN unnest(%s::text[], %s::text[]) AS p(attribute, value) "
                "ON s.attribute = p.attribute AND s.value = p.value WHERE s.role_id = %s",
                ([k for k, _ in keys], [v for _, v in keys], role.role_id),
            ).fetchall()
            peers = _peer_counts(conn, target, role.role_id)
        role_counts = Counts(role_row["approved"], role_row["denied"]) if role_row else Counts(0, 0)
        inputs = FeatureInputs(
            global_rate=model.global_rate,
            role=role_counts,
            attributes=[Counts(row["approved"], row["denied"]) for row in attribute_rows],
            neighbours=[(n.similarity, n.approved) for n in neighbours],
            peers=peers["peers"],
            team=peers["team"],
        )
        probability = model.probability(inputs)
        evidence = _explain(target, role_counts, neighbours, peers)
        return Confidence(probability=round(probability, 4), evidence=tuple(evidence),
                          features={"neighbours": float(len(neighbours)), "role_requests": role_counts.total})


def _peer_counts(conn: Any, target: Person, role_id: str) -> dict[str, tuple[int, int]]:
    row = conn.execute(
        """
        SELECT
          (SELECT count(*) FROM users u WHERE u.department = %(dept)s AND u.title = %(title)s
             AND u.user_id <> %(me)s AND u.status = 'active') AS peer_total,
          (SELECT count(*) FROM users u JOIN user_roles r ON r.user_id = u.user_id AND r.role_id = %(role)s
             AND r.status = 'active' AND (r.expires_at IS NULL OR r.expires_at > now())
           WHERE u.department = %(dept)s AND u.title = %(title)s AND u.user_id <> %(me)s
             AND u.status = 'active') AS peer_holders,
          (SELECT count(*) FROM users u WHERE u.manager_id = %(manager)s AND u.user_id <> %(me)s
             AND u.status = 'active') AS team_total,
          (SELECT count(*) FROM users u JOIN user_roles r ON r.user_id = u.user_id AND r.role_id = %(role)s
             AND r.status = 'active' AND (r.expires_at IS NULL OR r.expires_at > now())
           WHERE u.manager_id = %(manager)s AND u.user_id <> %(me)s AND u.status = 'active') AS team_holders
        """,
        {"dept": target.department, "title": target.title, "me": target.user_id, "role": role_id,
         "manager": target.manager_id},
    ).fetchone()
    return {"peers": (int(row["peer_holders"]), int(row["peer_total"])),
            "team": (int(row["team_holders"]), int(row["team_total"]))}


def _explain(target: Person, role_counts: Counts, neighbours: list[PastDecision],
             peers: dict[str, tuple[int, int]]) -> list[Evidence]:
    evidence: list[Evidence] = []
    holders, total = peers["peers"]
    if total and target.department:
        evidence.append(Evidence(
            evidence_id=f"peers:{target.department}/{target.title}", kind="peer_share",
            summary=f"{holders} of {total} people in {target.department} with the title {target.title} "
                    "hold this role", score=round(holders / total, 3)))
    team_holders, team_total = peers["team"]
    if team_total and target.manager_id:
        evidence.append(Evidence(
            evidence_id=f"team:{target.manager_id}", kind="team_share",
            summary=f"{team_holders} of {team_total} people with the same manager hold this role",
            score=round(team_holders / team_total, 3)))
    similar = [n for n in neighbours if n.similarity >= SIMILAR_THRESHOLD]
    if similar:
        approved = sum(1 for n in similar if n.approved)
        evidence.append(Evidence(
            evidence_id=f"similar:{len(similar)}", kind="similar_requests",
            summary=f"{approved} of {len(similar)} similar past requests for this role were approved",
            score=round(approved / len(similar), 3)))
    if role_counts.total:
        evidence.append(Evidence(
            evidence_id="role-history", kind="role_history",
            summary=f"this role was requested {int(role_counts.total)} times before; "
                    f"{int(role_counts.approved)} were approved",
            score=round(role_counts.approved / role_counts.total, 3)))
    for neighbour in neighbours[:3]:
        evidence.append(Evidence(
            evidence_id=f"history:{neighbour.history_id}", kind="past_decision",
            summary=f"{'approved' if neighbour.approved else 'denied'} for a requester sharing "
                    f"{round(neighbour.similarity * 100)}% of the attributes", score=round(neighbour.similarity, 3),
            source=neighbour.history_id))
    return evidence


def fit_from_store(database: Database, seed: int = 11) -> ConfidenceModel:
    """Fit the confidence model on the history with each decision left out of its own features; store it."""
    with database.connection() as conn:
        history = conn.execute("SELECT history_id, user_id, role_id, approved, attributes FROM access_history "
                               "ORDER BY history_id").fetchall()
        users = conn.execute("SELECT user_id, department, title, manager_id, status FROM users").fetchall()
        grants = conn.execute("SELECT user_id, role_id FROM user_roles WHERE status = 'active' "
                              "AND (expires_at IS NULL OR expires_at > now())").fetchall()
    model = fit_model(history, users, grants, seed)
    with database.connection() as conn, conn.transaction():
        conn.execute(
            "INSERT INTO confidence_model (id, params, fitted_at) VALUES (1, %s, clock_timestamp()) "
            "ON CONFLICT (id) DO UPDATE SET params = EXCLUDED.params, fitted_at = EXCLUDED.fitted_at",
            (json.dumps(model.to_json()),),
        )
    return model


def fit_model(history: list[dict[str, Any]], users: list[dict[str, Any]], grants: list[dict[str, Any]],
              seed: int) -> ConfidenceModel:
    if not history:
        return ConfidenceModel.untrained()
    global_rate = sum(1 for row in history if row["approved"]) / len(history)
    role_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    attribute_counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_role: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in history:
        slot = 0 if row["approved"] else 1
        role_counts[row["role_id"]][slot] += 1
        for key, value in row["attributes"].items():
            attribute_counts[(row["role_id"], key, value)][slot] += 1
        by_role[row["role_id"]].append(row)

    person = {u["user_id"]: u for u in users}
    holders: dict[str, set[str]] = defaultdict(set)
    for grant in grants:
        holders[grant["role_id"]].add(grant["user_id"])
    peer_groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    teams: dict[str, set[str]] = defaultdict(set)
    for u in users:
        if u["status"] == "active":
            peer_groups[(u["department"], u["title"])].add(u["user_id"])
            if u["manager_id"]:
                teams[u["manager_id"]].add(u["user_id"])

    sample = list(history)
    random.Random(seed).shuffle(sample)
    sample = sample[:MAX_FIT_ROWS]
    rows: list[FeatureInputs] = []
    labels: list[bool] = []
    for row in sample:
        own = (1, 0) if row["approved"] else (0, 1)
        role_id = row["role_id"]
        approved, denied = role_counts[role_id]
        attributes = [
            Counts(attribute_counts[(role_id, k, v)][0] - own[0], attribute_counts[(role_id, k, v)][1] - own[1])
            for k, v in row["attributes"].items()
        ]
        others = [other for other in by_role[role_id][:MAX_NEIGHBOURS_AT_FIT] if other is not row]
        similarities = sorted(((shared_share(row["attributes"], o["attributes"]), o["approved"]) for o in others),
                              key=lambda pair: -pair[0])[:25]
        user = person.get(row["user_id"] or "")
        rows.append(FeatureInputs(
            global_rate=global_rate,
            role=Counts(approved - own[0], denied - own[1]),
            attributes=attributes,
            neighbours=similarities,
            peers=_group_share(user, peer_groups, holders[role_id], "peers"),
            team=_group_share(user, teams, holders[role_id], "team"),
        ))
        labels.append(bool(row["approved"]))
    model = fit(rows, labels, global_rate)
    log.info("confidence model fitted on %d decisions: %s", len(rows), model.metrics)
    return model


def _group_share(user: dict[str, Any] | None, groups: dict[Any, set[str]], role_holders: set[str],
                 kind: str) -> tuple[int, int]:
    if user is None:
        return (0, 0)
    key: Any = (user["department"], user["title"]) if kind == "peers" else user["manager_id"]
    members = groups.get(key, set()) - {user["user_id"]}
    return (len(members & role_holders), len(members))

