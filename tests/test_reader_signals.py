"""A reader's signals and library storage: not interested / more like this take each
other back, seen is remembered once and trains nothing, the version moves on every
change that trains the model (upvotes and saves included), and one call deletes it all."""

from __future__ import annotations

import pytest

from factories import make_paper, make_user
from paperwire.core import Paperwire
from paperwire.db.library import NewEntry, ids_by_arxiv_id, insert_entries
from paperwire.errors import InvalidInput, PaperNotFound
from paperwire.library.models import SignalKind


@pytest.fixture
def reader(core: Paperwire) -> int:
    for n in range(1, 6):
        make_paper(core, f"2401.0000{n}")
    return make_user(core, "reader@example.org").id


def ids(core: Paperwire) -> dict[str, int]:
    with core.engine.begin() as connection:
        return ids_by_arxiv_id(connection, [f"2401.0000{n}" for n in range(1, 6)])


def test_not_interested_and_more_like_this_take_each_other_back(core: Paperwire, reader: int):
    paper = ids(core)["2401.00001"]
    assert core.mark_signal(reader, "2401.00001", SignalKind.MORE_LIKE_THIS)
    assert not core.mark_signal(reader, paper, "more_like_this")  # given already
    assert core.mark_signal(reader, paper, "not_interested")
    signals = core.reader_signals(reader)
    assert [s.paper_id for s in signals.negatives] == [paper]
    assert signals.more_like_this == []
    assert core.clear_signal(reader, paper, "not_interested")
    assert not core.clear_signal(reader, paper, "not_interested")
    assert core.reader_signals(reader).negatives == []


def test_seen_is_kept_once_and_does_not_move_the_version(core: Paperwire, reader: int):
    known = ids(core)
    core.clock = lambda: 1000.0
    version = core.signals_version(reader)
    assert core.record_seen(reader, [known["2401.00001"], known["2401.00002"]]) == 2
    core.clock = lambda: 2000.0
    assert core.record_seen(reader, [known["2401.00002"], known["2401.00003"]]) == 1
    assert core.signals_version(reader) == version
    assert core.seen_paper_ids(reader) == {known[f"2401.0000{n}"] for n in (1, 2, 3)}
    assert core.seen_paper_ids(reader, since=1500) == {known["2401.00003"]}
    assert core.reader_signals(reader).seen[known["2401.00002"]] == 1000


def test_every_training_signal_moves_the_version(core: Paperwire, reader: int):
    ada = make_user(core, "ada@example.org")
    steps = [
        lambda: core.mark_signal(ada.id, "2401.00001", "read"),
        lambda: core.mark_signal(ada.id, "2401.00002", "not_interested"),
        lambda: core.upvote(ada, "2401.00003", up=True),
        lambda: core.save_paper(ada, core.create_collection(ada, "Later"), "2401.00004"),
        lambda: core.delete_reader_data(ada.id),
    ]
    versions = [core.signals_version(ada.id).version]
    for step in steps:
        step()
        versions.append(core.signals_version(ada.id).version)
    assert versions == sorted(set(versions)), versions
    assert core.signals_versions([ada.id, reader]) == {ada.id: core.signals_version(ada.id)}


def test_reader_signals_gather_library_upvotes_saves_and_reads(core: Paperwire, reader: int):
    known = ids(core)
    ada = make_user(core, "ada@example.org")
    with core.engine.begin() as connection:
        insert_entries(connection, ada.id, [NewEntry(known["2401.00001"], "bibtex", "k1")], now=5)
    core.upvote(ada, "2401.00002", up=True)
    core.save_paper(ada, core.create_collection(ada, "Later"), "2401.00003")
    core.mark_signal(ada.id, "2401.00004", "read")
    core.mark_signal(ada.id, "2401.00001", "not_interested")
    signals = core.reader_signals(ada.id)
    sources = {(s.paper_id, s.source) for s in signals.positives}
    assert sources == {(known["2401.00001"], "library"), (known["2401.00002"], "upvote"),
                       (known["2401.00003"], "saved"), (known["2401.00004"], "read")}
    assert signals.positive_ids == {known[f"2401.0000{n}"] for n in (2, 3, 4)}
    assert core.reader_signals(reader).positives == []  # nobody else's


def test_delete_reader_data_takes_library_and_signals_of_that_reader_only(
    core: Paperwire, reader: int
):
    known = ids(core)
    other = make_user(core, "other@example.org").id
    for user in (reader, other):
        with core.engine.begin() as connection:
            insert_entries(connection, user, [NewEntry(known["2401.00001"], "list", "l1")], now=1)
        core.mark_signal(user, "2401.00002", "more_like_this")
        core.record_seen(user, [known["2401.00003"]])
    deleted = core.delete_reader_data(reader)
    assert (deleted.library_entries, deleted.signals) == (1, 2)
    assert core.library_paper_ids(reader) == []
    assert core.seen_paper_ids(reader) == set()
    assert core.library_paper_ids(other) == [known["2401.00001"]]
    assert len(core.reader_signals(other).more_like_this) == 1


def test_unknown_kinds_and_papers_are_refused(core: Paperwire, reader: int):
    with pytest.raises(InvalidInput, match="unknown signal 'love'"):
        core.mark_signal(reader, "2401.00001", "love")
    with pytest.raises(PaperNotFound):
        core.mark_signal(reader, "2499.99999", "read")
