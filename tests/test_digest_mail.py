"""What a digest looks like on the wire: parsed by Python's email parser, the headers
RFC 2369/8058 ask for, short lines, both parts, and titles that cannot add headers."""

from __future__ import annotations

import email
import subprocess
import sys
from email import policy

import pytest

from conftest import REPO
from factories import add_subscribers, make_paper, trending_papers
from paperwire.digest.models import Frequency, Topics
from servers import Sink, use_sink

HOSTILE = "Attention\r\nBcc: victim@evil.test\r\n.\r\nMAIL FROM:<x@evil.test> " + "é" * 600


@pytest.fixture
def sink():  # type: ignore[no-untyped-def]
    server = Sink(keep_bodies=True).up()
    yield server
    server.close()


def test_every_message_parses_and_carries_the_headers(core, sink, day):
    use_sink(core, sink)
    trending_papers(core, 3, title=HOSTILE, day=day)
    make_paper(core, "2611.09999", title="Task-specific heads for everyone",
               abstract="We study task-specific heads. " * 80, announced_on=day)
    addresses = add_subscribers(core, 40, topics={"keywords": ["task-specific heads"]})
    core.build_digest(Frequency.DAILY, day)
    core.send_digests()
    assert sink.count == 40
    ids = set()
    for item in sink.handler.received:
        assert item.recipients in ([a] for a in addresses)  # one recipient, never more
        raw = item.content
        assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
        message = email.message_from_bytes(raw, policy=policy.default)
        assert message.defects == []
        for name in ("From", "To", "Date", "Message-ID", "Subject", "List-Id",
                     "List-Unsubscribe", "List-Unsubscribe-Post"):
            assert len(message.get_all(name)) == 1, name
        assert message.get_all("Bcc") is None
        assert message["To"] == item.recipients[0]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = message["List-Unsubscribe"]
        assert unsubscribe.startswith("<https://papers.example.org/digest/unsubscribe?token=")
        assert unsubscribe.count("<") == 1
        assert message.get_content_type() == "multipart/alternative"
        text, html = message.get_payload()
        assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
        url = unsubscribe[1:-1]
        assert url in text.get_content()
        assert url.replace("&", "&amp;") in html.get_content()
        assert "Task-specific heads for everyone" in text.get_content()
        assert "&lt;" not in message["Subject"]
        assert "Bcc" not in message["Subject"]
        ids.add(message["Message-ID"])
    assert len(ids) == 40


def test_hostile_title_in_the_html_is_escaped(core):
    trending_papers(core, 1, title='<script>alert(1)</script>"><img src=x>')
    core.subscribe_digest("ada@example.org", frequency=Frequency.DAILY, topics=Topics())
    from sqlalchemy import update

    from paperwire.db.tables import digest_subscriptions
    with core.engine.begin() as connection:
        connection.execute(update(digest_subscriptions).values(status="confirmed"))
    message = email.message_from_bytes(bytes(core.preview_digest("ada@example.org")),
                                       policy=policy.default)
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_preview_cli_writes_text_html_and_eml(core, tmp_path):
    trending_papers(core, 2)
    add_subscribers(core, 1)
    env = {"PAPERWIRE_DATABASE_URL": core.settings.resolved_database_url,
           "PAPERWIRE_SECRET_KEY": core.settings.secret_key, "PATH": "/usr/bin:/bin"}

    def preview(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "paperwire", "digest", "preview",
                               "--email", "READER00000@example.org", *args],
                              env=env, cwd=REPO, capture_output=True, text=True, timeout=60)

    shown = preview()
    assert shown.returncode == 0, shown.stderr
    assert "Trending today" in shown.stdout
    assert "Unsubscribe:" in shown.stdout
    preview("--out", str(tmp_path / "d.html"))
    preview("--out", str(tmp_path / "d.eml"))
    assert "<table" in (tmp_path / "d.html").read_text()
    parsed = email.message_from_bytes((tmp_path / "d.eml").read_bytes(), policy=policy.default)
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    status = subprocess.run([sys.executable, "-m", "paperwire", "digest", "status"], env=env,
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr


def test_smtp_with_starttls_and_a_password_file(core, tmp_path, day):
    """STARTTLS and AUTH against aiosmtpd; the password comes from a _FILE setting."""
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = Sink(keep_bodies=True)
    logins = []

    def authenticate(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    controller = Controller(sink.handler, hostname="127.0.0.1", port=sink.port,
                            tls_context=context, require_starttls=True,
                            authenticator=authenticate, auth_require_tls=True)
    controller.start()
    try:
        (tmp_path / "password").write_text("s3cret\n")
        use_sink(core, sink, smtp_port=controller.port, smtp_security="starttls",
                 smtp_username="digest", smtp_password_file=tmp_path / "password",
                 smtp_ca_file=cert)
        trending_papers(core, 1, day=day)
        add_subscribers(core, 3)
        core.build_digest(Frequency.DAILY, day)
        report = core.send_digests()
    finally:
        controller.stop()
        sink.close()
    assert report.sent == 3
    assert logins
    assert logins[0] == (b"digest", b"s3cret")
