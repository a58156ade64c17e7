"""The digest's For-you section over a real SMTP server (aiosmtpd): a subscriber who is
also a reader gets the period's new papers their model passes (their own threshold),
under "For you"; a subscriber without an account, or without a library, gets none."""

from __future__ import annotations

import email
from email import policy

import pytest

from factories import add_subscribers, make_paper, make_user, trending_papers
from paperwire.digest.models import Frequency
from servers import Sink, use_sink
from test_for_you import TOPICS, library


@pytest.fixture
def sink():  # type: ignore[no-untyped-def]
    server = Sink(keep_bodies=True).up()
    yield server
    server.close()


def test_the_digest_carries_a_for_you_section(core, sink, day):
    use_sink(core, sink)
    trending_papers(core, 2, day=day)
    for topic, (words, category) in TOPICS.items():
        for n in range(4):
            make_paper(core, f"2611.{list(TOPICS).index(topic)}{n:04d}",
                       title=f"New {words.split()[0]} {words.split()[1]} result {n}",
                       abstract=words, categories=[category], announced_on=day)
    long_ago = day.replace(year=day.year - 3)
    make_paper(core, "2301.00001", title="Quantum error correction with surface codes",
               abstract=TOPICS["quantum"][0], announced_on=long_ago)
    make_paper(core, "2301.00002", title="Logical qubits and decoders for surface codes",
               abstract=TOPICS["quantum"][0], announced_on=long_ago)
    for n, words in enumerate(["protein folding structure prediction", "robot grasping policies",
                               "sparse linear solvers preconditioning", "speech recognition acoustic",
                               "market microstructure order books", "climate model downscaling"]):
        for m in range(3):
            make_paper(core, f"2302.{n}{m:04d}", title=f"{words} {m}", abstract=words * 2,
                       announced_on=long_ago)
    core.embed_pending()
    reader, stranger = add_subscribers(core, 2)  # the stranger has no account: no section
    library(core, make_user(core, reader).id, "2301.00001", "2301.00002")
    core.build_digest(Frequency.DAILY, day)
    core.send_digests()
    assert sink.count == 2
    mails = {item.recipients[0]: email.message_from_bytes(item.content, policy=policy.default)
             for item in sink.handler.received}
    text, html = mails[reader].get_payload()
    body = text.get_content()
    assert "For you" in body
    section = body.split("For you", 1)[1].split("\n--\n")[0]
    assert "New quantum error result" in section
    assert "New galaxy clusters" not in section
    assert "surface codes" not in section.splitlines()[0]  # library papers never come back
    assert "2301.0000" not in section
    assert "For you" in html.get_content()
    assert "For you" not in mails[stranger].get_payload()[0].get_content()
