"""Real servers and processes the tests talk to: an SMTP sink (aiosmtpd on 127.0.0.1)
that can misbehave on purpose, a reranking / embeddings endpoint (``RerankServer``),
``paperwire digest send`` workers, and job locks held in a separate process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from conftest import REPO, ReservedPort
from paperwire.core import Paperwire
from paperwire.db.locks import is_held

MESSAGE_ID = re.compile(rb"^Message-ID: (<[^>\r\n]+>)", re.MULTILINE | re.IGNORECASE)


@dataclass
class Received:
    recipients: list[str]
    message_id: str
    content: bytes | None  # kept only when the sink is asked to keep bodies
    at: float


@dataclass
class Behaviour:
    """What the sink does: 451 for some recipients a few times, 550 for others, or
    hold the next MAIL FROM (to kill a worker between two messages)."""

    soft_fail: dict[str, int] = field(default_factory=dict)  # address -> 451s left
    hard_fail: set[str] = field(default_factory=set)
    hold_next_mail: bool = False
    mail_delay: float = 0.0  # seconds before answering each MAIL FROM: a slow server


class SinkHandler:
    def __init__(self, keep_bodies: bool) -> None:
        self.keep_bodies = keep_bodies
        self.received: list[Received] = []
        self.behaviour = Behaviour()
        self.lock = threading.Lock()
        self.rcpt_attempts: Counter[str] = Counter()
        self.held = threading.Event()  # set while a MAIL FROM is being held
        self.release = threading.Event()

    async def handle_MAIL(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if self.behaviour.mail_delay:
            import asyncio

            await asyncio.sleep(self.behaviour.mail_delay)
        if self.behaviour.hold_next_mail:
            self.behaviour.hold_next_mail = False
            self.held.set()
            import asyncio

            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return "421 4.3.0 going away"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        with self.lock:
            self.rcpt_attempts[address] += 1
            left = self.behaviour.soft_fail.get(address, 0)
            if left:
                self.behaviour.soft_fail[address] = left - 1
                return "451 4.3.0 Try again later"
        if address in self.behaviour.hard_fail:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        content = envelope.content
        match = MESSAGE_ID.search(content[:4000])
        with self.lock:
            self.received.append(Received(
                list(envelope.rcpt_tos), match[1].decode() if match else "",
                content if self.keep_bodies else None, time.time(),
            ))
        return "250 OK"

    def per_recipient(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        with self.lock:
            for item in self.received:
                for recipient in item.recipients:
                    found.setdefault(recipient, []).append(item.message_id)
        return found


class Sink:
    """An aiosmtpd server on 127.0.0.1 that can go down and come back on its port (kept
    reserved meanwhile, so nothing else gets it); ``close()`` gives the port back.
    ``host``: another address of this machine to listen on (tests/cluster.py's bridge)."""

    def __init__(self, keep_bodies: bool = True, host: str = "127.0.0.1") -> None:
        self.handler = SinkHandler(keep_bodies)
        self.reserved = ReservedPort()
        self.port = self.reserved.port
        self.host = host
        self.controller: Controller | None = None

    def up(self) -> Sink:
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)
        self.controller.start()
        return self

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def close(self) -> None:
        self.down()
        self.reserved.release()

    @property
    def count(self) -> int:
        return len(self.handler.received)

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the sink got {self.count} of {count} messages")
            time.sleep(0.01)


def use_sink(core: Paperwire, sink: Sink, **overrides: object) -> None:
    """Point the core at the sink, with short waits for tests."""
    values = {
        "smtp_host": "127.0.0.1", "smtp_port": sink.port, "smtp_security": "none",
        "smtp_timeout_s": 3.0, "digest_send_rate": 0.0, "digest_retry_seconds": 0.05,
        "digest_pause_after_errors": 3, "digest_pause_seconds": 0.5,
        "base_url": "https://papers.example.org", "mail_from": "paperwire <digest@example.org>",
        **overrides,
    }
    for name, value in values.items():
        setattr(core.settings, name, value)


def worker_env(core: Paperwire, sink: Sink, **extra: str) -> dict[str, str]:
    s = core.settings
    env = {
        **os.environ,
        "PAPERWIRE_DATABASE_URL": s.resolved_database_url,
        "PAPERWIRE_DATA_DIR": str(s.data_dir),
        "PAPERWIRE_SECRET_KEY": s.secret_key,
        "PAPERWIRE_SMTP_HOST": "127.0.0.1",
        "PAPERWIRE_SMTP_PORT": str(sink.port),
        "PAPERWIRE_SMTP_SECURITY": "none",
        "PAPERWIRE_SMTP_TIMEOUT_S": "5",
        "PAPERWIRE_DIGEST_SEND_RATE": "0",
        "PAPERWIRE_BASE_URL": "https://papers.example.org",
        "PAPERWIRE_MAIL_FROM": "paperwire <digest@example.org>",
        **extra,
    }
    return env


def start_worker(env: dict[str, str], day: date, period: str = "daily") -> subprocess.Popen[bytes]:
    """A real ``paperwire digest send`` process for ``day``'s digest."""
    return subprocess.Popen(
        [sys.executable, "-m", "paperwire", "digest", "send", "--period", period,
         "--date", day.isoformat()],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


# -- job locks held elsewhere -----------------------------------------------------------

# Takes the lock, prints its owner (host:pid:id), holds it until stdin closes.
HOLD = """
import sys
from paperwire.db.engine import make_engine
from paperwire.db.locks import JobLock
from paperwire.settings import Settings
lock = JobLock(make_engine(Settings()), sys.argv[1])
lock.acquire()
print(lock.owner, flush=True)
sys.stdin.read()
lock.release()
"""


@dataclass
class Holder:
    process: subprocess.Popen[bytes]
    owner: str

    def kill_9(self) -> None:
        self.process.kill()  # SIGKILL: no cleanup, no release
        self.process.wait(timeout=30)

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0


def store_env(core: Paperwire, **extra: str) -> dict[str, str]:
    """The environment of a paperwire process on ``core``'s store."""
    return {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(core.settings.data_dir),
        "PAPERWIRE_DATABASE_URL": core.settings.resolved_database_url,
        "PAPERWIRE_SECRET_KEY": core.settings.secret_key,
        **extra,
    }


@contextmanager
def held_elsewhere(core: Paperwire, name: str) -> Iterator[Holder]:
    """``name`` held by another process until the block ends (or the test kills it)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, name], env=store_env(core),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    owner = process.stdout.readline().decode().strip()
    try:
        assert owner, process.stderr.read().decode()[-2000:]
        yield Holder(process, owner)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def wait_until_freed(core: Paperwire, name: str) -> None:
    """After its holder died. SQLite: nothing to wait for, the kernel closed the dead
    process's files (and dropped its flock) before ``wait`` returned. PostgreSQL frees an
    advisory lock when the server process sees the connection end, a moment later."""
    if core.engine.dialect.name == "sqlite":
        assert not is_held(core.engine, name)
        return
    deadline = time.monotonic() + 30  # a guard against hanging, not a speed limit
    while is_held(core.engine, name):
        assert time.monotonic() < deadline, "PostgreSQL kept a dead holder's lock"
        time.sleep(0.01)


# -- a reranking / embeddings endpoint -------------------------------------------------

EMBEDDING_WORDS = ("molecul", "vision", "string", "quantum", "task", "head", "graph")


def word_counts(text: str) -> list[float]:
    """The fake embeddings server's vector: how often each of ``EMBEDDING_WORDS`` occurs,
    and a constant so no vector is zero."""
    lowered = text.lower()
    return [float(lowered.count(word)) for word in EMBEDDING_WORDS] + [0.1]


@dataclass
class RerankCall:
    path: str
    headers: dict[str, str]
    body: dict


class RerankServer:
    """A cross-encoder ``/rerank`` (Cohere/Jina shape: ``{"results": [{"index",
    "relevance_score"}]}``; ``tei_shape``: TEI's bare list of ``{"index", "score"}``) and an
    OpenAI-compatible ``/v1/embeddings`` on 127.0.0.1. It scores with ``scorer(query,
    documents)`` (default: the documents in reverse order), and can misbehave: ``status``
    (e.g. 500), ``delay`` seconds before answering, or ``garbage`` (a 200 of no use)."""

    def __init__(self) -> None:
        self.calls: list[RerankCall] = []
        self.scorer = lambda _query, documents: [float(i) for i in range(len(documents))]
        self.status, self.delay, self.garbage, self.tei_shape = 200, 0.0, False, False
        self._stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> RerankServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, body: dict) -> tuple[int, object]:
        if self.status != 200:
            return self.status, {"error": "down on purpose"}
        if self.garbage:
            return 200, {"nothing": "useful"}
        if path.endswith("/embeddings"):
            data = [{"object": "embedding", "index": i, "embedding": word_counts(text)}
                    for i, text in enumerate(body["input"])]
            return 200, {"object": "list", "data": data[::-1], "model": body.get("model")}
        scores = self.scorer(body["query"], body["documents"])
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])[: body.get("top_n")]
        if self.tei_shape:
            return 200, [{"index": i, "score": scores[i]} for i in ranked]
        return 200, {"results": [{"index": i, "relevance_score": scores[i]} for i in ranked]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                server.calls.append(RerankCall(self.path, dict(self.headers), body))
                if server.delay:
                    server._stopping.wait(server.delay)
                status, reply = server.answer(self.path, body)
                data = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: what a slow server sees

            def log_message(self, *_args: object) -> None:
                pass

        return Handler
