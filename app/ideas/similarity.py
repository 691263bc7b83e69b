"""Fuzzy similarity of idea texts for the reuse check (DOMAIN.md, flow step 1).

The city's rule: if a similar solution or need exists in another unit, that one is reused
unless a benefit calculation shows substantially more benefit from a new one. So when an
idea is written or screened, the most similar ideas and projects are shown.

Pure: standard library and rapidfuzz only (no Flask, no database).

Words. Both texts are lowercased and split into words (punctuation dropped); Swedish function
words and words every e-service shares ("ansökan", "webben", "boka", "e-legitimation", the
channels "sms", "mobil", "webbplats", the generic "plats", "ärenden", "besked", "egen",
"invånare", "vårdnadshavare", "förening", "stadsdel", the verbs "hyr", "köp", "säger upp") are
left out ("ärenden" was a typing error away from "arrenden"). For matching only, å/ä/ö and
other accents are folded, so "vagvisare" finds
"Vägvisare". Two words are the SAME word when they are equal, differ only by a short ending
("skola" – "skolor") or by a typing error (rapidfuzz's `fuzz.ratio` at least 90). One is PART
of the other when it is the first part of a compound ("cykel" – "cykelvägar", "simhall" –
"simhallsbokning"), also from its stem ("förskola" – "förskoleplats", "cykel" – "cyklister"),
or when both are compounds with the same first part ("cykelkarta" – "cykelvägar"; not when
that part is a stop word: "stadsmuseet" – "stadshuset"). rapidfuzz's token scorers alone miss
the Swedish compounds: "cykelreseplanerare" and "vägvisare för gång och cykel" share no whole
word.

Score (0–100), made for the new text's title and for its whole text; the better counts:

    score = 100 × (0.75 × found + 0.25 × named)

`found` is how much of the new text is found in the candidate. The new text's words are
grouped by subject (words that match the group's first word: "boendeparkering", "boende");
each subject counts by its best match: 1 in the candidate's title, 0.5 only in its
description, × 0.9 when only as a compound PART. The sum is divided by the square root of the
number of subjects and capped at 1: one subject found of one gives 1, of two 0.71, of three
0.58, so the extra words of a natural title ("… för pendlare") dilute it far less than a
plain share (0.5, 0.33) would, and the candidate's length does not matter. The whole text
must share at least two subjects with the candidate, since one word shared by two
descriptions is mostly a coincidence; the title alone needs one.

`named` is the share of the candidate's title words that the new text names, a word of the
new title fully and one of its description by half; a candidate word only named by its first
part counts by that part's length ("boende" names 6/15 of "boendeparkering").

Threshold 40, tested in tests/unit/test_idea_similarity.py on every cross-organisation pair of
the demo portfolio (both directions, ~15 000). Related pairs that pass score 41–80:
Trafikkontoret's "Cykelreseplanerare" against Stadsbyggnadskontoret's "Vägvisare för gång och
cykel i stadens webbkarta" 74, Kungsholmen's "Anmälan till öppen förskola" against
"Förskoleansökan" 59–80, the elderly-care ideas 41–77 (one direction only 36). Unrelated
pairs score at most 38 ("boende" in the radon text, the former false friend, was 58; "bostads"
in "bostadsanpassningsbidrag" – "bostadskön" and "medborgar" in "medborgarkontoret" –
"Medborgarplatsen" are generic first parts like "stads", left out as stop words). Typed
titles: "Cykelreseplanerare" 74, "Cykelreseplanerare för pendlare" 54, with three words 45; a
one-word title found whole in a candidate's title scores at least 75.
"""

import math
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
STEM_MIN_LENGTH = 5             # "förskol" from "förskola"; "bygg" from "bygga" is too short
SIBLING_PART_MIN_LENGTH = 5     # "cykel" in "cykelkarta" – "cykelvägar"
SIBLING_REST_MIN_LENGTH = 3
VOWELS = "aeiouy"               # of folded words

SAME = "same"
PART = "part"
FOUND_WEIGHT = 0.75             # how much of the new text is found; the rest: `named`
BODY_WEIGHT = 0.5               # a match in a description, against one in a title
PART_WEIGHT = 0.9               # a match as a compound part, against a whole word
TEXT_MIN_SUBJECTS = 2           # subjects the whole text must share (the title: one)

_WORD = re.compile(r"[^\W\d_]+")

STOPWORDS = frozenset("""
    och i pa for som med en ett av till att det den de ar om mellan sin sina sitt kan ska skall
    eller fran vid utan inom efter nar har hur var alla dar denna detta dessa man mer mindre
    fler farre samt under over ocksa bara inte ny nya nytt sig hela alltid tva tre fyra fem
    din ditt dina vara vart era deras dem vi ni jag du han hon hans hennes
    webben webb digitalt digital direkt etjanst etjanster tjanst tjansten tjanster
    ansok ansoker ansokan ansoka ansokningar anmalan anmaler anmal soker sok boka bokar bokning
    stockholm stockholmare staden stadens stad lamnar gor far visar tid tider information via
    person personer cirka per procent mnkr gemensam gemensamma digitala legitimation tjansterna
    min mitt mina hitta hittar jamfor jamfora bestall bestaller betala betalar fornya fornyar
    soka sokande behov behover snabbare battre enklare kortare mot andra annan annat samma
    egen eget egna varje plats platser platsen sms mobil mobilen elektronisk elektroniskt
    elektroniska webbplats webbplatsen forening foreningar foreningen foreningarna bostad
    medborgar invanare invanarna invanarnas stadsdel stadsdelen stadsdelens stadsdelar
    arende arenden arendet hyr hyra kop kopa koper besked vardnadshavare vardnadshavarna
    sager upp ser
""".split())
_LONG_STOPWORDS = tuple(sorted((w for w in STOPWORDS if len(w) >= COMPOUND_PART_MIN_LENGTH),
                               key=len, reverse=True))


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


@lru_cache(maxsize=65_536)
def _content_key(word: str) -> str | None:
    """Return the folded form of a lowercase word, or None for a short word or stop word."""
    key = fold(word)
    return key if len(key) >= MIN_WORD_LENGTH and key not in STOPWORDS else None


def words(text: str) -> dict[str, str]:
    """Map each content word's folded form to its first spelling in the text, in text order."""
    found: dict[str, str] = {}
    for word in _WORD.findall(text.lower()):
        key = _content_key(word)
        if key is not None:
            found.setdefault(key, word)
    return found


def _stems(word: str) -> tuple[str, ...]:
    """Return the forms of `word` that may start a compound of it.

    The word itself, the word without an ending of one or two letters when at least
    STEM_MIN_LENGTH letters remain ("förskola" → "förskol" as in "förskoleplats", "simhallen"
    → "simhall"; "bygga" keeps no stem, so it does not find "bygglov"), and the word without
    the e of an -el/-en/-er ending ("cykel" → "cykl" as in "cyklister").
    """
    stems = [word]
    stems.extend(word[:-cut] for cut in range(1, INFLECTION_ENDING_MAX_LENGTH + 1)
                 if len(word) - cut >= STEM_MIN_LENGTH)
    if (len(word) > COMPOUND_PART_MIN_LENGTH and word[-2] == "e" and word[-1] in "lnr"
            and word[-3] not in VOWELS):
        stems.append(word[:-2] + word[-1])
    return tuple(stems)


def _first_part(part: str, word: str) -> bool:
    """Say whether `part` (a whole word) is the first part of the compound `word`."""
    return len(part) >= COMPOUND_PART_MIN_LENGTH and any(
        word.startswith(stem) for stem in _stems(part))


@lru_cache(maxsize=65_536)
def relation(a: str, b: str) -> str | None:
    """Say how two folded words are related.

    SAME: equal, differing only by a short ending, or a typing error. PART: one is the first
    part of a compound that is the other ("cykel" – "cykelvägar"), or both are compounds with
    the same first part of at least SIBLING_PART_MIN_LENGTH letters besides a leading stop
    word ("cykelkarta" – "cykelvägar", but not "stadsmuseet" – "stadshuset"). None otherwise.
    """
    if a == b:
        return SAME
    common = int(Prefix.similarity(a, b))
    if (common >= INFLECTION_STEM_MIN_LENGTH and len(a) - common <= INFLECTION_ENDING_MAX_LENGTH
            and len(b) - common <= INFLECTION_ENDING_MAX_LENGTH):
        return SAME
    if fuzz.ratio(a, b) >= TYPO_RATIO:
        return SAME
    if _first_part(a, b) or _first_part(b, a):
        return PART
    if (min(len(a), len(b)) - common >= SIBLING_REST_MIN_LENGTH
            and _own_part(a[:common])):
        return PART
    return None


def _own_part(prefix: str) -> bool:
    """Say whether the shared start of two compounds is long enough to be their first part,
    leaving out a generic first word: "stads" in "stadsmuseet" – "stadshuset" is only the stop
    word "stad" and its s, "stadsb" in "stadsbyggnad" – "stadsbibliotek" only one letter more.
    """
    stop = next((word for word in _LONG_STOPWORDS if prefix.startswith(word)), "")
    return len(prefix[len(stop):].removeprefix("s") if stop else prefix) >= SIBLING_PART_MIN_LENGTH


def words_match(a: str, b: str) -> bool:
    """Say whether two folded words name the same thing: SAME word or a compound PART."""
    return relation(a, b) is not None


def _named_share(query_word: str, title_word: str) -> float:
    """Return how much of a candidate's title word a related query word names."""
    if relation(query_word, title_word) == SAME or _first_part(title_word, query_word):
        return 1.0
    return Prefix.similarity(query_word, title_word) / len(title_word)


@dataclass(frozen=True)
class _Query:
    """The words of a new text (its title or its whole text) grouped by subject."""

    words: dict[str, str]
    subjects: tuple[tuple[str, ...], ...]
    whole_text: bool


def _subjects(query: dict[str, str]) -> tuple[tuple[str, ...], ...]:
    """Group words by subject: a word joins the first group whose first word it matches
    ("boendeparkering", "boende", "boendeparkeringstillstånd" are one subject)."""
    groups: list[list[str]] = []
    for word in query:
        group = next((g for g in groups if words_match(g[0], word)), None)
        if group is None:
            groups.append([word])
        else:
            group.append(word)
    return tuple(tuple(group) for group in groups)


def _queries(text: str) -> tuple[dict[str, str], list[_Query]]:
    """Return the new text's title words and its queries: the title and the whole text.

    Without title words (a first line of stop words only) the whole text stands for the title.
    """
    lines = text.strip().splitlines()
    title = words(lines[0]) if lines else {}
    whole = words(text)
    if not title or title == whole:
        return whole, [_Query(whole, _subjects(whole), False)] if whole else []
    return title, [_Query(title, _subjects(title), False),
                   _Query(whole, _subjects(whole), True)]


def _score(query: _Query, query_title: dict[str, str], title: dict[str, str],
           related: dict[str, list[tuple[str, str]]]) -> tuple[float, set[str]]:
    """Score one query against a candidate (see the module doc).

    `related` maps each word of the new text to the candidate's words it matches, with the
    kind of match; `title` is the candidate's title words (the rest is its description).
    """
    def found(word: str) -> float:
        return max(((1.0 if c in title else BODY_WEIGHT) * (1.0 if kind == SAME else PART_WEIGHT)
                    for c, kind in related[word]), default=0.0)

    weights = [max(found(word) for word in subject) for subject in query.subjects]
    shared_subjects = sum(weight > 0 for weight in weights)
    if not shared_subjects or (query.whole_text and shared_subjects < TEXT_MIN_SUBJECTS):
        return 0.0, set()
    named: dict[str, float] = dict.fromkeys(title, 0.0)
    for word in query.words:
        for c, _kind in related[word]:
            if c in title:
                weight = 1.0 if word in query_title else BODY_WEIGHT
                named[c] = max(named[c], weight * _named_share(word, c))
    share_found = min(1.0, sum(weights) / math.sqrt(len(query.subjects)))
    share_named = sum(named.values()) / len(title) if title else 0.0
    shared = {c for word in query.words for c, _kind in related[word]}
    return 100 * (FOUND_WEIGHT * share_found + (1 - FOUND_WEIGHT) * share_named), shared


def _best(text: tuple[dict[str, str], list[_Query]],
          candidate: Candidate) -> tuple[int, tuple[str, ...]]:
    query_title, queries = text
    title = words(candidate.title)
    target = words(f"{candidate.title}\n{candidate.text}")
    if not queries or not target:
        return 0, ()
    related: dict[str, list[tuple[str, str]]] = {}
    for query in queries:
        for word in query.words:
            if word not in related:
                related[word] = [(c, kind) for c in target
                                 if (kind := relation(word, c)) is not None]
    scored = [_score(query, query_title, title, related) for query in queries]
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
    if limit <= 0 or not queries[1]:
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
