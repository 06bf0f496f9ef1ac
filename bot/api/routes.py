"""The HTTP API: routes over the core service, with pydantic models that generate the OpenAPI document."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query, get_flat_dependant
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.request import Request

from bot.api import console, repository
from bot.api.errors import (
    ApiError,
    BodyTooLargeError,
    ConflictError,
    InvalidQueryError,
    MalformedBodyError,
    MethodNotAllowedError,
    ResourceNotFoundError,
    http_error,
)
from bot.api.identity import caller_id
from bot.api.models import (
    ID_PATTERN,
    IDEMPOTENCY_KEY_PATTERN,
    PRINTABLE_PATTERN,
    AccessRequestBody,
    AccessRequestResponse,
    ApprovalDecisionBody,
    ApprovalDecisionResponse,
    ApprovalQueueResponse,
    AuditEventsPage,
    ChatRequest,
    ChatResponse,
    DemoUsersResponse,
    ErrorResponse,
    HealthResponse,
    RequestStatusResponse,
    WithdrawalBody,
)
from bot.api.requests import structured_request
from bot.api.runtime import ApiRuntime, current
from bot.api.settings import MAX_BODY_BYTES
from bot.conversation import ConversationState
from bot.domain import Decision, Outcome
from bot.messages import described_access, for_an_approver
from bot.own_access import current_answer, decider_name
from bot.ports import RefusedAttempt, WithdrawalResult
from validators import audit_query, audit_reports
from validators.audit_query import MAX_LIMIT
from validators.audit_reports import AuditReport
from validators.decisions import canonical_request_id

CHANNEL = "api"
BEARER = "bearerAuth"
API_VERSION = "1.0.0"


# Base64 takes 4 characters for every 3 bytes; longer encoded text cannot hold an acceptable body (the slack
# covers padding and line breaks some encoders add).
_MAX_ENCODED_CHARS = (MAX_BODY_BYTES + 2) // 3 * 4 + 1024


def _check_size(text: str | None) -> None:
    if text is not None and len(text) > MAX_BODY_BYTES // 4 and len(text.encode("utf-8")) > MAX_BODY_BYTES:
        raise BodyTooLargeError(f"the body is larger than {MAX_BODY_BYTES} bytes")


def _check_encoded_size(encoded: str | None) -> None:
    """The limit applies to the body sent, not to API Gateway's base64 of it: the decoded bytes are measured, and
    only encoded text too long to decode to an acceptable body is refused unread."""
    if not encoded:
        return
    if len(encoded) > _MAX_ENCODED_CHARS or len(base64.b64decode(encoded)) > MAX_BODY_BYTES:
        raise BodyTooLargeError(f"the body is larger than {MAX_BODY_BYTES} bytes")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are each given once: `{"action": "deny", "action": "approve"}` is refused, not read
    as whichever came last."""
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise MalformedBodyError(f"the body gives {', '.join(repr(key) for key in repeated)} more than once")
    return dict(pairs)


def _json_body(text: str) -> Any:
    _check_size(text)
    try:
        # A leading byte order mark, which some Windows tools write, is not part of the JSON (RFC 8259 lets a
        # parser ignore it).
        return json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_no_repeated_keys)
    except RecursionError as exc:
        raise MalformedBodyError("the body is not valid JSON (nested too deeply)") from exc
    except json.JSONDecodeError:
        raise  # answered as INVALID_JSON by the request validation
    except ValueError as exc:  # e.g. an integer past Python's 4,300-digit conversion limit
        raise MalformedBodyError("the body is not valid JSON (a number too long)") from exc


resolver = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=_json_body)


def _openapi_json() -> str:
    """The OpenAPI document. Its models (about 100 ms of imports) load on the first request for it, not at the
    handler's cold start."""
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer  # noqa: PLC0415

    return resolver.get_openapi_json_schema(
        title="AskIAM", version=API_VERSION,
        description="Chat-first access requests: every decision comes from the hard rules, with cited evidence.",
        security_schemes={BEARER: HTTPBearer(description="A JWT verified by API Gateway; locally 'dev:<user_id>'.")},
    )


# Route rules by method, to tell a wrong method (405) from an unknown path (404).
_RULES: dict[str, set[str]] = {}


def _route(method: str, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    _RULES.setdefault(rule, set()).add(method)
    return resolver.route(rule, method, **options)


def _responses(success: int, *errors: int) -> dict[int, OpenAPIResponse]:
    """The success response (its schema comes from the return type) and the error responses a route can give."""
    answers: dict[int, OpenAPIResponse] = {success: {"description": HTTPStatus(success).phrase}}
    for status in sorted({*errors, 422, 500}):
        answers[status] = {"description": HTTPStatus(status).phrase,
                           "content": {content_types.APPLICATION_JSON: {"model": ErrorResponse}}}
    for status in (429, 503):
        if status in errors:
            answers[status]["headers"] = {"Retry-After": {"description": "Seconds to wait before trying again",
                                                          "schema": {"type": "string"}}}
    return answers


def _limit_body(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    # Bodies the validation middleware parsed were measured there, decoded; this covers routes that take none.
    if app.current_event.is_base64_encoded:
        _check_encoded_size(app.current_event.body)
    else:
        _check_size(app.current_event.body)
    return next_middleware(app)


def _known_query_only(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """On a route that reads query parameters (filters), refuse the ones it does not read: a misspelt or unsupported
    filter must not silently widen an audit search to everything. Routes that read none ignore a query string."""
    given = app.current_event.query_string_parameters or {}
    route = app.context.get("_route")
    if given and route is not None:
        known = {field.alias for field in get_flat_dependant(route.dependant).query_params}
        unknown = sorted(set(given) - known)
        if known and unknown:
            raise InvalidQueryError(f"unknown query parameter(s): {', '.join(unknown)}; this route reads: "
                                    f"{', '.join(sorted(known)) or 'none'}")
        # An empty filter would otherwise be dropped, and the search widened, without a word.
        empty = sorted(name for name in set(given) & known if given[name] == "")
        if empty:
            raise InvalidQueryError("; ".join(f"{name}: empty value" for name in empty))
    return next_middleware(app)


resolver.use([_limit_body, _known_query_only])


def _render_error(exc: Exception) -> Response[str]:
    error = http_error(exc, repeated=_repeated_query_names())
    return Response(status_code=error.status, content_type=content_types.APPLICATION_JSON, body=error.body(),
                    headers=error.headers)


def _repeated_query_names() -> frozenset[str]:
    """Query parameters given more than once: API Gateway joins their values with commas (the router then reads a
    list), and only the raw query string still shows the repeat."""
    raw = resolver.current_event.raw_query_string or ""
    names = [name for name, _ in parse_qsl(raw, keep_blank_values=True)]
    return frozenset(name for name in names if names.count(name) > 1)


def _no_route(exc: NotFoundError) -> Response[str]:
    method = resolver.current_event.http_method.upper()
    path = resolver.current_event.path
    allowed = sorted({m for rule, methods in _RULES.items() if _matches(rule, path) for m in methods})
    # A path whose shape matches a route of this method failed only on a path parameter the router cannot take
    # (control characters and the like): nothing by that name exists.
    problem: ApiError = MethodNotAllowedError(method, path, allowed) if allowed and method not in allowed else \
        ResourceNotFoundError(f"there is no {path} here", code="NOT_FOUND")
    return _render_error(problem)


# Every failure, from validation to a store that is down, becomes one JSON error through `http_error`.
resolver.exception_handler(Exception)(_render_error)
resolver.not_found(_no_route)


def _matches(rule: str, path: str) -> bool:
    pattern = re.sub(r"<\w+>", "[^/]+", re.escape(rule).replace(r"\<", "<").replace(r"\>", ">"))
    return re.fullmatch(pattern, path) is not None


def runtime() -> ApiRuntime:
    return current()


def caller(request: Request, rt: Annotated[ApiRuntime, Depends(runtime)]) -> str:
    """The authenticated caller's user id, from the request context (never from the body)."""
    event = request.resolved_event
    claims = event.request_context.authorizer.jwt_claim  # type: ignore[attr-defined]
    return caller_id(claims, event.headers.get("authorization"), env=rt.app.settings.env, api=rt.api,
                     directory=rt.directory)


Runtime = Annotated[ApiRuntime, Depends(runtime)]
Caller = Annotated[str, Depends(caller)]
IdempotencyKey = Annotated[str | None, Header(
    pattern=IDEMPOTENCY_KEY_PATTERN,
    description="A key of the client's choosing: a retry with the same key returns the first answer, decided once.")]
_SECURED: list[dict[str, list[str]]] = [{BEARER: []}]


@_route("POST", "/chat", summary="One turn of a conversation", operation_id="chat", security=_SECURED,
        responses=_responses(200, 400, 401, 403, 404, 413, 415, 429, 503))
def chat(body: Annotated[ChatRequest, Body()], rt: Runtime, who: Caller,
         idempotency_key: IdempotencyKey = None) -> ChatResponse:
    """Answer one message; the conversation state stays on the server under `conversation_id`."""
    state: ConversationState | None = None
    if body.conversation_id is not None:
        state = rt.conversations.load(body.conversation_id, who)
        if state is None:
            missing = ResourceNotFoundError("no such conversation; start a new one without conversation_id",
                                            code="CONVERSATION_NOT_FOUND")
            if rt.conversations.exists(body.conversation_id):
                _audit_refused(rt, who, missing, "the conversation is another person's",
                               conversation_id=body.conversation_id)
            raise missing
        conversation_id = body.conversation_id
    else:
        conversation_id = repository.new_conversation_id()
    turn = rt.app.service.handle(who, body.text, channel=CHANNEL, state=state, conversation_id=conversation_id,
                                 idempotency_key=idempotency_key)
    # A retried question (same idempotency key) comes back without its state; the first attempt stored it.
    replayed_question = turn.outcome.repeated and turn.outcome.decision is Decision.NEEDS_CLARIFICATION
    if not (replayed_question and state is not None):
        rt.conversations.save(conversation_id, who, turn.state or ConversationState())
    return ChatResponse.of(conversation_id, turn.outcome)


@_route("POST", "/access-requests", summary="Request a role by ids", operation_id="createAccessRequest",
        security=_SECURED, status_code=201, responses=_responses(201, 400, 401, 403, 413, 415, 429, 503))
def create_access_request(body: Annotated[AccessRequestBody, Body()], rt: Runtime, who: Caller,
                          idempotency_key: IdempotencyKey = None) -> AccessRequestResponse:
    """Decide a structured request through the same service as the chat."""
    outcome = structured_request(rt, who, body, channel=CHANNEL, idempotency_key=idempotency_key)
    return AccessRequestResponse.of(outcome)


@_route("GET", "/access-requests/<request_id>", summary="A request's status, checks, evidence and history",
        operation_id="getAccessRequest", security=_SECURED, responses=_responses(200, 400, 401, 403, 404, 503))
def get_access_request(request_id: Annotated[str, Path(pattern=ID_PATTERN)], rt: Runtime,
                       who: Caller) -> RequestStatusResponse:
    """Visible to the person who asked, the person it is for, and whoever may decide it (read-only)."""
    request_id = canonical_request_id(request_id)  # "r-1000" is R-1000
    rt.app.service.requester(who, CHANNEL, f"(status of {request_id})")
    rt.app.approvals.expire()  # an overdue request reads EXPIRED, not pending until the next sweep
    outcome = rt.app.store.get(request_id)
    missing = ResourceNotFoundError(f"no request {request_id} of yours", code="REQUEST_NOT_FOUND")
    if outcome is None:
        raise missing
    if who not in {outcome.requester_id, outcome.user_id} and \
            not repository.is_approver(rt.app.database.connection, request_id, who):
        _audit_refused(rt, who, missing, "neither its requester, the person it is for, nor one of its approvers",
                       request_id=request_id)
        raise missing
    return _status(rt, outcome, who)


def route_called() -> str:
    """The method and path called ("POST /access-requests/R-1/withdraw"), as an audit record names them."""
    event = resolver.current_event
    return f"{event.http_method.upper()} {event.path}"


def _audit_refused(rt: ApiRuntime, who: str, answer: ApiError, why: str, *, request_id: str | None = None,
                   conversation_id: str | None = None) -> None:
    """Keep who tried something that exists but is not theirs; they are answered as if it did not exist, and
    the log is where anyone learns of the attempt."""
    rt.app.store.record_refused_attempt(RefusedAttempt(
        attempted_by=who, channel=CHANNEL, route=route_called(), code=answer.code, why=why, request_id=request_id,
        conversation_id=conversation_id))


def _status(rt: ApiRuntime, outcome: Outcome, reader: str) -> RequestStatusResponse:
    """A recorded request as it stands now, with every decision taken on it, told to `reader`: its requester or
    the person it is for read what the chat would tell them; an approver reads about the person it is for."""
    history = repository.decision_history(rt.app.database.connection, outcome.request_id)
    if reader in {outcome.requester_id, outcome.user_id}:
        return RequestStatusResponse.of(outcome, history, current_answer(outcome, rt.directory))
    target = rt.directory.get_person(outcome.user_id or "")
    described = described_access(rt.app.service.vocabulary().catalog, outcome.app_id, outcome.role_id,
                                 target.display_name if target is not None else outcome.user_id or "")
    message = for_an_approver(outcome, f" ({described})" if described else "",
                              decider_name(outcome, reader, rt.directory))
    return RequestStatusResponse.of(outcome, history, message)


@_route("POST", "/access-requests/<request_id>/withdraw", summary="Withdraw a request waiting for approval",
        operation_id="withdrawAccessRequest", security=_SECURED,
        responses=_responses(200, 400, 401, 403, 404, 409, 413, 415, 503))
def withdraw_access_request(request_id: Annotated[str, Path(pattern=ID_PATTERN)], rt: Runtime, who: Caller,
                            body: Annotated[WithdrawalBody | None, Body()] = None) -> RequestStatusResponse:
    """For the person who asked or the one it is for, while it waits for approval: closed as DENIED (WITHDRAWN),
    audited, and no approver can decide it after. Anyone else gets 404, as for a request that does not exist. The
    body is optional (`{"comment": "..."}`)."""
    request_id = canonical_request_id(request_id)
    rt.app.service.requester(who, CHANNEL, f"(withdraw {request_id})")
    result = rt.app.approvals.withdraw(request_id, who, CHANNEL, comment=body.comment.strip() if body else "")
    if result.result is WithdrawalResult.NOT_FOUND:
        missing = ResourceNotFoundError(f"no request {request_id} of yours", code="REQUEST_NOT_FOUND")
        named = rt.app.store.get(result.request_id)
        if named is not None and who not in {named.requester_id, named.user_id}:
            _audit_refused(rt, who, missing, "neither its requester nor the person it is for",
                           request_id=result.request_id)
        raise missing
    if result.result is WithdrawalResult.NOT_PENDING:
        raise ConflictError(f"{request_id} is {result.status}, not waiting for approval; nothing was withdrawn",
                            code="NOT_PENDING")
    # Withdrawn now or before (a retry after a lost answer): the request as it stands.
    outcome = rt.app.store.get(request_id)
    assert outcome is not None
    return _status(rt, outcome, who)


@_route("GET", "/approvals", summary="The requests waiting for the caller's decision",
        operation_id="listApprovals", security=_SECURED, responses=_responses(200, 401, 403, 413, 503))
def list_approvals(rt: Runtime, who: Caller) -> ApprovalQueueResponse:
    """Oldest first, each with its checks and evidence; requests pending past the expiry are denied first. A queue
    longer than one response can carry keeps its oldest requests and counts the rest in `omitted`."""
    return console.approval_queue(rt, who, CHANNEL)


@_route("POST", "/approvals/<request_id>/decision", summary="Approve or deny a pending request",
        operation_id="decideApproval", security=_SECURED,
        responses=_responses(200, 400, 401, 403, 404, 409, 413, 415, 503))
def decide_approval(request_id: Annotated[str, Path(pattern=ID_PATTERN)],
                    body: Annotated[ApprovalDecisionBody, Body()], rt: Runtime,
                    who: Caller) -> ApprovalDecisionResponse:
    """Decided once: approving re-runs every hard check under the request's lock and grants in one transaction."""
    return console.decide(rt, request_id, who, body.action == "approve", body.comment, CHANNEL)


def auditor(rt: Runtime, who: Caller) -> str:
    """The caller, if they hold the auditor role (403 otherwise)."""
    return console.require_auditor(rt, who, CHANNEL, route_called())


Auditor = Annotated[str, Depends(auditor)]
_Text = Annotated[str | None, Query(max_length=200, pattern=PRINTABLE_PATTERN)]
_User = Annotated[str | None, Query(max_length=200, pattern=PRINTABLE_PATTERN,
                                     description="Who the access is for.")]
_Time = Annotated[str | None, Query(max_length=40, pattern=PRINTABLE_PATTERN, description=(
    "As on the command line: ISO 8601 (UTC if no zone), today, yesterday, this-week, this-month, or an age such as "
    "24h, 7d, 2w; `since` inclusive, `until` exclusive."))]


@_route("GET", "/audit/events", summary="Audit records, newest first, filtered and paged",
        operation_id="queryAudit", security=_SECURED, responses=_responses(200, 400, 401, 403, 413, 503))
def audit_events(rt: Runtime, _: Auditor, user: _User = None, requester: _Text = None, approver: _Text = None,
                 app: _Text = None, role: _Text = None, decision: _Text = None, reason: _Text = None,
                 channel: _Text = None, since: _Time = None, until: _Time = None, request: _Text = None,
                 event: _Text = None,
                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
                 cursor: Annotated[str | None, Query(max_length=200, pattern=PRINTABLE_PATTERN)] = None,
                 ) -> AuditEventsPage:
    """Only for holders of the auditor role; `next_cursor` goes back in as `cursor` for the next page. A page
    holds fewer than `limit` records (`truncated`) when one response could carry no more."""
    selected = console.audit_filter(rt.app.database, target_id=user, requester_id=requester, approver=approver,
                                    app_id=app, role_id=role, decision=decision, reason=reason, channel=channel,
                                    since=since,
                                    until=until, request_id=request, event_type=event)
    return console.within_one_response(audit_query.query(rt.app.database, selected, limit, cursor or None))


@_route("GET", "/audit/export", summary="Every matching audit record as CSV or JSON Lines",
        operation_id="exportAudit", security=_SECURED,
        responses={**_responses(200, 400, 401, 403, 413, 503),
                   200: {"description": "OK", "content": {"text/csv": {}, "application/x-ndjson": {}}}})
def audit_export(rt: Runtime, _: Auditor, format: Annotated[Literal["csv", "jsonl"], Query()] = "csv",  # noqa: A002
                 user: _User = None, requester: _Text = None, approver: _Text = None, app: _Text = None,
                 role: _Text = None, decision: _Text = None, reason: _Text = None, channel: _Text = None,
                 since: _Time = None, until: _Time = None, request: _Text = None,
                 event: _Text = None) -> Response[str]:
    """Newest first; refused with 413 past what one response may carry (narrow the filters)."""
    selected = console.audit_filter(rt.app.database, target_id=user, requester_id=requester, approver=approver,
                                    app_id=app, role_id=role, decision=decision, reason=reason, channel=channel,
                                    since=since,
                                    until=until, request_id=request, event_type=event)
    body = console.export(rt, selected, format)
    return Response(status_code=200, content_type=console.EXPORT_CONTENT_TYPES[format], body=body,
                    headers={"Content-Disposition": f'attachment; filename="askiam-audit.{format}"'})


@_route("GET", "/audit/reports", summary="Decisions over time, auto-approval rate, top roles, SoD denials, ...",
        operation_id="auditReports", security=_SECURED, responses=_responses(200, 400, 401, 403, 503))
def audit_report(rt: Runtime, _: Auditor, since: _Time = None, until: _Time = None,
                 bucket: Annotated[Literal["day", "week"], Query()] = "day", user: _User = None,
                 requester: _Text = None, approver: _Text = None, app: _Text = None, role: _Text = None,
                 decision: _Text = None, reason: _Text = None, channel: _Text = None) -> AuditReport:
    """Every report section over the window and filters, as `askiam audit report` computes it."""
    selected = console.audit_filter(rt.app.database, target_id=user, requester_id=requester, approver=approver,
                                    app_id=app, role_id=role, decision=decision, reason=reason, channel=channel,
                                    since=since,
                                    until=until)
    return audit_reports.report(rt.app.database, selected, bucket)


@_route("GET", "/health", summary="Liveness and database reachability", operation_id="health",
        responses=_responses(200, 503))
def health(rt: Runtime) -> HealthResponse:
    repository.ping(rt.app.database.connection)
    return HealthResponse()


@_route("GET", "/demo/users", summary="People to try the chat as (local only)", operation_id="demoUsers",
        responses=_responses(200, 404, 503))
def demo_users(rt: Runtime) -> DemoUsersResponse:
    if not rt.is_local:
        raise ResourceNotFoundError("there is no /demo/users here", code="NOT_FOUND")
    from bot.demo.loader import featured_people  # noqa: PLC0415 - the demo is local only

    return DemoUsersResponse(users=repository.demo_users(rt.app.database.connection, featured_people(rt.app)))


@_route("GET", "/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON,
                    body=_openapi_json())
