"""`askiam serve`: the Lambda behind a local HTTP server, as API Gateway would call it, the web chat page and the
approvers' and auditors' console (`/console`).

Every API request becomes the payload-format-2.0 event the Lambda gets in AWS (without a JWT authorizer, so
only development tokens identify the caller) and the Lambda's result becomes the HTTP response.
"""

from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, cast
from urllib.parse import urlsplit

from bot.api.errors import ApiError, BodyTooLargeError, HttpProtocolError, http_error
from bot.api.gateway import HttpRequest, HttpResponse, from_response, to_event
from bot.api.handler import lambda_handler, use_application
from bot.api.settings import MAX_BODY_BYTES
from bot.bootstrap import Application
from bot.periodic import Periodic

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
    "/console": ("console.html", "text/html; charset=utf-8"),
    "/console.js": ("console.js", "text/javascript; charset=utf-8"),
    "/console.css": ("console.css", "text/css; charset=utf-8"),
    "/labels.js": ("labels.js", "text/javascript; charset=utf-8"),
    # The pages link the SVG; browsers and tools that ask for /favicon.ico regardless get it too, not a 404.
    "/favicon.svg": ("favicon.svg", "image/svg+xml"),
    "/favicon.ico": ("favicon.svg", "image/svg+xml"),
}
_INVOCATION = threading.Lock()
_PAGE_HEADERS = (
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)


@dataclass(frozen=True)
class LocalContext:
    """The parts of the Lambda context a handler may read."""

    aws_request_id: str
    function_name: str = "askiam-api-local"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:askiam-api-local"
    memory_limit_in_mb: int = 1024

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


class LengthRequiredError(ApiError):
    status = HTTPStatus.LENGTH_REQUIRED
    code = "LENGTH_REQUIRED"


class _Handler(BaseHTTPRequestHandler):
    server_version = "AskIAM-local"
    protocol_version = "HTTP/1.1"
    # A request line that cannot be read is answered with a status line and headers too, not as HTTP/0.9 would be.
    default_request_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the names http.server dispatches to
        self._dispatch()

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch()

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._dispatch()

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        if self.command in ("GET", "HEAD") and path in _STATIC:
            self._send(_static(*_STATIC[path]))
            return
        try:
            body = self._read_body()
        except ApiError as exc:
            self.close_connection = True
            self._send(_error_response(exc))
            return
        request = HttpRequest(method=self.command, target=self.path, headers=tuple(self.headers.items()),
                              body=body, source_ip=self.client_address[0], protocol=self.request_version)
        host, port = _address(self.server)
        event = to_event(request, host=f"{host}:{port}")
        try:
            # One event at a time, as one Lambda instance runs them: the resolver keeps the current event in
            # class attributes, so concurrent calls from the server's threads would read each other's requests.
            with _INVOCATION:
                result = lambda_handler(event, LocalContext(event["requestContext"]["requestId"]))  # type: ignore[arg-type]
            response = from_response(result)
        except Exception as exc:  # what API Gateway does when the Lambda itself fails: a 5xx, never a hang
            response = _error_response(exc)
        self._send(response)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise LengthRequiredError("send the body with a Content-Length")
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError as exc:
            raise ApiError("the Content-Length header is not a number", code="BAD_CONTENT_LENGTH") from exc
        if length < 0:
            raise ApiError("the Content-Length header is negative", code="BAD_CONTENT_LENGTH")
        if length > MAX_BODY_BYTES:
            raise BodyTooLargeError(f"the body is larger than {MAX_BODY_BYTES} bytes")
        return self.rfile.read(length)

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a request line or headers it cannot read, an unknown method) in the JSON
        every other answer uses, not its HTML page."""
        status = HTTPStatus(code)
        self.close_connection = True
        self._send(_error_response(HttpProtocolError(status, message or status.phrase)))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the signature http.server calls
        log.info("%s %s", self.address_string(), format % args)


def _address(server: socketserver.BaseServer) -> tuple[str, int]:
    host, port = cast(tuple[str, int], server.server_address)[:2]
    return host, port


def _static(name: str, content_type: str) -> HttpResponse:
    body = (resources.files("bot.api") / "static" / name).read_bytes()
    headers = (("Content-Type", content_type), ("Content-Length", str(len(body))), *_PAGE_HEADERS)
    return HttpResponse(200, headers, body)


def _error_response(exc: BaseException) -> HttpResponse:
    error = http_error(exc)
    body = error.body().encode("utf-8")
    headers = (("Content-Type", "application/json"), ("Content-Length", str(len(body))), *error.headers.items())
    return HttpResponse(error.status, headers, body)


def make_server(app: Application, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """A server bound to host:port (0 picks a free port) that serves `app` through the Lambda handler."""
    if app.settings.env != "local":
        log.warning("serving with env %r: development tokens are rejected, so the chat page cannot sign in",
                    app.settings.env)
    use_application(app)
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    return server


def expiry_sweep(app: Application) -> Periodic:
    """Expires overdue requests while the server runs (as the scheduled expiry function does in AWS), so they are
    decided on time even when no approver opens the queue."""
    def expire() -> None:
        expired = app.approvals.expire()
        if expired:
            log.info("expired %d request(s) pending for more than %d days: %s", len(expired),
                     app.settings.approval_expiry_days, ", ".join(expired))

    return Periodic("approval-expiry", app.settings.expiry_sweep_minutes * 60.0, expire)


@contextmanager
def serving(app: Application, host: str = DEFAULT_HOST, port: int = 0) -> Iterator[str]:
    """Serve `app` from a background thread while the block runs (port 0 picks a free one); yields the base URL."""
    server = make_server(app, host, port)
    sweep = expiry_sweep(app)
    thread = threading.Thread(target=server.serve_forever, name="askiam-local-server", daemon=True)
    thread.start()
    sweep.start()
    try:
        host, bound = _address(server)
        yield f"http://{host}:{bound}"
    finally:
        sweep.stop()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        use_application(None)


def serve(app: Application, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          on_ready: Callable[[str], None] | None = None) -> None:
    """Serve the API and the web chat until interrupted.

    Parameters
    ----------
    app:
        The application to serve (its settings' env should be "local" so that development tokens work).
    host, port:
        Where to listen; 127.0.0.1 keeps the development tokens off the network.
    on_ready:
        Called with the page's URL once the server listens (the CLI prints it).
    """
    server = make_server(app, host, port)
    bound_host, bound_port = _address(server)
    url = f"http://{bound_host}:{bound_port}/"
    log.info("serving on %s", url)
    sweep = expiry_sweep(app)
    try:  # from here on an interrupt (Ctrl-C, or SIGTERM through the CLI) is a normal stop
        sweep.start()
        if on_ready is not None:
            on_ready(url)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sweep.stop()
        server.server_close()
        use_application(None)
