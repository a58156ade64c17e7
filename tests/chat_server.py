"""A fake OpenAI-compatible server on 127.0.0.1 for the summary tests: ``POST
/v1/chat/completions`` answers in the API's recorded shape (``{"id", "object":
"chat.completion", "model", "choices": [{"index", "message": {"role", "content"},
"finish_reason"}], "usage"}``), or as the test scripts it: a status with ``Retry-After``,
an HTML page, a huge body, a slow answer, a body dripped a piece at a time, or any
content. ``sent`` counts the body bytes each answer got out before the client hung up."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD = "The paper proposes a shared encoder with task-specific heads for vision tasks."


def completion(content: str | None, model: str = "tiny-llm", *, choices: bool = True) -> bytes:
    body = {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1764662400, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}] if choices else [],
        "usage": {"prompt_tokens": 120, "completion_tokens": 20, "total_tokens": 140},
    }
    return json.dumps(body).encode()


@dataclass
class Reply:
    status: int = 200
    body: bytes = field(default_factory=lambda: completion(GOOD))
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (past the client's timeout: a timeout)
    repeat: int = 1  # the body sent this many times over (Content-Length says the whole)
    gap: float = 0.0  # seconds between the body's pieces (a slow drip)


class ChatServer:
    """Answers with the scripted replies in order, then with ``default``."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.default = Reply()
        self.requests: list[tuple[dict[str, str], dict]] = []
        self.sent: list[int] = []  # body bytes written, per answer
        self._stop = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    def _next(self) -> Reply:
        return self.replies.popleft() if self.replies else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                server.requests.append((dict(self.headers), json.loads(self.rfile.read(length))))
                reply = Reply(404, b'{"error": "not found"}') if self.path != "/v1/chat/completions" else server._next()
                if reply.delay:
                    server._stop.wait(reply.delay)
                server.sent.append(0)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body) * reply.repeat))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self._write_body(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (too big, or timed out)

            def _write_body(self, reply: Reply) -> None:
                for piece in range(reply.repeat):
                    if piece and reply.gap and server._stop.wait(reply.gap):
                        return
                    self.wfile.write(reply.body)
                    self.wfile.flush()
                    server.sent[-1] += len(reply.body)

            def log_message(self, *_args: object) -> None:
                pass

        return Handler
