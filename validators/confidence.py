"""Approval confidence from the access history: scoring requests (one being decided, or a batch), and fitting
the model on import.

One path for every caller: `assess` reads the statistics tables for any number of requests in a few set-based
statements, turns the counts into features with `feature_matrix`, and applies the stored model. The decision
path (`SqlConfidenceEstimator`) calls it with one request and adds the evidence a person reads; batch scoring
(`askiam confidence score`) calls it with thousands. Fitting computes the same features from counts taken on the
history itself, each decision's own fold left out, so that what the model learns from looks like what it sees.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import psycopg
from psycopg.rows import tuple_row

from bot.domain import Confidence, Evidence, Person, Role
from bot.ports import HistoryIndex, PastDecision
from validators.confidence_boost import BoostParams
from validators.confidence_features import (
    ATTRIBUTE,
    PAIR,
    ROLE,
    ROLE_ATTRIBUTE,
    FeatureSchema,
    GroupCounts,
    feature_matrix,
    group_contributions,
    history_counts_per_folds,
)
from validators.confidence_linear import Indicators, LinearFit, fit_linear, indicators, out_of_fold_margins
from validators.confidence_model import CROSS_FIT_MAX_ROWS, ConfidenceModel, fit
from validators.confidence_stats import (
    LoadedHistory,
    Requester,
    ScoreRequest,
    fetch_counts,
    fetch_peers,
    load_history,
    store_linear_weights,
    stored_schema,
)
from validators.db import Database

log = logging.getLogger(__name__)

SIMILAR_THRESHOLD = 0.5
# Neighbours that all share at least this much of the requester's attributes are "similar" without saying how much;
# below it, a line counting them says how much they share: "similar" would pass half a profile off as a match.
CLOSE_SIMILARITY = 0.75
STALE_MODEL_NOTE = ("the approval confidence was fitted before the last import finished; an approver decides "
                    "until `askiam import` completes")
# Decisions the trees are fitted on; the statistics always cover the whole history.
MAX_FIT_ROWS = 40_000
HISTORY_FOLDS = 5
# Tree ensembles fitted on features from different fold assignments, averaged (for histories large enough that
# the fit is not cross-fitted; a cross-fitted small history already costs six fits).
BAGS = 3
# An explanation names the groups that moved the score most, if they moved it at least this much (log-odds).
FACTOR_MIN_EFFECT = 0.15


@dataclass(frozen=True)
class Assessment:
    """Scores for a batch of requests, with what is needed to explain them."""

    probabilities: np.ndarray
    counts: GroupCounts
    features: np.ndarray
    contributions: np.ndarray | None = None  # (rows, features), when asked for


def assess(conn: psycopg.Connection[Any], model: ConfidenceModel, requests: Sequence[ScoreRequest],
           explain: bool = False) -> Assessment:
    """Approval probabilities for any number of requests, from the statistics tables and the stored model; with
    `explain`, how much each feature moved each score too."""
    counts = fetch_counts(conn, model.schema, requests)
    features = feature_matrix(model.schema, counts, model.prior, model.linear_bias)
    if explain:
        probabilities, contributions = model.explained(features)
        return Assessment(probabilities, counts, features, contributions)
    return Assessment(model.probabilities(features), counts, features)


def current_model(conn: psycopg.Connection[Any]) -> ConfidenceModel:
    row = conn.execute("SELECT params FROM confidence_model WHERE id = 1").fetchone()
    if row is None:
        return ConfidenceModel.untrained()
    params = row["params"] if isinstance(row, dict) else row[0]
    return ConfidenceModel.from_json(params)


class SqlConfidenceEstimator:
    """The ConfidenceEstimator port: history statistics and peers from SQL, similar decisions from the index."""

    def __init__(self, database: Database, history: HistoryIndex, neighbours: int) -> None:
        self._database = database
        self._history = history
        self._neighbours = neighbours
        self._model: tuple[str, ConfidenceModel] | None = None

    def _current_model(self, conn: Any) -> tuple[ConfidenceModel, bool]:
        """The stored model, and whether it was fitted for the catalog in use (not so after an import stopped
        between writing the catalog and fitting)."""
        row = conn.execute(
            "SELECT m.fitted_at::text AS fitted, m.catalog_version IS NOT DISTINCT FROM c.version AS current "
            "FROM confidence_model m CROSS JOIN catalog_meta c WHERE m.id = 1 AND c.id = 1").fetchone()
        if row is None:
            return ConfidenceModel.untrained(), True
        if self._model is None or self._model[0] != row["fitted"]:
            self._model = (row["fitted"], current_model(conn))
        return self._model[1], bool(row["current"])

    def estimate(self, target: Person, role: Role) -> Confidence:
        profile = target.profile()
        neighbours = self._history.similar(role.role_id, profile, self._neighbours)
        request = ScoreRequest(role.role_id, profile, Requester(target.user_id, target.department, target.title,
                                                                target.manager_id))
        with self._database.reading() as conn:
            model, current = self._current_model(conn)
            result = assess(conn, model, [request], explain=True)
            people = _people_named(conn, profile)
        probability = float(result.probabilities[0])
        counts = result.counts
        role_counts = (float(counts.approved[0, 0]), float(counts.total[0, 0]))
        peers = {"peers": (int(counts.peers[0, 0]), int(counts.peers[0, 1])),
                 "team": (int(counts.peers[0, 2]), int(counts.peers[0, 3]))}
        similar = [n for n in neighbours if n.similarity >= SIMILAR_THRESHOLD]
        evidence = _explain(target, role_counts, neighbours, similar, peers)
        if not neighbours:
            # A role nobody has asked for before: what was decided for similar people across its application.
            evidence.extend(_application_evidence(
                self._history.similar_in_application(role.app_id, profile, self._neighbours), role))
        evidence.extend(_factors(model, request, result, people))
        return Confidence(probability=round(probability, 4), evidence=tuple(evidence), available=current,
                          note="" if current else STALE_MODEL_NOTE,
                          features={"neighbours": float(len(neighbours)), "role_requests": role_counts[1],
                                    "similar": float(len(similar)),
                                    "similar_approved": float(sum(1 for n in similar if n.approved)),
                                    "like_requester": _like_requester(model.schema, counts)})


# The directory's own attributes that say who someone is at work, for `_like_requester`.
_WORK_ATTRIBUTES = ("department", "title")


def _like_requester(schema: FeatureSchema, counts: GroupCounts) -> float:
    """Past requests for the role from requesters sharing the department or the title, plus the holders of the
    role among the people sharing both (the first request's counts)."""
    asked = sum(float(counts.total[0, group]) for group, (kind, members) in enumerate(schema.groups)
                if kind == ROLE_ATTRIBUTE and schema.attributes[members[0]] in _WORK_ATTRIBUTES)
    return asked + float(counts.peers[0, 0])


def _explain(target: Person, role_counts: tuple[float, float], neighbours: list[PastDecision],
             similar: list[PastDecision], peers: dict[str, tuple[int, int]]) -> list[Evidence]:
    """The evidence shown with a score; `similar` are the neighbours at or past SIMILAR_THRESHOLD."""
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
    if similar:
        approved = sum(1 for n in similar if n.approved)
        evidence.append(Evidence(
            evidence_id=f"similar:{len(similar)}", kind="similar_requests",
            summary=similar_summary(similar, "for this role"), score=round(approved / len(similar), 3)))
    role_approved, role_total = role_counts
    if role_total:
        evidence.append(Evidence(
            evidence_id="role-history", kind="role_history",
            summary=f"this role was requested {int(role_total)} times before; {int(role_approved)} were approved",
            score=round(role_approved / role_total, 3)))
    for neighbour in neighbours[:3]:
        evidence.append(Evidence(
            evidence_id=f"history:{neighbour.history_id}", kind="past_decision",
            summary=f"{'approved' if neighbour.approved else 'denied'} for a requester sharing "
                    f"{round(neighbour.similarity * 100)}% of the attributes", score=round(neighbour.similarity, 3),
            source=neighbour.history_id))
    return evidence


def _application_evidence(neighbours: list[PastDecision], role: Role) -> list[Evidence]:
    similar = [n for n in neighbours if n.similarity >= SIMILAR_THRESHOLD and n.role_id != role.role_id]
    if not similar:
        return []
    approved = sum(1 for n in similar if n.approved)
    return [Evidence(
        evidence_id=f"similar-in-application:{role.app_id}:{len(similar)}", kind="similar_in_application",
        summary=similar_summary(similar, "for other roles in this application"),
        score=round(approved / len(similar), 3))]


def similar_summary(similar: Sequence[PastDecision], what: str) -> str:
    """How many of the nearest past requests (`what`: "for this role") were approved, saying how much of the
    requester's attributes they share unless every one is close: "16 of 25 past requests for this role from people
    sharing 50% to 62% of this requester's attributes were approved". The score beside it may be low while most of
    these were approved; the reader must see that these requesters are only partly like this one."""
    approved = sum(1 for n in similar if n.approved)
    least = min(n.similarity for n in similar)
    if least >= CLOSE_SIMILARITY:
        return f"{approved} of {len(similar)} similar past requests {what} were approved"
    low, high = round(least * 100), round(max(n.similarity for n in similar) * 100)
    shared = f"{low}%" if low == high else f"{low}% to {high}%"
    return (f"{approved} of {len(similar)} past requests {what} from people sharing {shared} of this requester's "
            "attributes were approved")


def names_a_person(attribute: str) -> bool:
    """Whether an attribute's value is a person's id (`manager_id`, or any other column named `..._id`)."""
    return attribute.lower().endswith("_id")


def _people_named(conn: psycopg.Connection[Any], profile: Mapping[str, str]) -> dict[str, str]:
    """The directory's names of the people the requester's attributes name by id (their manager), by id."""
    ids = sorted({value for attribute, value in profile.items() if names_a_person(attribute)})
    if not ids:
        return {}
    rows = conn.execute("SELECT user_id, display_name FROM users WHERE user_id = ANY(%s)", (ids,)).fetchall()
    return {row["user_id"]: row["display_name"] for row in rows}


def attribute_value(attribute: str, value: str, people: Mapping[str, str]) -> str:
    """An attribute and its value as a group is named by: "department Finance"; a person's id as the person, when
    the directory has them ("manager Anna Kowalska (e-10442)", not "manager_id e-10442")."""
    name = people.get(value) if names_a_person(attribute) else None
    if not name:
        return f"{attribute} {value}"
    return f"{attribute[:-3].replace('_', ' ').strip()} {name} ({value})"


def _describe_group(schema: FeatureSchema, group: int, profile: Mapping[str, str],
                    people: Mapping[str, str] | None = None) -> str:
    kind, members = schema.groups[group]
    values = " and ".join(attribute_value(schema.attributes[i], profile.get(schema.attributes[i], ""), people or {})
                          for i in members)
    if kind == ROLE_ATTRIBUTE:
        return f"requests for this role from people with {values}"
    if kind in (ATTRIBUTE, PAIR):
        return f"requests for any role from people with {values}"
    return "requests for this role"


def _factors(model: ConfidenceModel, request: ScoreRequest, result: Assessment,
             people: Mapping[str, str] | None = None, limit: int = 2) -> list[Evidence]:
    """The history groups that moved this score most, with their counts: why the model thinks what it does
    (`people`: the names of the people the requester's attributes name by id, by id)."""
    if model.trees is None:
        return []
    if result.contributions is None:
        raise ValueError("the factors of a score need its assessment made with explain=True")
    effects = group_contributions(model.schema, result.contributions)[0]
    order = np.argsort(-np.abs(effects[:-1]), kind="stable")
    role_group = next((index for index, (kind, _) in enumerate(model.schema.groups) if kind == ROLE), None)
    evidence: list[Evidence] = []
    for group in order[:limit]:
        effect = float(effects[group])
        total = float(result.counts.total[0, group])
        kind = model.schema.groups[group][0]
        if abs(effect) < FACTOR_MIN_EFFECT or not total or kind == ROLE:
            continue
        approved = float(result.counts.approved[0, group])
        direction = "raises" if effect > 0 else "lowers"
        # "14 of 16 approved" lowering the confidence reads as a contradiction unless it says against what.
        baseline = _baseline(result, role_group) if kind == ROLE_ATTRIBUTE else None
        against = f", against {baseline:.0%} for this role overall" if baseline is not None and (
            (effect < 0) == (approved / total >= 0.5)) else ""
        evidence.append(Evidence(
            evidence_id=f"factor:{model.schema.group_label(int(group))}", kind="history_factor",
            summary=f"{_describe_group(model.schema, int(group), request.profile, people)}: {int(approved)} of "
                    f"{int(total)} approved{against} ({direction} the confidence)",
            score=round(approved / total, 3)))
    return evidence


def _baseline(result: Assessment, role_group: int | None) -> float | None:
    """The role's own approval rate over its past requests, if it has any."""
    if role_group is None or not float(result.counts.total[0, role_group]):
        return None
    return float(result.counts.approved[0, role_group]) / float(result.counts.total[0, role_group])


# ----------------------------------------------------------------------------------------------------------------
# Fitting


def fit_from_store(database: Database, seed: int = 11) -> ConfidenceModel:
    """Fit the confidence model on the history (each decision's own fold left out of its features); store it, and
    the linear score's weights beside the counts, in one transaction."""
    with database.connection() as conn:
        version = conn.execute("SELECT version FROM catalog_meta WHERE id = 1").fetchone()
        model, linear = fit_model(conn, seed)
    with database.connection() as conn, conn.transaction():
        if linear is not None:
            stored = store_linear_weights(conn, model.schema, linear.history, linear.rows, linear.found,
                                          linear.fit.weights)
            log.info("linear score: %d weights stored", stored)
        conn.execute(
            "INSERT INTO confidence_model (id, params, fitted_at, catalog_version) "
            "VALUES (1, %s, clock_timestamp(), %s) ON CONFLICT (id) DO UPDATE SET params = EXCLUDED.params, "
            "fitted_at = EXCLUDED.fitted_at, catalog_version = EXCLUDED.catalog_version",
            (json.dumps(model.to_json()), version["version"] if version else None),
        )
    return model


@dataclass(frozen=True)
class FittedLinear:
    """The linear score fitted on the history rows `rows`, with what is needed to store its weights."""

    history: LoadedHistory
    rows: np.ndarray
    found: Indicators
    fit: LinearFit


def fit_model(conn: psycopg.Connection[Any], seed: int,
              params: BoostParams | None = None) -> tuple[ConfidenceModel, FittedLinear | None]:
    """Read the history and the directory, build honest training features, fit the linear score and the trees.

    The trees learn from each sampled decision's features with its own fold left out: counts from the other
    folds, and the linear score of a fit on the other folds."""
    started = time.perf_counter()
    schema = stored_schema(conn)
    history = load_history(conn, schema)
    n = len(history.arrays)
    if not n:
        return ConfidenceModel.untrained(0.5, schema), None
    prior = float(history.arrays.approved.mean())
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.permutation(n)[:MAX_FIT_ROWS])
    groups, group_of_row = decision_groups(history.user_ids, history.roles)
    fold_sets = rng.integers(0, HISTORY_FOLDS, (BAGS if len(rows) > CROSS_FIT_MAX_ROWS else 1, groups))[
        :, group_of_row]
    loaded = time.perf_counter()
    labels = history.arrays.approved[rows]
    found = indicators(schema, history.arrays, rows)
    linear = fit_linear(found.ids, labels, found.count)
    # Each fold assignment's rows get the linear score of fits on their other folds, as they get their counts.
    out_of_fold = [out_of_fold_margins(found.ids, labels, found.count, folds[rows], linear) for folds in fold_sets]
    linear_done = time.perf_counter()
    peers = fetch_peers(conn, _history_requests(conn, history, rows))
    features = []
    for counts, margins in zip(history_counts_per_folds(schema, history.arrays, rows, fold_sets, HISTORY_FOLDS),
                               out_of_fold, strict=True):
        counts.peers[:] = peers
        counts.linear[:] = margins
        features.append(feature_matrix(schema, counts, prior))
    prepared = time.perf_counter()
    model = fit(features, labels, prior, schema, seed, params, groups=group_of_row[rows])
    fitted = time.perf_counter()
    metrics = {**model.metrics, "history": float(n), "load_s": round(loaded - started, 3),
               "linear_s": round(linear_done - loaded, 3), "features_s": round(prepared - linear_done, 3),
               "fit_s": round(fitted - prepared, 3)}
    log.info("confidence model fitted on %d of %d decisions: %s", len(rows), n, metrics)
    if model.trees is None:  # too few decisions, or one outcome only: no linear score either
        return replace(model, metrics=metrics), None
    return (replace(model, metrics=metrics, linear_bias=linear.bias),
            FittedLinear(history, rows, found, linear))


def decision_groups(user_ids: Sequence[str | None], roles: Sequence[str]) -> tuple[int, np.ndarray]:
    """Past decisions grouped by requester and role, numbered in order of first appearance: one person's repeated
    requests for one role fall in one fold, so a decision's left-out features never hold its own repeats (which
    would teach the trees that the history always knows the answer). A decision with no requester id is a group
    of its own. Returns the number of groups and each row's group."""
    numbers: dict[tuple[str, str], int] = {}
    group_of_row = np.empty(len(roles), dtype=np.int64)
    count = 0
    for row, (user, role) in enumerate(zip(user_ids, roles, strict=True)):
        if user is None:
            group_of_row[row] = count
            count += 1
            continue
        number = numbers.get((user, role))
        if number is None:
            number = numbers[(user, role)] = count
            count += 1
        group_of_row[row] = number
    return count, group_of_row


def _history_requests(conn: psycopg.Connection[Any], history: LoadedHistory, rows: np.ndarray) -> list[ScoreRequest]:
    """The sampled decisions as requests by their requester as the directory knows them now."""
    wanted = sorted({history.user_ids[i] for i in rows.tolist() if history.user_ids[i]})
    people: dict[str, Requester] = {}
    if wanted:
        for user_id, department, title, manager_id in conn.cursor(row_factory=tuple_row).execute(
                "SELECT user_id, department, title, manager_id FROM users WHERE user_id = ANY(%s)", (wanted,)):
            people[user_id] = Requester(user_id, department, title, manager_id)
    return [ScoreRequest(history.roles[i], history.profiles[history.profile_of_row[i]],
                         people.get(history.user_ids[i] or "")) for i in rows.tolist()]
