"""The test servers' ports cannot be raced for (``pytest -n 2``, several checkouts at once):
what conftest.ReservedPort and LiveServer rely on, checked on this machine's kernel."""

from __future__ import annotations

import asyncio
import errno
import socket

import httpx
import pytest

from conftest import LiveServer, ReservedPort, in_own_thread


def connect(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def assert_taken(port: int) -> None:
    with socket.socket() as other, pytest.raises(OSError, match="in use") as refused:
        other.bind(("127.0.0.1", port))
    assert refused.value.errno == errno.EADDRINUSE


def test_a_reserved_port_refuses_other_binders_and_connections():
    with ReservedPort() as reserved:
        assert_taken(reserved.port)
        with pytest.raises(ConnectionRefusedError):  # nothing listens yet
            connect(reserved.port)


def test_a_server_listens_on_a_reserved_port_goes_down_and_comes_back():
    async def serve_once(port: int) -> None:
        server = await asyncio.get_running_loop().create_server(asyncio.Protocol, "127.0.0.1", port)
        try:
            await asyncio.get_running_loop().run_in_executor(None, connect, port)
        finally:
            server.close()
            await server.wait_closed()

    with ReservedPort() as reserved:
        in_own_thread(lambda: asyncio.run(serve_once(reserved.port)))
        with pytest.raises(ConnectionRefusedError):  # down: refused, and still reserved
            connect(reserved.port)
        assert_taken(reserved.port)
        in_own_thread(lambda: asyncio.run(serve_once(reserved.port)))  # back on the same port


def test_live_servers_get_their_own_ports():
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/")
    def name() -> dict[str, int]:
        return {"id": id(app)}

    with LiveServer(app) as first, LiveServer(app) as second:
        assert first.port != second.port
        assert httpx.get(first.url + "/").json() == {"id": id(app)}
        assert httpx.get(second.url + "/").json() == {"id": id(app)}
