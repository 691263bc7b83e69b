"""Comparing two tertial report snapshots: changes per key figure and per project."""

from app.followup.rules import compare_snapshots


def project(project_id, title, granted, spent_period, spent, forecast, overall, **extra):
    return {"project_id": project_id, "title": title, "organisation": "Trafikkontoret",
            "granted_sek": granted, "spent_in_period_sek": spent_period,
            "spent_to_date_sek": spent, "forecast_sek": forecast, "overall_status": overall,
            "cost_status": extra.get("cost", overall), "schedule_status": extra.get(
                "schedule", overall)}


T1 = {
    "year": 2010, "tertial": 1,
    "envelope": {"reserved_sek": 650_000_000, "committed_sek": 100_000_000,
                 "spent_sek": 40_000_000, "left_sek": 550_000_000},
    "adherence": {"projects": 13, "assessed": 13, "not_kept_budget": 4, "not_kept_schedule": 6,
                  "not_kept_budget_share": "0.3077", "not_kept_schedule_share": "0.4615"},
    "projects": [project(1, "Cykel", 1_000_000, 100_000, 300_000, 1_000_000, "green"),
                 project(2, "Skolval", 2_000_000, 0, 500_000, None, "amber")],
}
T2 = {
    "year": 2010, "tertial": 2,
    "envelope": {"reserved_sek": 650_000_000, "committed_sek": 112_000_000,
                 "spent_sek": 52_500_000, "left_sek": 538_000_000},
    "adherence": {"projects": 17, "assessed": 15, "not_kept_budget": 5, "not_kept_schedule": 8,
                  "not_kept_budget_share": "0.3333", "not_kept_schedule_share": "0.5333"},
    "projects": [project(1, "Cykel", 1_200_000, 250_000, 550_000, 1_300_000, "red",
                         schedule="green"),
                 project(3, "Parkering", 4_000_000, 10_000, 10_000, 4_000_000, "green")],
}


def _by_key(figures):
    return {f["key"]: f for f in figures}


def test_envelope_and_adherence_figures_change_by_subtraction():
    result = compare_snapshots(T2, T1)
    assert result["current"] == {"year": 2010, "tertial": 2}
    assert result["previous"] == {"year": 2010, "tertial": 1}
    envelope = _by_key(result["envelope"])
    assert list(envelope) == ["reserved_sek", "committed_sek", "spent_sek", "left_sek"]
    assert envelope["committed_sek"] == {"key": "committed_sek", "current": 112_000_000,
                                         "previous": 100_000_000, "change": 12_000_000}
    assert envelope["left_sek"]["change"] == -12_000_000
    assert envelope["reserved_sek"]["change"] == 0
    adherence = _by_key(result["adherence"])
    assert adherence["not_kept_budget_share"]["change"] == "0.0256"
    assert adherence["not_kept_schedule_share"]["change"] == "0.0718"
    assert adherence["assessed"]["change"] == 2


def test_projects_are_continuing_new_or_gone_with_their_changes():
    projects = {p["project_id"]: p for p in compare_snapshots(T2, T1)["projects"]}
    assert [projects[i]["presence"] for i in (1, 3, 2)] == ["continuing", "new", "gone"]
    cykel = _by_key(projects[1]["figures"])
    assert (cykel["granted_sek"]["change"], cykel["spent_in_period_sek"]["change"],
            cykel["spent_to_date_sek"]["change"], cykel["forecast_sek"]["change"]) == (
        200_000, 150_000, 250_000, 300_000)
    statuses = _by_key(projects[1]["statuses"])
    assert statuses["overall_status"] == {"key": "overall_status", "current": "red",
                                          "previous": "green", "changed": True}
    assert statuses["schedule_status"]["changed"] is False
    new = _by_key(projects[3]["figures"])
    assert new["granted_sek"] == {"key": "granted_sek", "current": 4_000_000, "previous": None,
                                  "change": None}
    gone = _by_key(projects[2]["figures"])
    assert gone["granted_sek"]["current"] is None and gone["granted_sek"]["previous"] == 2_000_000
    assert not any(s["changed"] for s in projects[2]["statuses"])


def test_an_unknown_figure_has_no_change():
    t2 = {**T2, "projects": [project(2, "Skolval", 2_000_000, 0, 500_000, 2_100_000, "amber")]}
    skolval = compare_snapshots(t2, T1)["projects"][0]
    assert _by_key(skolval["figures"])["forecast_sek"] == {
        "key": "forecast_sek", "current": 2_100_000, "previous": None, "change": None}


def test_the_first_report_has_nothing_to_compare_with():
    result = compare_snapshots(T1, None)
    assert result["previous"] is None
    assert all(f["previous"] is None and f["change"] is None
               for f in result["envelope"] + result["adherence"])
    assert [p["presence"] for p in result["projects"]] == ["new", "new"]
