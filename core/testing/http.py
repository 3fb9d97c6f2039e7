"""A real HTTP server on 127.0.0.1 for plugin tests: records requests, answers as told."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What to answer: status, body (bytes, or anything JSON-able), headers, a delay."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to provoke timeouts)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        """The body as bytes and the headers to send with it."""
        if isinstance(self.body, bytes):
            return self.body, self.headers
        if isinstance(self.body, str):
            return self.body.encode(), {"Content-Type": "text/plain; charset=utf-8", **self.headers}
        data = json.dumps(self.body, ensure_ascii=False).encode()
        return data, {"Content-Type": "application/json", **self.headers}


Responder = Callable[[Recorded], Reply]


class LocalHttpServer:
    """An HTTP server in a thread; every request is recorded and answered by `respond`."""

    def __init__(self, respond: Responder):
        self.respond = respond
        self.requests: list[Recorded] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll interval makes stop() quick; tests start and stop many servers.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:51234."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LocalHttpServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Recorded(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query)),
                    dict(self.headers.items()),
                    self.rfile.read(length),
                )
                owner.requests.append(request)
                reply = owner.respond(request)
                if reply.delay:
                    # Test servers may stall on purpose; wall time is the point here.
                    time.sleep(reply.delay)
                body, headers = reply.encoded()
                try:
                    self.send_response(reply.status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting; that is what the test provoked

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                """Stay quiet: pytest shows the test's own output."""

        return Handler


class Script:
    """A responder that answers with queued replies in order, then with `default`."""

    def __init__(self, *replies: Reply, default: Reply | None = None):
        self.queue = list(replies)
        self.default = default or Reply(200, {"ok": True})

    def __call__(self, request: Recorded) -> Reply:
        """The next queued reply."""
        return self.queue.pop(0) if self.queue else self.default


@contextmanager
def serving(respond: Responder) -> Iterator[LocalHttpServer]:
    """A started LocalHttpServer, stopped on exit."""
    server = LocalHttpServer(respond).start()
    try:
        yield server
    finally:
        server.stop()
