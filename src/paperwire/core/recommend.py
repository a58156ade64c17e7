"""For you: each reader's own ranking from their library, votes, saves and signals,
blended with the community's, every pick explained. The rules are ``recommend/``;
the reads are ``db/recommend.py`` and the library's ``db/signals.py``."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from paperwire.authors import author_key
from paperwire.community.topics import user_topics
from paperwire.core.authors import AuthorsCore
from paperwire.core.library import LibraryCore
from paperwire.core.search import SearchCore
from paperwire.db import queries
from paperwire.db import reader_models as model_store
from paperwire.db import recommend as store
from paperwire.db import search as search_store
from paperwire.db.session import Connection, read_transaction, write_transaction
from paperwire.library.models import ReaderSignals
from paperwire.library.signals import readers_signals
from paperwire.models import Paper, PaperFilter, PaperPage, Period, SortOrder
from paperwire.ranking import TrendingWindow
from paperwire.recommend import explain, words
from paperwire.recommend.background import sample_ids
from paperwire.recommend.batch import score_batch
from paperwire.recommend.blend import Blend, own_relevance, threshold_between
from paperwire.recommend.candidates import candidate_ids
from paperwire.recommend.model import Background, Components, Evidence, ReaderModel, train_many
from paperwire.recommend.models import ForYou, Pick, TrainedReader
from paperwire.recommend.ranker import rank_candidates
from paperwire.recommend.reader import positive_weights
from paperwire.recommend.stored import pack, unpack
from paperwire.recommend.threads import one_blas_thread
from paperwire.search.text_index import TextIndex

MODEL_CACHE = 2_000
THRESHOLD_SAMPLE = 512  # corpus papers a reader's digest threshold is measured on
FOR_YOU_WINDOW = 500  # a list sorted for you orders this many of the window's papers
SHORTLIST = 120  # at most this many candidates a window have their dates and trending read
FOLLOWED_CANDIDATES = 100  # newest papers of followed authors added to the candidates
RETRAIN_AFTER_SECONDS = 3600  # a stored model trained on a smaller index is retrained after
BLEND = Blend()
EMPTY = TrainedReader(None, frozenset(), frozenset())


class ForYouCore(AuthorsCore, LibraryCore, SearchCore):
    _corpus_sample: tuple[int, Background] | None = None

    @property
    def for_you_blend(self) -> Blend:
        return BLEND

    def _followed_keys(self, user_id: int) -> set[str]:
        """The author keys (``authors.author_key``) of the authors the reader follows, so
        any spelling of a followed name on a paper is found."""
        return {author.key for author in self.followed_authors(user_id)}

    # -- the model -------------------------------------------------------------------

    def reader_model(self, user_id: int) -> ReaderModel | None:
        """The reader's model, trained on their signals now or taken from the cache
        while their signals version is unchanged (None: no positive with a vector)."""
        return self._trained(user_id).model

    def _trained(self, user_id: int) -> TrainedReader:
        """From the cache by (reader, signals version, index size): one primary-key read
        when nothing changed; else the reader's signals are read and trained on, keeping
        what the previous model worked out that their new signal left as it was."""
        semantic = self.semantic
        if semantic is None:
            return EMPTY
        key = (user_id, self.signals_version(user_id).version, len(semantic.index))
        cached = self._cached([key])
        if key in cached:
            return cached[key]
        earlier = self._latest(user_id)
        stored = self._stored_trained({user_id: key[1]}, key[2])
        if user_id in stored:  # trained by the retrain_for_you task, on any host
            trained = stored[user_id]
        else:
            signals = self.reader_signals(user_id)
            trained = self._train_readers([signals])[0]
            key = (user_id, signals.version, key[2])
        if earlier is not None:
            trained.keep_what_still_holds(earlier)
        self._remember({key: trained})
        return trained

    def reader_models(self, user_ids: Sequence[int]) -> dict[int, TrainedReader]:
        """Many readers' models (the digest's path): versions, then the signals of those
        not cached, in a few statements per 2,000 readers; trained in blocks
        (``model.train_many``)."""
        semantic = self.semantic
        if semantic is None:
            return dict.fromkeys(user_ids, EMPTY)
        size = len(semantic.index)
        versions = self.signals_versions(user_ids)
        keys = {uid: (uid, versions[uid].version if uid in versions else 0, size)
                for uid in user_ids}
        cached = self._cached(list(keys.values()))
        found = {uid: cached[key] for uid, key in keys.items() if key in cached}
        stored = self._stored_trained({uid: keys[uid][1] for uid in keys if uid not in found},
                                      size)
        self._remember({keys[uid]: trained for uid, trained in stored.items()})
        found.update(stored)
        missing = [uid for uid in keys if uid not in found]
        if missing:
            with read_transaction(self.engine) as connection:
                signals = readers_signals(connection, missing)
            trained = self._train_readers([signals[uid] for uid in missing])
            found.update(zip(missing, trained, strict=True))
            self._remember({(uid, signals[uid].version, size): found[uid] for uid in missing})
        return found

    def _stored_trained(self, versions: dict[int, int], size: int) -> dict[int, TrainedReader]:
        """The stored models still good for these readers: trained on their signals
        version (and, for a reader with no model then, on an index of this size)."""
        semantic = self.semantic
        wanted = [uid for uid, version in versions.items() if version]
        if semantic is None or not wanted:
            return {}
        with read_transaction(self.engine) as connection:
            rows = model_store.stored_models(connection, semantic.model, wanted)
        return {uid: unpack(row.payload) for uid, row in rows.items()
                if row.signals_version == versions[uid]
                and (row.has_model or row.index_size == size)}

    def retrain_for_you(self, *, limit: int) -> tuple[int, int]:
        """Train and store the models of up to ``limit`` readers whose stored model is
        stale (``db/reader_models.py``), so page views read them instead of training;
        returns (retrained, still stale)."""
        semantic = self.semantic
        if semantic is None:
            return 0, 0
        self.sync_vector_index()  # train on what the store holds now
        size, now = len(semantic.index), int(self.now())
        # The size a page view keys its models by, saved with each model and compared in
        # the staleness test alike (the store's count could differ by a batch committed
        # since the sync, and keep those readers stale).
        stale = {"index_size": size, "trained_before": now - RETRAIN_AFTER_SECONDS}
        with read_transaction(self.engine) as connection:
            ids = model_store.stale_readers(connection, semantic.model, limit=limit, **stale)
            signals = readers_signals(connection, ids) if ids else {}
        if not ids:
            return 0, 0
        trained = dict(zip(ids, self._train_readers([signals[uid] for uid in ids]), strict=True))
        rows = [model_store.StoredModel(uid, signals[uid].version, size, now,
                                        trained[uid].model is not None, pack(trained[uid]))
                for uid in ids]
        with write_transaction(self.engine) as connection:
            model_store.save_models(connection, semantic.model, rows)
        self._remember({(uid, signals[uid].version, size): trained[uid] for uid in ids})
        with read_transaction(self.engine) as connection:
            left = model_store.count_stale(connection, semantic.model, **stale)
        return len(ids), left

    def _train_readers(self, signals: Sequence[ReaderSignals]) -> list[TrainedReader]:
        """Train on each reader's signals; every vector they need in one index read."""
        semantic = self.semantic
        assert semantic is not None
        positives = [positive_weights(s) for s in signals]
        negatives = [sorted(s.negative_ids) for s in signals]
        wanted = {pid for p in positives for pid in p} | {pid for n in negatives for pid in n}
        vectors = semantic.index.vectors(sorted(wanted))
        background = self._corpus_background()
        evidence = [Evidence.of(p, vectors, background.dim,
                                {pid: vectors[pid] for pid in n if pid in vectors})
                    for p, n in zip(positives, negatives, strict=True)]
        with one_blas_thread():  # many small solves: BLAS threads only contend
            models = train_many(background, evidence)
        return [TrainedReader(m, frozenset(p), frozenset(n))
                for m, p, n in zip(models, positives, negatives, strict=True)]

    def _cached(self, keys: Sequence[tuple[int, int, int]]) -> dict[tuple[int, int, int], TrainedReader]:
        cache = self._model_cache()
        with self._model_lock():
            found = {key: cache[key] for key in keys if key in cache}
            for key in found:
                cache.move_to_end(key)
        return found

    def _remember(self, trained: dict[tuple[int, int, int], TrainedReader]) -> None:
        cache, latest = self._model_cache(), self.__dict__["_for_you_latest"]
        with self._model_lock():
            cache.update(trained)
            while len(cache) > MODEL_CACHE:
                cache.popitem(last=False)
            for (user_id, _, _), model in trained.items():
                latest[user_id] = model
                latest.move_to_end(user_id)
            while len(latest) > MODEL_CACHE:
                latest.popitem(last=False)

    def _latest(self, user_id: int) -> TrainedReader | None:
        """The reader's model last remembered on this host, whatever its version."""
        self._model_cache()
        with self._model_lock():
            return self.__dict__["_for_you_latest"].get(user_id)

    def _model_cache(self) -> OrderedDict[tuple[int, int, int], TrainedReader]:
        if "_for_you_models" not in self.__dict__:
            self.__dict__["_for_you_models"] = OrderedDict()
            self.__dict__["_for_you_latest"] = OrderedDict()
            self.__dict__["_for_you_lock"] = threading.Lock()
        return self.__dict__["_for_you_models"]

    def _model_lock(self) -> threading.Lock:
        self._model_cache()
        return self.__dict__["_for_you_lock"]

    def _corpus_background(self) -> Background:
        """The corpus sample, drawn again when the index has grown by a fifth."""
        semantic = self.semantic
        assert semantic is not None
        size = len(semantic.index)
        if self._corpus_sample is not None and self._corpus_sample[0] * 1.2 >= size:
            return self._corpus_sample[1]
        with read_transaction(self.engine) as connection:
            ids = store.embedded_ids(connection, semantic.model)
        vectors = semantic.index.vectors(sample_ids(ids))
        sample = np.stack(list(vectors.values())) if vectors else np.zeros((1, semantic.index.dim))
        self._corpus_sample = (size, Background.of(sample))
        return self._corpus_sample[1]

    # -- many readers at once: the digest's For-you sections ------------------------------

    def for_you_sections(
        self, user_ids: Sequence[int], paper_ids: Sequence[int], *, limit: int = 5
    ) -> dict[int, list[int]]:
        """Per reader, up to ``limit`` of ``paper_ids`` (a period's new papers) whose
        relevance (plus the followed-author boost) passes the reader's own threshold
        (``blend.threshold_between``), best first: models from ``reader_models``, scores
        as matrix products (``recommend/batch.py``)."""
        semantic = self.semantic
        if semantic is None or not user_ids or not paper_ids:
            return {}
        stored = semantic.index.vectors(list(paper_ids))
        ids = [pid for pid in paper_ids if pid in stored]
        if not ids:
            return {}
        trained = self.reader_models(user_ids)
        readers = [uid for uid in user_ids if trained[uid].model is not None]
        models = [trained[uid].model for uid in readers]
        if not models:
            return {}
        relevance = score_batch(models, np.stack([stored[pid] for pid in ids]), BLEND)
        self._boost_followed(relevance, readers, ids)
        sample = self._corpus_background().sample[:THRESHOLD_SAMPLE]
        corpus = score_batch(models, sample, BLEND).mean(axis=1)
        sections: dict[int, list[int]] = {}
        with one_blas_thread():  # each reader's own products are tiny
            own = [own_relevance(model, BLEND) for model in models if model is not None]
        for row, user_id in enumerate(readers):
            values = relevance[row]
            passing = np.flatnonzero(values >= threshold_between(float(corpus[row]), own[row]))
            known = trained[user_id].positives
            best = passing[np.argsort(-values[passing], kind="stable")][:limit + len(known)]
            chosen = [ids[i] for i in best if ids[i] not in known][:limit]
            if chosen:
                sections[user_id] = chosen
        return sections

    def _boost_followed(self, relevance: np.ndarray, readers: Sequence[int],
                        ids: Sequence[int]) -> None:
        """Add the blend's followed-author boost where a reader follows an author of a paper."""
        with read_transaction(self.engine) as connection:
            follows = store.followed_keys_of(connection, readers)
            if not follows:
                return
            authors = store.papers_with_authors(connection, ids, set().union(*follows.values()))
        column = {pid: i for i, pid in enumerate(ids)}
        for row, user_id in enumerate(readers):
            keys = follows.get(user_id)
            if keys:
                hits = [column[pid] for pid, names in authors.items() if names & keys]
                relevance[row, hits] += BLEND.followed

    # -- "for you" as a list's order ---------------------------------------------------

    def list_papers(self, paper_filter: PaperFilter) -> PaperPage:
        """Lists as ever; with ``sort=for-you`` (and a viewer) the window's papers (its
        first 500) in the viewer's For-you order, else most upvoted first."""
        if paper_filter.sort is not SortOrder.FOR_YOU:
            return super().list_papers(paper_filter)
        upvoted = dataclasses.replace(paper_filter, sort=SortOrder.UPVOTES)
        if paper_filter.viewer_id is None:
            return super().list_papers(upvoted)
        whole = super().list_papers(dataclasses.replace(upvoted, limit=FOR_YOU_WINDOW, offset=0))
        ordered = self.order_for_reader(paper_filter.viewer_id, whole.papers)
        start = paper_filter.offset
        return dataclasses.replace(whole, papers=ordered[start:start + paper_filter.limit],
                                   total=min(whole.total, FOR_YOU_WINDOW),
                                   limit=paper_filter.limit, offset=paper_filter.offset)

    def order_for_reader(self, user_id: int, papers: Sequence[Paper]) -> list[Paper]:
        """``papers`` best first for the reader (as they were without a model; papers
        without a vector keep their order after the scored ones)."""
        trained = self._trained(user_id)
        if trained.model is None or not papers:
            return list(papers)
        ids = [paper.id for paper in papers]
        followed = self._followed_keys(user_id)
        with read_transaction(self.engine) as connection:
            facts = store.announced_days(connection, ids)
            trending = store.trending_of(connection, self._window(Period.WEEK), ids)
            by_followed = store.papers_with_authors(connection, ids, followed)
            known = [i for i in ids if i in facts]
            lexical = self._reader_words(connection, trained, known)
        with one_blas_thread():
            scores = dict(self._ranked(trained.model, known, facts, trending, by_followed,
                                       lexical))
        def key(paper: Paper) -> tuple[bool, float]:
            return (paper.id in trained.negatives or paper.id not in scores,
                    -scores.get(paper.id, 0.0))
        return sorted(papers, key=key)

    # -- picks -----------------------------------------------------------------------

    def recommend(
        self, user_id: int, *, limit: int = 20, since: date | None = None,
        hide_seen: bool = False, period: Period = Period.WEEK,
    ) -> ForYou:
        """The reader's picks, best first, each with its reasons. ``since``: announced
        on or after that day; ``hide_seen``: leave out papers already shown or opened."""
        with one_blas_thread():
            return self._recommend(user_id, limit=limit, since=since, hide_seen=hide_seen,
                                   period=period)

    def _recommend(self, user_id: int, *, limit: int, since: date | None, hide_seen: bool,
                   period: Period) -> ForYou:
        trained = self._trained(user_id)
        model = trained.model
        hidden = trained.negatives | trained.positives
        seen = self.seen_paper_ids(user_id) if hide_seen else set()
        if model is None:
            return self._cold_start(user_id, limit=limit, hidden=hidden | seen, period=period)
        semantic = self.semantic
        assert semantic is not None
        followed = self._followed_keys(user_id)
        with read_transaction(self.engine) as connection:
            theirs = store.newest_by_authors(connection, followed, limit=FOLLOWED_CANDIDATES)
            found = [pid for pid in candidate_ids(model, semantic.index.search_many, theirs)
                     if pid not in hidden]
            hidden_seen = sum(pid in seen for pid in found)
            scored = self._scored(trained, [pid for pid in found if pid not in seen], followed,
                                  connection)
            ranked, trending = self._best(connection, scored, limit=limit, since=since,
                                          period=period)
            picks = self._explained(connection, user_id, trained, scored, ranked, trending,
                                    followed)
        return ForYou(picks=picks, basis="model", formula=BLEND.describe(),
                      positives=len(model.positive_ids), hidden_seen=hidden_seen)

    def _scored(self, trained: TrainedReader, ids: list[int], followed: set[str],
                connection: Connection) -> Scored:
        """The candidates' vectors (one read of the index), the model's view of them and
        their score for the reader's words."""
        semantic = self.semantic
        assert semantic is not None
        assert trained.model is not None
        ids, matrix = semantic.index.matrix(ids)
        by_followed = store.papers_with_authors(connection, ids, followed)
        parts = trained.model.score(matrix)
        flags = np.asarray([pid in by_followed for pid in ids], dtype=bool)
        lexical = self._reader_words(connection, trained, ids)
        return Scored(ids, matrix, parts, BLEND.reader_side(parts, flags, lexical), by_followed,
                      lexical)

    def _reader_words(self, connection: Connection, trained: TrainedReader,
                      ids: Sequence[int]) -> np.ndarray | None:
        """Each of ``ids``' score for the words of the reader's recent papers
        (``recommend/words.py``): one keyword-index query (the terms are worked out once
        per trained model); None while the keyword index is off or behind the store."""
        kept = self.text_index
        text = kept.ready(connection) if kept is not None and trained.model else None
        if text is None or trained.model is None:
            return None
        recent = list(trained.model.positive_ids[-words.MOST_POSITIVES:])
        if trained.terms is None:
            found = search_store.titles_and_abstracts(connection, recent)
            trained.terms = words.reader_terms(
                text, [f"{found[pid][0]}. {found[pid][1]}" for pid in recent if pid in found])
        return words.word_scores(text, trained.terms, ids, recent)

    def _best(self, connection: Connection, scored: Scored, *, limit: int, since: date | None,
              period: Period) -> tuple[list[tuple[int, float]], dict[int, float]]:
        """The ``limit`` best candidates by the whole blend, and their trending scores.
        Dates and trending are read only for candidates whose reader side is within
        ``Blend.lift`` of the ``limit``-th best survivor (no other can reach the top),
        and for at most ``SHORTLIST`` of them unless filters (withdrawn, ``since``) leave
        fewer than ``limit``."""
        reader = scored.reader
        order = np.argsort(-reader, kind="stable")
        kept: list[int] = []  # rows of ``scored`` that pass the filters
        facts: dict = {}
        start = 0
        while start < len(order) and not _settled(reader, order, kept, start, limit):
            if start >= SHORTLIST and len(kept) >= limit:
                break  # the bound: past the shortlist, the reader side alone decides
            need = limit - min(len(kept), limit - 1)
            bar = reader[order[min(start + need, len(order)) - 1]] - BLEND.lift
            size = max(need, int(np.sum(reader[order[start:]] >= bar)))
            window = [int(i) for i in order[start:start + min(size, SHORTLIST)]]
            facts.update(store.announced_days(connection, [scored.ids[i] for i in window]))
            kept += [i for i in window if _passes(facts.get(scored.ids[i]), since)]
            start += len(window)
        ids = [scored.ids[i] for i in kept]
        trending = store.trending_of(connection, self._window(period), ids)
        today = date.fromtimestamp(self.now())
        final = reader[kept] + BLEND.community_side(
            trending=np.asarray([trending.get(pid, 0.0) for pid in ids], dtype=np.float32),
            age_days=np.asarray([(today - facts[pid].announced_on).days for pid in ids],
                                dtype=np.float32))
        best = np.argsort(-final, kind="stable")[:limit]
        return [(ids[i], float(final[i])) for i in best], trending

    def _window(self, period: Period) -> TrendingWindow:
        return TrendingWindow.of(now=self.now(), period=period,
                                 half_life_hours=self.settings.trending_half_life_hours)

    def _ranked(self, model: ReaderModel, ids: list[int], facts: dict, trending: dict[int, float],
                by_followed: dict[int, set[str]], lexical: np.ndarray | None,
                ) -> list[tuple[int, float]]:
        semantic = self.semantic
        assert semantic is not None
        vectors = semantic.index.vectors(ids)
        if lexical is not None:
            lexical = lexical[[i for i, pid in enumerate(ids) if pid in vectors]]
        ids = [pid for pid in ids if pid in vectors]
        if not ids:
            return []
        today = date.fromtimestamp(self.now())
        return rank_candidates(
            model, BLEND, ids, np.stack([vectors[pid] for pid in ids]),
            age_days=np.asarray([(today - facts[pid].announced_on).days for pid in ids],
                                dtype=np.float32),
            trending=np.asarray([trending.get(pid, 0.0) for pid in ids], dtype=np.float32),
            followed=np.asarray([pid in by_followed for pid in ids]), words=lexical,
        )

    def _explained(
        self, connection: Connection, user_id: int, trained: TrainedReader, scored: Scored,
        ranked: list[tuple[int, float]], trending: dict[int, float], followed: set[str],
    ) -> list[Pick]:
        semantic = self.semantic
        model = trained.model
        assert semantic is not None
        assert model is not None
        row_of = {pid: row for row, pid in enumerate(scored.ids)}
        closest = {}
        for pid, _ in ranked:
            index = int(scored.parts.nearest_index[row_of[pid]])
            cosine = float(scored.vectors[row_of[pid]] @ model.positives[index])
            closest[pid] = (model.positive_ids[index], cosine)
        ids = [pid for pid, _ in ranked]
        wanted = list({*ids, *(c for c, _ in closest.values())})
        papers, concepts = queries.papers_and_concepts(connection, wanted, semantic.model)
        if trained.concepts is None:
            trained.concepts = explain.reader_concepts(store.concepts_of(
                connection, list(model.positive_ids), semantic.model).values())
        reader = trained.concepts
        categories = set(user_topics(connection, user_id)) | {
            p.primary_category for pid, p in papers.items() if pid in model.positive_ids}
        picks = []
        for rank, (pid, score) in enumerate(ranked, start=1):
            paper = papers[pid]
            near_id, cosine = closest.get(pid, (None, 0.0))
            near = papers.get(near_id) if near_id is not None else None
            picks.append(Pick(paper=paper, rank=rank, score=round(score, 4), because=explain.because(
                closest_title=near.title if near else None, closest_cosine=cosine,
                concepts=concepts.get(pid, []), reader=reader,
                followed=[a for a in paper.authors if author_key(a) in followed],
                trending_in=paper.primary_category if trending.get(pid, 0.0) > 0
                and paper.primary_category in categories else None,
                words=self._shared_words(trained, scored, row_of[pid], paper),
            )))
        return picks

    def _shared_words(self, trained: TrainedReader, scored: Scored, row: int, paper: Paper
                      ) -> list[str]:
        """The reader's words this pick holds, when they count in its score."""
        if scored.words is None or not trained.terms or scored.words[row] < explain.WORDS_SHOWN:
            return []
        return explain.shared_words(trained.terms, f"{paper.title}. {paper.abstract}",
                                    TextIndex.index_terms)

    def _cold_start(self, user_id: int, *, limit: int, hidden: set[int], period: Period) -> ForYou:
        """No positive yet: trending in the reader's topics (their categories), else
        trending everywhere, else the newest day's most upvoted."""
        with read_transaction(self.engine) as connection:
            topics = user_topics(connection, user_id)
        basis = "topics" if topics else "trending"
        papers = self._for_you_trending(topics, period, limit + len(hidden))
        papers = [p for p in papers if p.id not in hidden][:limit]
        reason = (f"trending in your categories ({', '.join(topics)})" if topics
                  else "trending in the community: add papers to your library to personalise")
        picks = [Pick(paper=p, rank=i, score=round(p.trending_score or 0.0, 4), because=[reason])
                 for i, p in enumerate(papers, start=1)]
        return ForYou(picks=picks, basis=basis, formula=BLEND.describe())

    def _for_you_trending(self, topics: Sequence[str], period: Period, limit: int) -> list[Paper]:
        limit = max(1, min(limit, 500))
        page = self.list_papers(PaperFilter(
            period=period, categories=tuple(topics), sort=SortOrder.TRENDING, limit=limit))
        if page.papers:
            return page.papers
        return self.list_papers(PaperFilter(period=period, categories=tuple(topics),
                                            limit=limit)).papers


@dataclass(frozen=True, slots=True)
class Scored:
    """Candidates as the reader's model sees them: ids, vectors (rows), the model's
    components, the blend's reader side, which are by followed authors, and their
    score for the reader's words."""

    ids: list[int]
    vectors: np.ndarray
    parts: Components
    reader: np.ndarray
    by_followed: dict[int, set[str]]
    words: np.ndarray | None = None  # each one's score for the reader's words


def _passes(facts: Any, since: date | None) -> bool:
    return facts is not None and not facts.withdrawn and (
        since is None or facts.announced_on >= since)


def _settled(reader: np.ndarray, order: np.ndarray, kept: list[int], start: int,
             limit: int) -> bool:
    """Whether no candidate from ``order[start]`` on can enter the top ``limit``."""
    if len(kept) < limit:
        return False
    return bool(reader[order[start]] < np.sort(reader[kept])[-limit] - BLEND.lift)
