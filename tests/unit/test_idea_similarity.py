"""The reuse check's fuzzy similarity: word matching, scores and the threshold of 40."""

import functools
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.ideas.similarity import (
    PART,
    SAME,
    SIMILARITY_THRESHOLD,
    Candidate,
    fold,
    rank_similar,
    relation,
    score_text,
    words,
    words_match,
)

ROOT = Path(__file__).resolve().parents[2]

VAGVISARE = Candidate(
    "idea", 1, "Vägvisare för gång och cykel i stadens webbkarta", "Stadsbyggnadskontoret",
    "En ruttfunktion i stadens webbkarta som visar gång- och cykelvägar mellan två adresser, "
    "byggd på Baggis geografiska data.", "approved_to_apply")
RADON = Candidate(
    "idea", 7, "Sök radonhalter för din fastighet", "Miljöförvaltningen",
    "Fastighetsägare och boende söker uppmätta radonhalter per fastighet på webben.")
BOENDEPARKERING = Candidate(
    "project", 8, "Boendeparkering", "Trafikkontoret",
    "E-tjänst för ansökan om boendeparkeringstillstånd med helt automatisk kontroll av "
    "folkbokföringsadress och fordonsägande. 27 000 ansökningar 2008, hälften via webben.")
FORSKOLEANSOKAN = Candidate(
    "project", 9, "Förskoleansökan", "Utbildningsförvaltningen",
    "Ansökan om förskoleplats på webben för alla stadsdelar; cirka 12 000 ansökningar per år, "
    "90 procent via webben.")
KARIN_TEXT = (
    "Cykelreseplanerare för Stockholm\n"
    "En reseplanerare på webben som föreslår cykelvägar mellan två adresser, med cykelbanor, "
    "lutning och cykelparkering.")


def test_module_is_pure():
    code = ("import sys, app.ideas.similarity\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'sqlalchemy', 'flask_sqlalchemy') or m.endswith('.models'))))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("Vägvisare för gång- och CYKEL!", {"vagvisare": "vägvisare", "gang": "gång",
                                       "cykel": "cykel"}),
    ("Ansök om bygglov via webben", {"bygglov": "bygglov"}),
    ("E-tjänst för 8 000 ärenden", {}),  # "ärenden" is every e-service's word
    ("E-tjänst för 8 000 fiskekort", {"fiskekort": "fiskekort"}),
    ("och i på för", {}),
    ("", {}),
])
def test_words_drop_stopwords_punctuation_and_numbers_and_keep_the_spelling(text, expected):
    assert words(text) == expected


def test_fold_is_only_for_matching():
    assert fold("Åtgärd Ärende Öppen Café") == "atgard arende oppen cafe"


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("cykel", "cykel", True),
    ("cykel", "cykelreseplanerare", True),        # first part of a compound
    ("cykel", "cykelvagar", True),
    ("simhall", "simhallsbokning", True),         # compound with a linking s
    ("skola", "skolor", True),                    # inflection
    ("adressen", "adresser", True),
    ("cykelresplanerare", "cykelreseplanerare", True),  # typing error
    ("bygga", "bygglov", False),                  # shared stem, different words
    ("visning", "markanvisning", False),          # last part of a compound is not matched
    ("stadsmuseet", "stadshuset", False),
    ("vagvisare", "reseplanerare", False),
    ("tid", "tidning", False),                    # too short to be a compound part
    ("cykel", "cyklister", True),                 # stem without the e of -el
    ("cykel", "cykla", True),
    ("forskola", "forskoleplats", True),          # stem without the final vowel
    ("simhallen", "simhallsbokning", True),       # stem without the ending
    ("cykelkarta", "cykelreseplanerare", True),   # two compounds with the same first part
    ("forskoleplats", "forskoleansokan", True),
    ("personalen", "personnummer", False),        # shared first part is a stop word
    ("stadsbyggnadskontoret", "stadsbiblioteket", False),   # stop word "stad" + s + one letter
    ("stadsbyggnadskontoret", "stadsbyggnadsnamnden", True),
    ("boende", "boendeparkering", True),          # matches, but only as a part (see below)
    ("skola", "skolval", False),                  # stem "skol" too short
])
def test_words_match(a, b, expected):
    assert words_match(a, b) is expected
    assert words_match(b, a) is expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("cykel", "cykel", SAME),
    ("skola", "skolor", SAME),
    ("cykelresplanerare", "cykelreseplanerare", SAME),
    ("cykel", "cykelvagar", PART),
    ("cykelkarta", "cykelvagar", PART),
    ("vagvisare", "cykel", None),
])
def test_relation_tells_a_whole_word_from_a_compound_part(a, b, expected):
    assert relation(a, b) == expected
    assert relation(b, a) == expected


@pytest.mark.parametrize(("text", "candidate", "above"), [
    # Journey 1: Karin's bike-route planner must find Stadsbyggnadskontoret's route service.
    ("Cykelreseplanerare", VAGVISARE, True),
    ("Cykelreseplanerare för Stockholm", VAGVISARE, True),
    (KARIN_TEXT, VAGVISARE, True),
    ("Reseplanerare för cykel\nVisar cykelvägar mellan adresser.", VAGVISARE, True),
    ("Cykelvagar", VAGVISARE, True),               # typed without the dots
    # A second real word in the title used to halve the score (browser journey: 30 and 31).
    ("Cykelreseplanerare för pendlare", VAGVISARE, True),
    ("Cykelreseplanerare för pendlare\nEn reseplanerare på webben som föreslår cykelvägar "
     "mellan hem och arbete, med cykelbanor och cykelparkering.", VAGVISARE, True),
    ("Cykelplanerare för pendlare i Stockholm", VAGVISARE, True),
    ("Reseplanerare för cyklister", VAGVISARE, True),          # stem "cykl"
    ("Cykelreseplanerare för pendlare till jobbet", VAGVISARE, True),
    ("Planera cykelresor", VAGVISARE, True),
    # Description-only match: the title shares nothing with the candidate.
    ("Ruttplanerare för pendlare\nFöreslår cykelvägar mellan adresser.", VAGVISARE, True),
    # Kungsholmen's rejected idea: the reuse the programme office asked for.
    ("Anmälan till öppen förskola\nFöräldrar anmäler sig till öppen förskolas aktiviteter.",
     FORSKOLEANSOKAN, True),
    ("Boka tid i simhallen",
     Candidate("project", 2, "Simhallsbokning", "Idrottsförvaltningen",
               "Besökare bokar banor och simskola i stadens simhallar."), True),
    ("Jämför skolor\nElever jämför skolor inför skolvalet.",
     Candidate("project", 3, "Hitta skola", "Utbildningsförvaltningen",
               "En söktjänst där elever hittar och jämför stadens skolor."), True),
    # Unrelated texts stay below the threshold.
    ("Anmälan om behov av hemtjänst", VAGVISARE, False),
    ("Felanmälan av potthål\nTrasig gatubelysning och klotter anmäls med foto.",
     Candidate("idea", 4, "Sök radonhalter för din fastighet", "Miljöförvaltningen",
               "Fastighetsägare söker uppmätta radonhalter per fastighet."), False),
    ("Cykelreseplanerare",
     Candidate("idea", 5, "Boka simhall och simskola på webben", "Idrottsförvaltningen",
               "Besökare bokar banor, simskola och vattengympa."), False),
    ("Lånekort till Stadsbiblioteket", VAGVISARE, False),
    ("Ansök om bygglov via webben",
     Candidate("project", 6, "ParaInn-Bridge", "Socialtjänstförvaltningen",
               "En brygga som gör det möjligt att bygga e-tjänster mot Paraplyet."), False),
    ("Ansök via webben", VAGVISARE, False),
    # "boende" (residents) is only the first part of "boendeparkering", and in the radon text
    # only in the description: the former false friend, now below the threshold both ways.
    ("Ansök om boendeparkering på webben\nBoende ansöker om och förnyar "
     "boendeparkeringstillstånd på webben.", RADON, False),
    ("Boendeparkering", RADON, False),
    (f"{RADON.title}\n{RADON.text}", BOENDEPARKERING, False),
    ("Hitta cykelväg",
     Candidate("project", 10, "Hitta skola", "Utbildningsförvaltningen",
               "Söktjänst för stadens 250 grundskolor och 90 gymnasieskolor."), False),
])
def test_score_against_the_threshold(text, candidate, above):
    score, _ = score_text(text, candidate)
    assert (score >= SIMILARITY_THRESHOLD) is above, score


def test_a_one_word_title_found_in_a_candidate_scores_above_50():
    score, shared = score_text("Cykelreseplanerare", VAGVISARE)
    assert score > 50
    assert shared == ("cykel", "cykelvägar")


@pytest.mark.parametrize("extra", [" för pendlare", " för pendlare i Stockholm",
                                   " med lutning för pendlare"])
def test_more_words_in_the_title_dilute_the_score_less_than_a_plain_share(extra):
    alone, _ = score_text("Cykelreseplanerare", VAGVISARE)
    longer, _ = score_text(f"Cykelreseplanerare{extra}", VAGVISARE)
    assert SIMILARITY_THRESHOLD <= longer < alone
    assert longer >= 0.55 * alone


def test_a_word_found_in_the_candidates_title_counts_more_than_one_in_its_description():
    in_title, _ = score_text("Simskola", Candidate("idea", 1, "Simskola", "A", "Vattengympa"))
    in_text, _ = score_text("Simskola", Candidate("idea", 1, "Vattengympa", "A", "Simskola"))
    assert in_title > in_text
    assert in_text < SIMILARITY_THRESHOLD <= in_title


def test_a_long_candidate_text_does_not_lower_the_score():
    everything = " ".join(item.text for item in _demo_items())       # ~190 different words
    short = Candidate("idea", 1, VAGVISARE.title, "A", "Cykelvägar.")
    longer = Candidate("idea", 1, VAGVISARE.title, "A", everything)
    assert len(words(everything)) > 150
    assert score_text("Cykelreseplanerare för pendlare", short)[0] == score_text(
        "Cykelreseplanerare för pendlare", longer)[0]


def test_shared_words_keep_their_swedish_spelling():
    _, shared = score_text(KARIN_TEXT, VAGVISARE)
    assert "cykelvägar" in shared and "adresser" in shared


def test_rank_orders_by_score_then_title_and_respects_limit_and_threshold():
    candidates = [
        Candidate("idea", 1, "Cykelparkering vid stationer", "A", "Cykel parkering"),
        Candidate("idea", 2, "Cykelkarta", "B", "Karta med cykelbanor"),
        Candidate("project", 3, "Cykelkarta", "C", "Karta med cykelbanor"),
        Candidate("idea", 4, "Simhall", "D", "Simskola"),
    ]
    ranked = rank_similar("Cykelkarta\nKarta med cykelbanor", candidates, limit=5)
    assert [(m.kind, m.id) for m in ranked][:2] == [("idea", 2), ("project", 3)]
    assert all(m.score >= SIMILARITY_THRESHOLD for m in ranked)
    assert 4 not in {m.id for m in ranked}
    assert len(rank_similar("Cykelkarta", candidates, limit=1)) == 1
    assert rank_similar("Cykelkarta", candidates, limit=0) == []
    assert rank_similar("Cykelkarta", candidates, threshold=101) == []


def test_rank_carries_the_candidate_fields():
    [match] = rank_similar("Cykelreseplanerare", [VAGVISARE])
    assert (match.kind, match.id, match.title, match.organisation, match.state) == (
        "idea", 1, VAGVISARE.title, "Stadsbyggnadskontoret", "approved_to_apply")
    assert match.text == VAGVISARE.text


@pytest.mark.parametrize("text", ["", "   ", "och på för via webben", "12 345"])
def test_text_without_content_words_matches_nothing(text):
    assert rank_similar(text, [VAGVISARE]) == []


def _demo_items():
    ideas = yaml.safe_load((ROOT / "seed_data/ideas.yaml").read_text())["ideas"]
    projects = yaml.safe_load((ROOT / "seed_data/projects.yaml").read_text())["projects"]
    return [
        *(Candidate("idea", n, i["title"], i["organisation"], i.get("description", ""))
          for n, i in enumerate(ideas)),
        *(Candidate("project", n, p["title"], p["organisation"], p.get("description", ""))
          for n, p in enumerate(projects)),
    ]


def test_on_the_demo_portfolio_karin_is_shown_the_route_service_first():
    others = [c for c in _demo_items() if c.organisation != "Trafikkontoret"]
    for text in ("Cykelreseplanerare", KARIN_TEXT, "Cykelreseplanerare för pendlare",
                 "Reseplanerare för cyklister"):
        ranked = rank_similar(text, others)
        assert ranked[0].title == VAGVISARE.title
        assert ranked[0].organisation == "Stadsbyggnadskontoret"


# Pairs of demo ideas and projects of different organisations that are related, in either
# direction; they may pass the threshold, but need not. Every other cross-organisation pair
# must stay below it.
VAGVISARE_TITLE = VAGVISARE.title
RELATED_DEMO_PAIRS = {frozenset(pair) for pair in [
    # Bike routes in the city's web map: the journey's reuse case.
    ("Cykelreseplanerare för Stockholm", VAGVISARE_TITLE),
    ("Cykelreseplanerare", VAGVISARE_TITLE),
    # The bike-route planner project is built on Baggis' map data.
    ("Cykelreseplanerare", "Baggis"),
    # Preschool: Kungsholmen's idea was rejected because Förskoleansökan covers the need.
    ("Anmälan till öppen förskola", "Förskoleansökan"),
    ("Anmälan till öppen förskola", "Ansök om förskoleplats på webben"),
    # Services for the elderly and their relatives.
    ("Anmälan om behov av hemtjänst via webben", "Anhörigas insyn i äldreomsorgens journal"),
    ("Ansökan om färdtjänst på webben", "Anhörigas insyn i äldreomsorgens journal"),
    ("Ansökan om färdtjänst på webben", "Anmälan om behov av hemtjänst via webben"),
    ("Anmälan om behov av hemtjänst via webben", "Ansökan om plats på äldreboende via webben"),
    ("Anmälan om behov av hemtjänst via webben", "Ansök om vård- och omsorgsboende"),
    # Home care: the rejected idea of tracking its cars is about the same service.
    ("Anmälan om behov av hemtjänst via webben", "Gps-spårning av hemtjänstens bilar"),
    # ParaInn-Bridge connects the e-service platform to social services' case system.
    ("Koppla e-tjänsterna till socialtjänstens verksamhetssystem", "E-tjänsteplattformen"),
]}


@functools.cache
def _demo_scores():
    """Score every demo idea and project (title and description) against every other one of
    another organisation: both directions of all cross-organisation pairs."""
    items = _demo_items()
    assert len({item.title for item in items}) == len(items)
    return {(a.title, b.title): score_text(f"{a.title}\n{a.text}", b)[0]
            for a in items for b in items if a.organisation != b.organisation}


def test_on_the_demo_portfolio_no_unrelated_pair_of_organisations_passes_the_threshold():
    """Justifies the threshold on ~15 000 directed pairs: only the listed related ones pass."""
    scores = _demo_scores()
    assert len(scores) > 1_500
    titles = {title for pair in scores for title in pair}
    assert all(title in titles for pair in RELATED_DEMO_PAIRS for title in pair)
    unrelated = {pair: score for pair, score in scores.items()
                 if score >= SIMILARITY_THRESHOLD and frozenset(pair) not in RELATED_DEMO_PAIRS}
    assert unrelated == {}


@pytest.mark.parametrize(("new", "existing"), [
    ("Cykelreseplanerare för Stockholm", VAGVISARE_TITLE),
    (VAGVISARE_TITLE, "Cykelreseplanerare för Stockholm"),
    ("Cykelreseplanerare", VAGVISARE_TITLE),
    (VAGVISARE_TITLE, "Cykelreseplanerare"),
    ("Anmälan till öppen förskola", "Förskoleansökan"),
    ("Förskoleansökan", "Anmälan till öppen förskola"),
    ("Anmälan om behov av hemtjänst via webben", "Anhörigas insyn i äldreomsorgens journal"),
])
def test_on_the_demo_portfolio_the_reuse_cases_pass_the_threshold(new, existing):
    assert _demo_scores()[(new, existing)] >= SIMILARITY_THRESHOLD
