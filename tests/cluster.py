"""Hosts on one machine: network namespaces joined by a bridge, a private PostgreSQL
and haproxy on the host side, ``paperwire serve`` / ``worker`` inside the namespaces,
and a bounded load generator. Used by tests/test_cluster.py and bench/scale.py.

Needs root and ``ip netns``. Every name carries this process's id (``pw<pid>``), and
``Network.remove_stale()`` removes what a crashed earlier run left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PREFIX = "pw"


def sh(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=timeout)


def unavailable() -> str | None:
    """Why hosts cannot be built here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None or sh("ip", "netns", "list", check=False).returncode:
        return "`ip netns` is unavailable"
    if shutil.which("haproxy") is None:
        return "haproxy is not installed (scripts/setup-machine.sh test installs it)"
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL's initdb is not at {PG_BIN}"
    return None


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 120) -> Any:
    """Poll until ``condition()`` is truthy; the deadline only stops a hang."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise TimeoutError(f"waited {timeout:.0f} s for {what}")


# -- the network --------------------------------------------------------------------


@dataclass
class Network:
    """A bridge ``pw<pid>b`` at 10.77.N.1/24 and one namespace per host, each with a
    veth pair onto the bridge and an address 10.77.N.(10 + k)."""

    tag: str = field(default_factory=lambda: f"{PREFIX}{os.getpid()}")
    subnet: int = field(default_factory=lambda: free_subnet())
    hosts: dict[str, str] = field(default_factory=dict)  # name -> address

    @property
    def bridge(self) -> str:
        return f"{self.tag}b"

    @property
    def gateway(self) -> str:
        return f"10.77.{self.subnet}.1"

    def namespace(self, name: str) -> str:
        return f"{self.tag}-{name}"

    def up(self) -> Network:
        if sh("ip", "link", "show", self.bridge, check=False).returncode == 0:
            return self  # up already
        self.remove_stale()
        sh("ip", "link", "add", self.bridge, "type", "bridge")
        sh("ip", "addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        sh("ip", "link", "set", self.bridge, "up")
        return self

    def add_host(self, name: str) -> str:
        number = len(self.hosts) + 1
        namespace, outside = self.namespace(name), f"{self.tag}v{number}"
        address = f"10.77.{self.subnet}.{10 + number}"
        sh("ip", "netns", "add", namespace)
        sh("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0",
           "netns", namespace)
        sh("ip", "link", "set", outside, "master", self.bridge, "up")
        inside = ("ip", "netns", "exec", namespace, "ip")
        sh(*inside, "addr", "add", f"{address}/24", "dev", "eth0")
        sh(*inside, "link", "set", "eth0", "up")
        sh(*inside, "link", "set", "lo", "up")
        sh(*inside, "route", "add", "default", "via", self.gateway)
        self.hosts[name] = address
        return address

    def down(self) -> None:
        for name in self.hosts:
            kill_namespace(self.namespace(name))
            sh("ip", "netns", "delete", self.namespace(name), check=False)
        sh("ip", "link", "delete", self.bridge, check=False)
        self.hosts.clear()

    def remove_stale(self) -> None:
        """Namespaces and bridges of runs whose process is gone."""
        for line in sh("ip", "netns", "list").stdout.splitlines():
            name = line.split()[0] if line.strip() else ""
            if name.startswith(PREFIX) and "-" in name and _dead(name[len(PREFIX):].split("-")[0]):
                kill_namespace(name)
                sh("ip", "netns", "delete", name, check=False)
        for line in sh("ip", "-o", "link", "show", "type", "bridge").stdout.splitlines():
            name = line.split(":")[1].strip()
            if name.startswith(PREFIX) and name.endswith("b") and _dead(name[len(PREFIX):-1]):
                sh("ip", "link", "delete", name, check=False)


def free_subnet() -> int:
    """N of a 10.77.N.0/24 no interface of this machine is on (from this pid's own N)."""
    used = sh("ip", "-o", "-4", "addr", "show").stdout
    start = os.getpid() % 200
    return next(20 + (start + k) % 200 for k in range(200)
                if f" 10.77.{20 + (start + k) % 200}." not in used)


def _dead(pid: str) -> bool:
    return pid.isdigit() and (int(pid) == os.getpid() or not Path(f"/proc/{pid}").exists())


def kill_namespace(namespace: str) -> list[int]:
    """``kill -9`` every process in the namespace: the host is gone."""
    pids = [int(p) for p in sh("ip", "netns", "pids", namespace, check=False).stdout.split()]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


# -- processes inside a namespace ----------------------------------------------------


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, chars: int = 3000) -> str:
        return f"--- {self.log.name}\n" + self.log.read_text(errors="replace")[-chars:]

    def kill_9(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_9()


def paperwire(namespace: str, env: dict[str, str], log: Path, *args: str) -> Process:
    """``paperwire ARGS`` as a process of the host ``namespace`` (``ip netns exec`` execs
    it: the Popen is the paperwire process itself)."""
    with log.open("ab") as output:
        popen = subprocess.Popen(
            ["ip", "netns", "exec", namespace, sys.executable, "-m", "paperwire", *args],
            env=env, cwd=REPO, stdout=output, stderr=subprocess.STDOUT,
        )
    return Process(popen, log)


def paperwire_run(namespace: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, "-m", "paperwire", *args],
        env={**env, "COLUMNS": "300"}, cwd=REPO, capture_output=True, text=True, timeout=300,
    )


# -- PostgreSQL on the host side -----------------------------------------------------


@dataclass
class PrivatePostgres:
    """A cluster of our own (never the system's on 127.0.0.1:5432), run as the
    postgres user from a temporary folder, listening on the bridge address."""

    address: str
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pw-pg-")))
    port: int = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{self.address}:{self.port}/paperwire"

    def pg(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return sh("runuser", "-u", "postgres", "--", *args, timeout=timeout)

    def start(self) -> PrivatePostgres:
        shutil.chown(self.root, "postgres", "postgres")
        self.port = free_port(self.address)
        self.pg(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--no-sync")
        settings = (f"listen_addresses = '{self.address}'\nport = {self.port}\n"
                    f"unix_socket_directories = '{self.root}'\nfsync = off\n"
                    "synchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n"
                    "shared_buffers = 64MB\nlog_connections = on\nlog_disconnections = on\n"
                    # A connection opened while the server shuts down gets a child
                    # the shutdown waits for until its startup packet arrives or this
                    # passes (60 s by default: a client that opened a socket and sent
                    # nothing yet held a restart past pg_ctl's wait).
                    "authentication_timeout = 5s\n")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(settings)
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {self.address.rsplit('.', 1)[0]}.0/24 trust\n")
        self.ctl("start")
        self.pg(str(PG_BIN / "createdb"), "-h", str(self.root), "-p", str(self.port),
                "-U", "postgres", "paperwire")
        return self

    def ctl(self, action: str, *extra: str) -> None:
        try:
            self.pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
                    "-w", "-t", "90", action, *extra, timeout=120)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as failed:
            raise RuntimeError(f"pg_ctl {action} failed\n{self.state()}") from failed

    def state(self) -> str:
        """What the cluster's processes are doing and its log's tail, for a failure."""
        processes = sh("ps", "-u", "postgres", "-o", "pid,ppid,stat,wchan:24,etime,args",
                       check=False).stdout
        log = self.root / "log"
        tail = log.read_text(errors="replace")[-4000:] if log.exists() else "(no log)"
        return f"--- postgres processes\n{processes}\n--- postgres log\n{tail}"

    def restart(self) -> None:
        """What an operator's restart does: every connection is cut."""
        self.ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# -- haproxy on the host side --------------------------------------------------------

HAPROXY = """global
    stats socket {socket} mode 600 level admin
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout check 5s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend www
    bind 127.0.0.1:{port}
    default_backend paperwire
backend paperwire
    balance {balance}
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{servers}
"""


@dataclass
class Haproxy:
    servers: dict[str, str]  # name -> address:port
    root: Path
    balance: str = "leastconn"
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Haproxy:
        self.port = free_port("127.0.0.1")
        lines = "\n".join(f"    server {n} {a} check" for n, a in self.servers.items())
        config = self.root / "haproxy.cfg"
        config.write_text(HAPROXY.format(socket=self.root / "haproxy.sock", port=self.port,
                                         balance=self.balance, servers=lines))
        log = (self.root / "haproxy.log").open("ab")
        self.process = subprocess.Popen(["haproxy", "-db", "-f", str(config)],
                                        stdout=log, stderr=subprocess.STDOUT)
        return self

    def command(self, line: str) -> str:
        """One command on the stats socket (``show stat``, ``disable server b/s`` ...)."""
        with socket.socket(socket.AF_UNIX) as unix:
            unix.connect(str(self.root / "haproxy.sock"))
            unix.sendall(line.encode() + b"\n")
            return b"".join(iter(lambda: unix.recv(65536), b"")).decode()

    def states(self) -> dict[str, str]:
        """Each server's state as haproxy sees it (UP, DOWN, MAINT ...)."""
        try:
            data = self.command("show stat")
        except OSError:
            return {}
        rows = [line.split(",") for line in data.splitlines() if line and line[0] != "#"]
        return {row[1]: row[17] for row in rows if row[0] == "paperwire"
                and row[1] not in ("BACKEND", "FRONTEND")}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@dataclass
class Watch:
    """The moment haproxy first reports ``server`` in ``state``, seen from a thread."""

    haproxy: Haproxy
    server: str
    state: str = "DOWN"
    at: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Watch:
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.is_set() and self.at is None:
            if self.haproxy.states().get(self.server, "").startswith(self.state):
                self.at = time.monotonic()
            self._stop.wait(0.02)

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self.thread.join(timeout=10)


# -- a bounded load generator ----------------------------------------------------------


@dataclass
class Request:
    path: str
    started: float  # time.monotonic()
    ended: float
    outcome: int | str  # a status, or the exception's name

    @property
    def ok(self) -> bool:
        return self.outcome == 200


@dataclass
class Load:
    """``readers`` readers against ``base_url``, each pausing ``pause`` seconds between
    requests, at most ``in_flight`` requests at once; every request is recorded."""

    base_url: str
    paths: Sequence[str]
    readers: int = 100
    pause: tuple[float, float] = (0.2, 1.0)
    in_flight: int = 32
    seed: int = 16
    done: list[Request] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Load:
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self.thread.join(timeout=60)

    async def _run(self) -> None:
        import httpx

        limits = httpx.Limits(max_connections=self.in_flight)
        gate = asyncio.Semaphore(self.in_flight)
        async with httpx.AsyncClient(base_url=self.base_url, limits=limits,
                                     timeout=httpx.Timeout(30, pool=None)) as client:
            await asyncio.gather(*(self._reader(client, gate, random.Random(self.seed + n))
                                   for n in range(self.readers)))

    async def _reader(self, client: Any, gate: asyncio.Semaphore, rng: random.Random) -> None:
        while not self._stop.is_set():
            await asyncio.sleep(rng.uniform(*self.pause))
            path = rng.choice(self.paths)
            async with gate:
                started = time.monotonic()
                try:
                    outcome: int | str = (await client.get(path)).status_code
                except Exception as error:
                    outcome = type(error).__name__
                self.done.append(Request(path, started, time.monotonic(), outcome))

    def between(self, start: float, end: float) -> list[Request]:
        return [r for r in self.done if start <= r.started < end]


def p95(requests: Sequence[Request]) -> float | None:
    took = sorted(r.ended - r.started for r in requests if r.ok)
    return took[int(0.95 * (len(took) - 1))] if took else None


# -- a deployment: N web hosts, worker hosts, PostgreSQL, haproxy ----------------------

WEB_PORT = 8000
QUIET = {"PAPERWIRE_HARVEST_ENABLED": "false", "PAPERWIRE_SUMMARIES_IN_BACKGROUND": "false",
         "PAPERWIRE_GITHUB_IN_BACKGROUND": "false", "PAPERWIRE_PAGE_CACHE_SECONDS": "0"}
WORKER = {"PAPERWIRE_JOBS_HEARTBEAT_SECONDS": "0.5", "PAPERWIRE_JOBS_STALLED_SECONDS": "2",
          "PAPERWIRE_JOBS_POLL_SECONDS": "0.2", "PAPERWIRE_EMBED_POLL_SECONDS": "3600"}


@dataclass
class Deployment:
    """Shape 3 of docs/deployment.md on one machine: ``webs`` web hosts (web1, web2 ...)
    behind haproxy, one worker host, one PostgreSQL, each host its own data folder."""

    root: Path
    secret_key: str
    env: dict[str, str] = field(default_factory=dict)  # every host's extra settings
    webs: int = 2
    network: Network = field(default_factory=Network)
    postgres: PrivatePostgres | None = None
    haproxy: Haproxy | None = None
    web: dict[str, Process] = field(default_factory=dict)
    workers: list[Process] = field(default_factory=list)

    def start(self, *, worker: bool = True) -> Deployment:
        self.network.up()
        try:
            self.postgres = PrivatePostgres(self.network.gateway).start()
            for number in range(1, self.webs + 1):
                self.network.add_host(f"web{number}")
            self.network.add_host("worker")
            migrated = paperwire_run(self.network.namespace("worker"), self.host_env("worker"),
                                     "migrate")
            assert migrated.returncode == 0, migrated.stderr[-2000:]
            for number in range(1, self.webs + 1):
                self.start_web(f"web{number}")
            self.haproxy = Haproxy({name: f"{self.network.hosts[name]}:{WEB_PORT}"
                                    for name in self.web}, self.root).start()
            if worker:
                self.start_worker()
            wait_for(lambda: all(s == "UP" for s in self.haproxy.states().values())
                     and len(self.haproxy.states()) == self.webs, "haproxy to see every web host up")
        except BaseException:
            self.close()
            raise
        return self

    def host_env(self, name: str, **extra: str) -> dict[str, str]:
        assert self.postgres is not None
        return {**os.environ, **QUIET, "PAPERWIRE_DATABASE_URL": self.postgres.url,
                "PAPERWIRE_DATA_DIR": str(self.root / name), "PAPERWIRE_SECRET_KEY": self.secret_key,
                "PAPERWIRE_EMBEDDER": "fake", **self.env, **extra}

    def start_web(self, name: str) -> Process:
        env = self.host_env(name, PAPERWIRE_JOBS_IN_SERVE="false")
        self.web[name] = paperwire(self.network.namespace(name), env, self.root / f"{name}.log",
                                   "serve", "--host", self.network.hosts[name],
                                   "--port", str(WEB_PORT))
        return self.web[name]

    def start_worker(self, *args: str) -> Process:
        env = self.host_env("worker", **WORKER)
        log = self.root / f"worker-{len(self.workers)}.log"
        process = paperwire(self.network.namespace("worker"), env, log, "worker", *args)
        self.workers.append(process)
        return process

    def url(self, name: str) -> str:
        return f"http://{self.network.hosts[name]}:{WEB_PORT}"

    def logs(self) -> str:
        return "\n".join(p.tail() for p in [*self.web.values(), *self.workers])

    def close(self) -> None:
        for process in [*self.web.values(), *self.workers]:
            if process.popen.poll() is None:
                process.kill_9()
        if self.haproxy is not None:
            self.haproxy.stop()
        self.network.down()
        if self.postgres is not None:
            self.postgres.stop()


# -- asking a web host -----------------------------------------------------------------


def first_hit(url: str, query: str, **options: str) -> tuple[str, str] | None:
    """The first hit of ``/api/papers/search`` (its arXiv id and match kind), or None."""
    import httpx

    try:
        response = httpx.get(f"{url}/api/papers/search", params={"q": query, **options}, timeout=10)
    except httpx.HTTPError:
        return None
    hits = response.json() if response.status_code == 200 else []
    return (hits[0]["paper"]["id"], hits[0]["matchKind"]) if hits else None


def settled(url: str) -> bool:
    """The host is healthy, its indexes hold every change and nothing waits to be embedded."""
    import httpx

    try:
        response = httpx.get(f"{url}/healthz", timeout=10)
    except httpx.HTTPError:
        return False
    body = response.json()
    return (response.status_code == 200 and body["pending_embeddings"] == 0
            and all(index["behind"] == 0 for index in body["indexes"].values()))
