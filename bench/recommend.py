"""For-you relevance: paperwire's per-reader scorer against two baselines, on personas
built from the search judgments, plus the scorer's speed.

    python bench/recommend.py [--store PATH] eval [--draws 3] [--json] [--variants]
    python bench/recommend.py [--store PATH] sweep [--draws 3] [--mixed 120]
    python bench/recommend.py [--store PATH] pool [--pool-dir DIR]   # top 10s to judge
    python bench/recommend.py [--store PATH] libraries   # draw the libraries anew, keep them
    python bench/recommend.py speed [--synthetic DIR] [--readers 10000] [--new 2000]

Personas (bench/relevance_judgments.json): for every query with at least
``MIN_GRADE2`` papers judged 2, a persona's library is 5 of them drawn at random
(``--draws`` draws per query, fixed seeds) and kept in bench/for_you_libraries.json,
so that judging the papers the systems rank (``pool``) does not redraw it; what it
wants is every other paper judged for that query, its grade the gain. Library papers are left out of every
ranking. Each system ranks the whole store (32k papers): nDCG@10 (gains 2^g − 1),
Recall@100 (grade ≥ 1), and the share of its top 10 nobody judged (counted as 0;
the judgments were pooled from search systems, so every system here loses most to
that — "condensed" nDCG@10 drops unjudged papers instead, Sakai 2007, as a second
view). Mixed personas (``--mixed N``) join two personas' libraries (10 papers, two
interests) and wants: the case a centroid cannot serve.

Systems:
- centroid: cosine to the mean of the library's vectors.
- SVM: arxiv-sanity-lite's per-reader linear SVM (scikit-learn LinearSVC, library
  papers positive, every other paper negative, C = 0.1, class_weight balanced), its
  decision function ranking everything.
- paperwire: the product's scorer (paperwire.recommend), its candidates retrieved
  from the store's usearch index the way the For-you page does, blended as
  recommend/blend.py says (trending is 0: the sample has no votes).

The store is opened read-only (default .scratch/relevance-full, the one
bench/relevance.py build makes).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common import machine

STORE = Path(os.environ.get(
    "PAPERWIRE_RELEVANCE_STORE", Path(__file__).resolve().parent.parent / ".scratch" / "relevance-full"
))
JUDGMENTS = Path(__file__).with_name("relevance_judgments.json")
LIBRARIES = Path(__file__).with_name("for_you_libraries.json")
LIBRARY_SIZE, MIN_GRADE2 = 5, 8


@dataclass(frozen=True, slots=True)
class Corpus:
    ids: np.ndarray  # paper ids, row order
    arxiv: list[str]
    vectors: np.ndarray  # (n, d) float32, unit rows
    announced: np.ndarray  # days since epoch
    row_of: dict[str, int]
    row_of_id: dict[int, int]
    model: str


@dataclass(frozen=True, slots=True)
class Persona:
    query: str
    library: tuple[str, ...]
    wants: dict[str, int]  # judged papers but the library, with their grades
    queries: tuple[str, ...]  # the judged queries it is made of (two for a mixed one)


def load_corpus(store: Path) -> Corpus:
    from sqlalchemy import create_engine

    from paperwire.db.recommend import embedded_papers
    from paperwire.db.session import read_transaction
    from paperwire.search.indexing import decode_vector

    model = json.loads(next((store / "vectors").glob("*.json")).read_text())["model"]
    engine = create_engine(f"sqlite:///file:{store / 'paperwire.db'}?mode=ro&uri=true")
    ids, arxiv, vectors, days = [], [], [], []
    with read_transaction(engine) as connection:
        for chunk in embedded_papers(connection, model):
            for row in chunk:
                ids.append(row.paper_id)
                arxiv.append(row.arxiv_id)
                vectors.append(decode_vector(row.vector))
                days.append(row.announced_on.toordinal())
    engine.dispose()
    matrix = np.stack(vectors)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return Corpus(np.asarray(ids), arxiv, matrix, np.asarray(days),
                  {a: i for i, a in enumerate(arxiv)}, {p: i for i, p in enumerate(ids)}, model)


def personas(draws: int, corpus: Corpus, kept: Path | None = LIBRARIES) -> list[Persona]:
    """The single-interest personas: the libraries kept in ``kept``
    (bench/for_you_libraries.json), so that new judgments add to what a persona wants
    without redrawing its library (a redrawn library has a new top 10, unjudged again)
    or changing which queries make personas; without that file (or with ``kept``
    None) every query with enough papers judged 2 draws its libraries from them."""
    libraries = json.loads(kept.read_text()) if kept and kept.exists() else {}
    found = []
    for item in json.loads(JUDGMENTS.read_text()):
        grades = {a: g for a, g in item["grades"].items() if a in corpus.row_of}
        drawn = (libraries.get(item["query"], []) if libraries
                 else draw_libraries(item["query"], grades, draws))
        for library in map(tuple, drawn[:draws]):
            wants = {a: g for a, g in grades.items() if a not in library}
            found.append(Persona(item["query"], library, wants, (item["query"],)))
    return found


def draw_libraries(query: str, grades: dict[str, int], draws: int) -> list[list[str]]:
    best = sorted(a for a, g in grades.items() if g == 2)
    if len(best) < MIN_GRADE2:
        return []
    return [random.Random(f"{draw}:{query}").sample(best, LIBRARY_SIZE) for draw in range(draws)]


def keep_libraries(args: argparse.Namespace) -> None:
    """``libraries``: draw every query's libraries from today's judgments and keep them
    in bench/for_you_libraries.json (what eval, sweep and pool read from then on)."""
    corpus = load_corpus(args.store)
    people = personas(args.draws, corpus, kept=None)
    libraries: dict[str, list[list[str]]] = {}
    for persona in people:
        libraries.setdefault(persona.query, []).append(list(persona.library))
    LIBRARIES.write_text(json.dumps(libraries, indent=1) + "\n")
    print(f"kept {len(people)} libraries of {len(libraries)} queries in {LIBRARIES.name}")


def mixed_personas(count: int, single: list[Persona]) -> list[Persona]:
    firsts = [p for i, p in enumerate(single) if i == 0 or single[i - 1].query != p.query]
    chooser, found = random.Random(5), []
    for _ in range(count):
        one, two = chooser.sample(firsts, 2)
        library = one.library + two.library
        wants = {a: max(g, one.wants.get(a, 0)) for a, g in two.wants.items()}
        wants = {a: g for a, g in {**one.wants, **wants}.items() if a not in library}
        found.append(Persona(f"{one.query} + {two.query}", library, wants,
                             one.queries + two.queries))
    return found


def dcg(gains: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def measure(ranked: list[str], persona: Persona) -> dict[str, float]:
    wants = persona.wants
    ideal = dcg(sorted(wants.values(), reverse=True)[:10])
    relevant = {a for a, g in wants.items() if g > 0}
    return {
        "ndcg10": dcg([wants.get(a, 0) for a in ranked[:10]]) / ideal if ideal else 0.0,
        "recall100": len(relevant & set(ranked[:100])) / max(len(relevant), 1),
        "unjudged10": sum(a not in wants for a in ranked[:10]) / 10,
        "condensed10": dcg([wants[a] for a in ranked if a in wants][:10]) / ideal if ideal else 0.0,
    }


Ranker = Callable[[Persona], list[str]]
POOL_DEPTH = 10


def top(corpus: Corpus, scores: np.ndarray, persona: Persona, k: int = 100) -> list[str]:
    scores = scores.astype(np.float64).copy()
    for arxiv_id in persona.library:
        scores[corpus.row_of[arxiv_id]] = -np.inf
    order = np.argpartition(-scores, k)[:k]
    order = order[np.argsort(-scores[order], kind="stable")]
    return [corpus.arxiv[i] for i in order]


def library_rows(corpus: Corpus, persona: Persona) -> list[int]:
    return [corpus.row_of[a] for a in persona.library]


def centroid_ranker(corpus: Corpus) -> Ranker:
    def rank(persona: Persona) -> list[str]:
        centre = corpus.vectors[library_rows(corpus, persona)].mean(axis=0)
        return top(corpus, corpus.vectors @ centre, persona)
    return rank


def svm_ranker(corpus: Corpus) -> Ranker:
    from sklearn.svm import LinearSVC

    def rank(persona: Persona) -> list[str]:
        labels = np.zeros(len(corpus.arxiv), dtype=np.int8)
        labels[library_rows(corpus, persona)] = 1
        svm = LinearSVC(C=0.1, class_weight="balanced", tol=1e-6, max_iter=10_000, dual="auto")
        svm.fit(corpus.vectors, labels)
        return top(corpus, svm.decision_function(corpus.vectors), persona)
    return rank


def paperwire_ranker(corpus: Corpus, store: Path, *, distance: float | None = None,
                     ridge: float | None = None, **blend_overrides: float) -> Ranker:
    """The product's path: background sample, train, candidates from the usearch index,
    the reader's words scored in the store's keyword index, blend, over the corpus's
    vectors (the store's own). ``distance`` (the interests' cut), ``ridge`` and the
    blend's weights default to the product's."""
    from paperwire.recommend import words
    from paperwire.recommend.blend import Blend
    from paperwire.recommend.candidates import candidate_ids
    from paperwire.recommend.interests import INTEREST_DISTANCE
    from paperwire.recommend.model import RIDGE, Background, train
    from paperwire.recommend.ranker import rank_candidates
    from paperwire.search.vectors import VectorIndex

    index = VectorIndex(store / "vectors", corpus.model, corpus.vectors.shape[1], exact_max=5_000)
    background = Background.of(sample_rows(corpus), ridge=RIDGE if ridge is None else ridge)
    blend = Blend(**blend_overrides)
    cut = INTEREST_DISTANCE if distance is None else distance
    today = int(corpus.announced.max())
    text, texts = keyword_index(store, [int(i) for i in corpus.ids])

    def rank(persona: Persona) -> list[str]:
        ids = [int(corpus.ids[r]) for r in library_rows(corpus, persona)]
        vectors = {pid: corpus.vectors[corpus.row_of_id[pid]] for pid in ids}
        model = train(background, dict.fromkeys(ids, 1.0), vectors, distance=cut)
        assert model is not None
        candidates = [c for c in candidate_ids(model, index.search_many)
                      if c not in vectors and c in corpus.row_of_id]
        rows = [corpus.row_of_id[c] for c in candidates]
        recent = list(model.positive_ids[-words.MOST_POSITIVES:])
        terms = words.reader_terms(text, [texts[pid] for pid in recent])
        ranked = rank_candidates(
            model, blend, candidates, corpus.vectors[rows],
            age_days=(today - corpus.announced[rows]).astype(np.float32),
            trending=np.zeros(len(rows), dtype=np.float32),
            words=words.word_scores(text, terms, candidates, recent),
        )
        return [corpus.arxiv[corpus.row_of_id[pid]] for pid, _ in ranked[:100]]
    return rank


def keyword_index(store: Path, ids: list[int]):  # type: ignore[no-untyped-def]
    """The store's keyword index, opened, and each paper's "title. abstract" (as the
    product reads its positives')."""
    from sqlalchemy import create_engine

    from paperwire.db import search as search_store
    from paperwire.db.session import read_transaction
    from paperwire.search.text_index import TextIndex

    text = TextIndex(store / "text-index")
    engine = create_engine(f"sqlite:///file:{store / 'paperwire.db'}?mode=ro&uri=true")
    with read_transaction(engine) as connection:
        if not text.is_current(connection):
            raise SystemExit(f"{store / 'text-index'} is behind the store: rebuild it")
        found = search_store.titles_and_abstracts(connection, ids)
    engine.dispose()
    return text, {pid: f"{title}. {abstract}" for pid, (title, abstract) in found.items()}


def sample_rows(corpus: Corpus, size: int = 4096, seed: int = 7) -> np.ndarray:
    from paperwire.recommend.background import sample_ids

    chosen = sample_ids([int(i) for i in corpus.ids], size, seed=seed)
    return corpus.vectors[[corpus.row_of_id[i] for i in chosen]]


def evaluate(args: argparse.Namespace) -> None:
    corpus = load_corpus(args.store)
    people = personas(args.draws, corpus)
    systems: dict[str, Ranker] = {} if args.no_baselines else {
        "centroid": centroid_ranker(corpus), "SVM (C=0.1, balanced)": svm_ranker(corpus),
    }
    systems["paperwire"] = paperwire_ranker(corpus, args.store)
    if args.variants:
        systems.update(variants(corpus, args.store))
    queries = len({p.query for p in people})
    print(f"{machine()}; load {os.getloadavg()[0]:.1f}; {len(corpus.arxiv):,} papers; "
          f"{queries} personas x {args.draws} draws = {len(people)} libraries of {LIBRARY_SIZE}")
    results = {"single": report(systems, people)}
    if args.mixed:
        mixed = mixed_personas(args.mixed, people)
        print(f"mixed: {len(mixed)} libraries of {2 * LIBRARY_SIZE} (two personas each)")
        results["mixed"] = report(systems, mixed)
    if args.json:
        print(json.dumps(results))


def report(systems: dict[str, Ranker], people: list[Persona]) -> dict[str, dict[str, float]]:
    results = {}
    for name, rank in systems.items():
        started = time.perf_counter()
        figures = [measure(rank(p), p) for p in people]
        seconds = (time.perf_counter() - started) / len(people)
        summary = {key: statistics.fmean(f[key] for f in figures) for key in figures[0]}
        summary["ms_per_reader"] = seconds * 1000
        results[name] = summary
        print(f"{name:<28} nDCG@10 {summary['ndcg10']:.3f}  Recall@100 {summary['recall100']:.3f}"
              f"  unjudged in top 10 {summary['unjudged10']:4.0%}  condensed nDCG@10 "
              f"{summary['condensed10']:.3f}  {summary['ms_per_reader']:.0f} ms/reader", flush=True)
    return results


def variants(corpus: Corpus, store: Path) -> dict[str, Ranker]:
    return {
        "paperwire one interest": paperwire_ranker(corpus, store, distance=2.0),
        "paperwire linear only": paperwire_ranker(corpus, store, nearest=0.0),
        "paperwire nearest only": paperwire_ranker(corpus, store, linear=0.0),
        "paperwire no recency": paperwire_ranker(corpus, store, recency=0.0),
        "paperwire no words": paperwire_ranker(corpus, store, words=0.0),
    }


SWEEP = {"distance": (0.5, 0.6, 0.7, 0.75, 0.8, 0.9), "linear": (0.3, 0.4, 0.5, 0.6, 0.7),
         "ridge": (3e-3, 1e-2, 3e-2)}


def sweep(args: argparse.Namespace) -> None:
    """Choose the interests' cut, the linear/nearest weights and the ridge on half the
    queries (their single and two-interest personas), report the choice on the other
    half: a query's personas are all in one half (by a hash of its text)."""
    import hashlib
    import itertools

    corpus = load_corpus(args.store)
    people = personas(args.draws, corpus)
    half = {p.query: int(hashlib.sha256(p.query.encode()).hexdigest(), 16) % 2 for p in people}
    fit = [p for p in people if half[p.query] == 0]
    held = [p for p in people if half[p.query] == 1]
    sets = {"fit": (fit, mixed_personas(args.mixed // 2, fit)),
            "held-out": (held, mixed_personas(args.mixed // 2, held))}
    print(f"{machine()}; load {os.getloadavg()[0]:.1f}; fit on {len(fit)} single + "
          f"{len(sets['fit'][1])} mixed personas ({sum(1 - v for v in half.values())} queries), "
          f"report on {len(held)} + {len(sets['held-out'][1])} ({sum(half.values())} queries)")

    def score(config: dict, which: str) -> tuple[float, float]:
        rank = paperwire_ranker(corpus, args.store, distance=config["distance"],
                                ridge=config["ridge"], linear=config["linear"],
                                nearest=1 - config["linear"])
        single, mixed = sets[which]
        return (statistics.fmean(measure(rank(p), p)["ndcg10"] for p in single),
                statistics.fmean(measure(rank(p), p)["ndcg10"] for p in mixed))

    results = []
    for values in itertools.product(*SWEEP.values()):
        config = dict(zip(SWEEP, values, strict=True))
        single, mixed = score(config, "fit")
        results.append(((single + mixed) / 2, single, mixed, config))
        print(f"  fit  {config}  single {single:.3f}  mixed {mixed:.3f}", flush=True)
    results.sort(key=lambda r: -r[0])
    for _, single, mixed, config in results[:5]:
        print(f"best on fit: {config}  single {single:.3f}  mixed {mixed:.3f}")
    chosen = results[0][3]
    single, mixed = score(chosen, "held-out")
    print(f"chosen {chosen} on the held-out half: single {single:.3f}  mixed {mixed:.3f}")
    centroid = centroid_ranker(corpus)
    one, two = sets["held-out"]
    print(f"centroid on the held-out half: single "
          f"{statistics.fmean(measure(centroid(p), p)['ndcg10'] for p in one):.3f}  mixed "
          f"{statistics.fmean(measure(centroid(p), p)['ndcg10'] for p in two):.3f}")


def speed(args: argparse.Namespace) -> None:
    """Retraining after a signal, and the digest's whole path for many readers: read
    every reader's signals, train their models, score a day's new papers, on the
    synthetic 100k-paper store of bench/for_you_store.py (readers written in bulk)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import search
    from for_you_store import digest_readers, ensure_papers, page_readers
    from paperwire.db.session import read_transaction
    from paperwire.library.signals import readers_signals
    from paperwire.recommend.batch import score_batch
    from paperwire.recommend.model import train
    from paperwire.recommend.threads import one_blas_thread

    ensure_papers(args.synthetic, 100_000)
    pages = page_readers(args.synthetic, [5, 20, 50, 100, 200])
    readers = digest_readers(args.synthetic, args.readers)
    core = search.bench_core(args.synthetic)
    print(f"{machine()}; load {os.getloadavg()[0]:.1f}; threads "
          f"{os.environ.get('OMP_NUM_THREADS', 'all')}; {len(core.semantic.index):,} papers "
          "(SYNTHETIC vectors)")
    background = core._corpus_background()
    rng = np.random.default_rng(3)
    top = len(core.semantic.index)
    for size in (5, 50, 200, 500):
        ids = [int(i) for i in rng.choice(np.arange(1, top + 1), size, replace=False)]
        vectors = core.semantic.index.vectors(ids)
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            with one_blas_thread():  # as the core trains
                train(background, dict.fromkeys(vectors, 1.0), vectors)
            timings.append(time.perf_counter() - started)
        print(f"train, {size} random positives (as many interests, at most 16 scorers): "
              f"median {statistics.median(timings) * 1000:.1f} ms")
    for reader in pages:  # the page's path: a signal, then the reader's model again
        timings = []
        for n in range(10):  # the two take each other back: the version always moves
            core.mark_signal(reader["user_id"], top - 5000,
                             ("more_like_this", "not_interested")[n % 2])
            started = time.perf_counter()
            core.reader_model(reader["user_id"])
            timings.append(time.perf_counter() - started)
        print(f"after a signal, library of {reader['library']}: reader_model median "
              f"{statistics.median(timings) * 1000:.1f} ms (version, signals, vectors, train)")
    new = list(range(top - args.new + 1, top + 1))
    core.close()
    fresh = search.bench_core(args.synthetic)
    started = time.perf_counter()
    sections = fresh.for_you_sections(readers, new, limit=5)
    whole = time.perf_counter() - started
    picked = sum(len(v) for v in sections.values())
    print(f"digest path, whole (for_you_sections, empty model cache): {args.new:,} new papers "
          f"for {len(readers):,} readers in {whole:.1f} s; {len(sections):,} readers get a "
          f"section, {picked / max(len(sections), 1):.1f} papers each")
    fresh.close()
    parts = search.bench_core(args.synthetic)
    started = time.perf_counter()
    with read_transaction(parts.engine) as connection:
        signals = readers_signals(connection, readers)
    read = time.perf_counter() - started
    started = time.perf_counter()
    trained = parts._train_readers([signals[uid] for uid in readers])
    learnt = time.perf_counter() - started
    vectors = np.stack(list(parts.semantic.index.vectors(new).values()))
    started = time.perf_counter()
    scores = score_batch([t.model for t in trained], vectors)
    scored = time.perf_counter() - started
    interests = statistics.fmean(t.model.interests for t in trained if t.model is not None)
    print(f"  of which: read signals {read:.1f} s ({sum(len(s.positives) for s in signals.values()):,}"
          f" positives), train {learnt:.1f} s ({interests:.2f} interests a reader), score "
          f"{scored:.1f} s (matrix {scores.shape}); the rest is thresholds and choosing")
    print(f"load at the end {os.getloadavg()[0]:.1f}")


def pool(args: argparse.Namespace) -> None:
    """The papers in each system's top 10 (every persona, single and mixed) not yet
    judged for the persona's query, or for either query of a mixed one: blind pools in
    bench/relevance.py's format, folded in by ``relevance.py merge``, so that the
    figures can be read with every top-10 paper judged, as the independent benchmark
    does."""
    from collections import defaultdict

    from sqlalchemy import create_engine

    from relevance import write_pools

    corpus = load_corpus(args.store)
    people = personas(args.draws, corpus)
    everyone = people + mixed_personas(args.mixed, people)
    systems = {"centroid": centroid_ranker(corpus), "SVM (C=0.1, balanced)": svm_ranker(corpus),
               "paperwire": paperwire_ranker(corpus, args.store)}
    grades = {item["query"]: item["grades"] for item in json.loads(JUDGMENTS.read_text())}
    wanted: dict[str, set[str]] = defaultdict(set)
    for name, rank in systems.items():
        before = sum(map(len, wanted.values()))
        for persona in everyone:
            shown = rank(persona)[:POOL_DEPTH]
            for query in persona.queries:
                wanted[query].update(a for a in shown if a not in grades[query])
        print(f"{name}: {sum(map(len, wanted.values())) - before:,} more to judge", flush=True)
    engine = create_engine(f"sqlite:///file:{args.store / 'paperwire.db'}?mode=ro&uri=true")
    write_pools(engine, args.pool_dir, dict(wanted),
                f"top {POOL_DEPTH} of {', '.join(systems)} for {len(everyone)} personas")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=STORE)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("eval")
    run.add_argument("--draws", type=int, default=3)
    run.add_argument("--json", action="store_true")
    run.add_argument("--variants", action="store_true")
    run.add_argument("--mixed", type=int, default=60, help="mixed personas (0: none)")
    run.add_argument("--no-baselines", action="store_true", help="paperwire (and variants) only")
    tune = commands.add_parser("sweep")
    tune.add_argument("--draws", type=int, default=3)
    tune.add_argument("--mixed", type=int, default=120, help="mixed personas over both halves")
    judge = commands.add_parser("pool")
    judge.add_argument("--draws", type=int, default=3)
    judge.add_argument("--mixed", type=int, default=60, help="mixed personas (0: none)")
    judge.add_argument("--pool-dir", type=Path, default=STORE.parent / "for-you-pool")
    keep = commands.add_parser("libraries", help="draw the personas' libraries anew and keep them")
    keep.add_argument("--draws", type=int, default=3)
    fast = commands.add_parser("speed")
    fast.add_argument("--readers", type=int, default=10_000)
    fast.add_argument("--synthetic", type=Path, default=Path("/work/scratch/for-you-scale/store-100k"))
    fast.add_argument("--new", type=int, default=2_000)
    args = parser.parse_args()
    {"eval": evaluate, "sweep": sweep, "pool": pool, "libraries": keep_libraries,
     "speed": speed}[args.command](args)


if __name__ == "__main__":
    main()
