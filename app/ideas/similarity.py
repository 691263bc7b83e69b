"""Fuzzy similarity of idea texts for the reuse check (DOMAIN.md, flow step 1).

The city's rule: if a similar solution or need exists in another unit, that one is reused
unless a benefit calculation shows substantially more benefit from a new one. So when an
idea is written or screened, the most similar ideas and projects are shown.

Pure: standard library and rapidfuzz only (no Flask, no database).

How a score is made. Both texts are lowercased and split into words (punctuation dropped);
Swedish function words and words every e-service shares ("ansökan", "webben", "boka") are
left out. For matching only, å/ä/ö and other accents are folded, so "vagvisare" finds
"Vägvisare". Two words match when they are equal, when one is the first part of a compound
("cykel" – "cykelvägar", "simhall" – "simhallsbokning"), when they differ only by a short
ending ("skola" – "skolor"), or when rapidfuzz's `fuzz.ratio` is at least 90 (a typing
error). rapidfuzz's token scorers alone miss the Swedish compounds: "cykelreseplanerare" and
"vägvisare för gång och cykel" share no whole word. The score (0–100) is the mean of the
share of the query's words found in the candidate and the share of the candidate's words
found in the query. The query's first line is its title and is also scored on its own (the
better score counts), so a precise title is not drowned by a long description.

Threshold 40, tested in tests/unit/test_idea_similarity.py on the demo portfolio. Pairs of
different organisations that share a subject score 39–56: Trafikkontoret's
"Cykelreseplanerare" against Stadsbyggnadskontoret's "Vägvisare för gång och cykel i stadens
webbkarta" scores 55 on its title alone, elderly-care ideas score 39–45 against each other.
Unrelated pairs score at most 31; the one false friend above 40 is "boende" (residents), the
first part of "boendeparkering", in a radon text. A one-word title found in a candidate always
scores above 50, so what is typed first is matched first.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Prefix

SIMILARITY_THRESHOLD = 40
DEFAULT_LIMIT = 5
MIN_WORD_LENGTH = 3
COMPOUND_PART_MIN_LENGTH = 4
INFLECTION_STEM_MIN_LENGTH = 4
INFLECTION_ENDING_MAX_LENGTH = 2
TYPO_RATIO = 90

_WORD = re.compile(r"[^\W\d_]+")

STOPWORDS = frozenset("""
    och i pa for som med en ett av till att det den de ar om mellan sin sina sitt kan ska skall
    eller fran vid utan inom efter nar har hur var alla dar denna detta dessa man mer mindre
    fler farre samt under over ocksa bara inte ny nya nytt sig hela alltid tva tre fyra fem
    din ditt dina vara vart era deras dem vi ni jag du han hon hans hennes
    webben webb digitalt digital direkt etjanst etjanster tjanst tjansten tjanster
    ansok ansoker ansokan ansoka ansokningar anmalan anmaler anmal soker sok boka bokar bokning
    stockholm stockholmare staden stadens stad lamnar gor far visar tid tider information via
    person personer
""".split())


@dataclass(frozen=True)
class Candidate:
    """An existing idea or project to compare a new text with."""

    kind: str
    id: int
    title: str
    organisation: str
    text: str = ""
    state: str | None = None


@dataclass(frozen=True)
class Match:
    """A candidate similar enough to show, with its score and the words it shares."""

    kind: str
    id: int
    title: str
    organisation: str
    score: int
    shared_words: tuple[str, ...] = ()
    state: str | None = None
    text: str = ""


def fold(text: str) -> str:
    """Lowercase and strip accents (å→a, ä→a, ö→o, é→e) for matching only."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> dict[str, str]:
    """Map each content word's folded form to its first spelling in the text, in text order."""
    found: dict[str, str] = {}
    for word in _WORD.findall(text.lower()):
        key = fold(word)
        if len(key) >= MIN_WORD_LENGTH and key not in STOPWORDS:
            found.setdefault(key, word)
    return found


@lru_cache(maxsize=65_536)
def words_match(a: str, b: str) -> bool:
    """Say whether two folded words name the same thing: equal, compound part, ending, typo."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= COMPOUND_PART_MIN_LENGTH and long.startswith(short):
        return True
    common = int(Prefix.similarity(a, b))
    if (common >= INFLECTION_STEM_MIN_LENGTH and len(a) - common <= INFLECTION_ENDING_MAX_LENGTH
            and len(b) - common <= INFLECTION_ENDING_MAX_LENGTH):
        return True
    return fuzz.ratio(a, b) >= TYPO_RATIO


def _score(query: dict[str, str], candidate: dict[str, str]) -> tuple[float, set[str]]:
    pairs = [(q, c) for q in query for c in candidate if words_match(q, c)]
    if not pairs:
        return 0.0, set()
    in_query = {q for q, _ in pairs}
    in_candidate = {c for _, c in pairs}
    return 100 * (len(in_query) / len(query) + len(in_candidate) / len(candidate)) / 2, in_candidate


def _queries(text: str) -> list[dict[str, str]]:
    """Return the words of the first line (the title) and of the whole text."""
    lines = text.strip().splitlines()
    title = words(lines[0]) if lines else {}
    return [query for query in (title, words(text)) if query]


def _best(queries: list[dict[str, str]], candidate: Candidate) -> tuple[int, tuple[str, ...]]:
    target = words(f"{candidate.title}\n{candidate.text}")
    if not queries or not target:
        return 0, ()
    scored = [_score(query, target) for query in queries]
    shared = set().union(*(found for _, found in scored))
    return round(max(score for score, _ in scored)), tuple(
        target[key] for key in target if key in shared)


def score_text(text: str, candidate: Candidate) -> tuple[int, tuple[str, ...]]:
    """Score `text` (first line = title) against one candidate; return score and shared words."""
    return _best(_queries(text), candidate)


def rank_similar(text: str, candidates: Iterable[Candidate], limit: int = DEFAULT_LIMIT,
                 threshold: int = SIMILARITY_THRESHOLD) -> list[Match]:
    """Return the candidates scoring at least `threshold`, best first, at most `limit`."""
    queries = _queries(text)
    if limit <= 0 or not queries:
        return []
    matches = []
    for candidate in candidates:
        score, shared = _best(queries, candidate)
        if score >= threshold:
            matches.append(Match(kind=candidate.kind, id=candidate.id, title=candidate.title,
                                 organisation=candidate.organisation, score=score,
                                 shared_words=shared, state=candidate.state,
                                 text=candidate.text))
    matches.sort(key=lambda m: (-m.score, m.title.casefold(), m.kind, m.id))
    return matches[:limit]
