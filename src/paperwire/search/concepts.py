"""Key concepts of an abstract, KeyBERT-style, with the paper's own embedding model.

1. Candidates: 1-3 word phrases inside runs of content words (stop words and
   punctuation break runs), kept as first written ("BERT", "task-specific heads").
2. A cheap pre-rank (frequency, presence in the title, length) keeps the best
   ``MAX_CANDIDATES`` so the model embeds few short texts per paper; phrase
   vectors are cached, since phrases repeat across papers.
3. Maximal marginal relevance picks 3-6 phrases close to the paper but not to each
   other, and never a phrase contained in one already picked.

Where the embedder has a phrase space (the bundled model: its first layers, read
from the paper's own run), phrases go through those layers only and are compared
with the paper's row there, at a third of the full model's cost; any other embedder
compares phrase vectors with the paper's vector.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from paperwire.search.embedder import Embedder, PhraseSpaceEmbedder

MAX_CANDIDATES = 12
MIN_CONCEPTS, MAX_CONCEPTS = 3, 6
DIVERSITY = 0.35  # weight of "unlike the phrases already chosen" in MMR
# Past the first MIN_CONCEPTS, a phrase needs this share of the best one's similarity.
# Similarities in the phrase space sit closer together than the full model's, so its
# floor is higher: 0.7 there picks as many concepts a paper as 0.5 in the full model's
# space (3.8 on 300 sample papers).
FLOOR_SHARE, PHRASE_SPACE_FLOOR_SHARE = 0.5, 0.7
CACHE_SIZE = 50_000


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _words(
    """
    a about above after again against all also an and any are as at be been before being
    below between both but by can could did do does doing down during each either few
    for from further had has have having here how however i if in into is it its itself
    just may me might more most much must my no nor not now of off on once only or other
    our ours out over own per same she should so some such than that the their them then
    there these they this those through thus to too under until up upon us very via was
    we were what when where whether which while who whom why will with within without
    would yet you your
    across along already although always among amongst another around because behind
    beneath beside besides beyond cannot despite e.g etc ever every former hence i.e
    instead latter namely near never often onto rather since still therefore though
    toward towards usually whereas whose
    """
)
# Words that say nothing about a paper's topic on their own or at a phrase's edge.
GENERIC = _words(
    """
    paper papers work works approach approaches method methods result results show shows
    shown propose proposed proposes present presents presented study studies studied new
    novel based using use used uses well also first second two three one several various
    different many based existing recent recently problem problems task tasks model
    models framework performance experiments experimental demonstrate demonstrates
    effective efficient state art find found provide provides obtain obtained given give
    gives show large small high low significant significantly further finally moreover
    particular case cases term terms way ways number set sets paper's article letter
    consider considered discuss investigate introduce introduces technique techniques
    able order even respectively previous leads lead
    achieve achieves achieving allow allows allowing apply applies applying confirm
    confirms determine determines eliminate eliminates enable enables enabling enhance
    enhances ensure ensures exhibit exhibits explore explores facilitate facilitates
    improve improves improving leverage leverages leveraging mitigate mitigates
    outperform outperforms reduce reduces reducing remain remains require requires
    requiring reveal reveals suggest suggests yield yields
    """
)
# An adverb before a verb's -ing form opens a clause ("effectively accelerating
# training"), not a concept.
_ADVERB = re.compile(r"(?:ally|ively|ently|antly|ously|edly|ingly|ately|ularly)$")
_CLAUSE = re.compile(r"[.,;:!?()\[\]\"]+|\s-\s|\$[^$]*\$")
# TeX markup in abstracts: a command's name is no word, and ``\textbf{O}ptimization``
# is one word once the braces go.
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?")
_BRACES = re.compile(r"[{}]")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str  # lower-case, for matching
    surface: str  # as first written
    score: float  # pre-rank


def _runs(text: str) -> list[list[str]]:
    runs: list[list[str]] = []
    text = _BRACES.sub("", _TEX_COMMAND.sub(" ", text))
    for clause in _CLAUSE.split(text):
        run: list[str] = []
        for word in _WORD.findall(clause):
            if word.lower() in STOP_WORDS:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(word)
        if run:
            runs.append(run)
    return runs


def _acceptable(words: list[str]) -> bool:
    first, last = words[0].lower(), words[-1].lower()
    if first in GENERIC or last in GENERIC or _participle(last):
        return False
    if len(words) > 1 and _ADVERB.search(first) and words[1].lower().endswith("ing"):
        return False
    if len(words) == 1:
        word = words[0]
        return len(word) >= 4 or (word.isupper() and len(word) >= 2)
    return all(len(w) > 1 for w in words)


NOUNS_IN_ED = frozenset({"embed", "hundred", "infrared", "kindred", "thread", "spread"})


def _participle(word: str) -> bool:
    """A past participle or an adjective in -ed ("data collected", "remains
    underexplored"): a clause's verb, not a concept's last word (speed is a noun)."""
    return (len(word) >= 5 and word.endswith("ed") and not word.endswith("eed")
            and word not in NOUNS_IN_ED)


def candidates(title: str, abstract: str) -> list[Candidate]:
    """Candidate phrases of a paper, best pre-ranked first."""
    title_lower = " ".join(title.lower().split())
    found: dict[str, list] = {}
    for run in _runs(f"{title}. {abstract}"):
        for size in (1, 2, 3):
            for start in range(len(run) - size + 1):
                words = run[start : start + size]
                if not _acceptable(words):
                    continue
                surface = " ".join(words)
                entry = found.setdefault(surface.lower(), [surface, 0, 0.0])
                entry[1] += 1
                entry[2] = max(entry[2], 1.0 if size == len(run) else 0.0)  # a whole run
    ranked = [
        Candidate(
            key, surface,
            count + (1.5 if key in title_lower else 0) + 0.6 * key.count(" ") + whole,
        )
        for key, (surface, count, whole) in found.items()
    ]
    ranked.sort(key=lambda c: (-c.score, c.key))
    return ranked[:MAX_CANDIDATES]


def embed_for_concepts(embedder: Embedder, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Papers' vectors, and their rows where concept phrases are compared with them."""
    if isinstance(embedder, PhraseSpaceEmbedder):
        return embedder.embed_papers(texts)
    vectors = embedder.embed(texts)
    return vectors, vectors


class ConceptExtractor:
    """Picks a paper's key phrases with an embedder; caches phrase vectors."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        if isinstance(embedder, PhraseSpaceEmbedder):
            self._embed_phrases, self._floor_share = embedder.embed_phrases, PHRASE_SPACE_FLOOR_SHARE
        else:
            self._embed_phrases, self._floor_share = embedder.embed, FLOOR_SHARE
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _phrase_vectors(self, phrases: list[str]) -> None:
        """Put every phrase's vector in the cache (the batch's own always fit)."""
        missing = [p for p in dict.fromkeys(phrases) if p not in self._cache]
        if missing:
            vectors = self._embed_phrases(missing)
            for phrase, vector in zip(missing, vectors, strict=True):
                self._cache[phrase] = vector
        for phrase in phrases:
            self._cache.move_to_end(phrase)
        while len(self._cache) > max(CACHE_SIZE, len(phrases)):
            self._cache.popitem(last=False)

    def extract(self, title: str, abstract: str, paper_vector: np.ndarray) -> list[str]:
        """``paper_vector``: the paper's row from ``embed_for_concepts``."""
        return self.extract_many([(title, abstract, paper_vector)])[0]

    def extract_many(
        self, papers: list[tuple[str, str, np.ndarray]]
    ) -> list[list[str]]:
        """Concepts of several papers: their new phrases go through the model in one
        batch (a call per paper would cost more in overhead than in compute)."""
        pools = [candidates(title, abstract) for title, abstract, _ in papers]
        self._phrase_vectors([c.key for pool in pools for c in pool])
        chosen = []
        for pool, (_, _, paper_vector) in zip(pools, papers, strict=True):
            if not pool:
                chosen.append([])
                continue
            keys = [c.key for c in pool]
            vectors = np.stack([self._cache[key] for key in keys])
            similarity = vectors @ np.asarray(paper_vector, dtype=np.float32)
            chosen.append([
                pool[i].surface for i in mmr(similarity, vectors, keys, self._floor_share)
            ])
        return chosen


def mmr(
    similarity: np.ndarray, vectors: np.ndarray, keys: list[str],
    floor_share: float = FLOOR_SHARE,
) -> list[int]:
    """Indices chosen by maximal marginal relevance, skipping phrases nested in chosen ones."""
    chosen: list[int] = []
    floor = float(similarity.max()) * floor_share
    while len(chosen) < MAX_CONCEPTS:
        best, best_score = -1, -np.inf
        for i in range(len(keys)):
            if i in chosen or _nested(keys[i], [keys[j] for j in chosen]):
                continue
            if len(chosen) >= MIN_CONCEPTS and similarity[i] < floor:
                continue
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            score = (1 - DIVERSITY) * float(similarity[i]) - DIVERSITY * redundancy
            if score > best_score:
                best, best_score = i, score
        if best < 0:
            break
        chosen.append(best)
    return chosen


def _nested(key: str, chosen: list[str]) -> bool:
    """True when ``key`` shares half its words or more with a chosen phrase."""
    words = set(key.split())
    for other in chosen:
        other_words = set(other.split())
        if len(words & other_words) * 2 >= min(len(words), len(other_words)):
            return True
    return False
