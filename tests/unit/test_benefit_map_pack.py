"""The tertial pack carries the benefit map: the network, every change, and the late ones."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from reports.benefit_map_figure import network_figure, positions, wrapped
from reports.tertial_pack import build_tertial_pack
from tests.unit.test_tertial_pack import snapshot_example

NODES = [
    {"id": "node-1", "kind": "enabler", "label": "E-tjänsten", "project": "Boendeparkering",
     "at_risk": False},
    {"id": "node-2", "kind": "enabling_change", "label": "Nämnden slutar skriva ut tillstånd",
     "project": "Boendeparkering", "at_risk": True},
    {"id": "benefit-3", "kind": "benefit", "label": "Färre manuella kontroller",
     "project": "Boendeparkering", "at_risk": True},
    {"id": "goal-1", "kind": "goal", "label": "3. Mer effektiva arbetsmetoder", "project": "",
     "at_risk": True},
]
CHANGES = [
    {"label": "Nämnden slutar skriva ut tillstånd", "kind": "enabling_change",
     "project": "Boendeparkering", "organisation": "Trafikkontoret",
     "responsible_name": "Karin Trafik", "due_on": "2009-12-15", "state": "under_way",
     "done_on": None, "evidence": "", "is_late": True,
     "benefits_at_risk": ["Färre manuella kontroller"]},
    {"label": "Handdatorer till parkeringsvakterna", "kind": "enabling_change",
     "project": "Boendeparkering", "organisation": "Trafikkontoret",
     "responsible_name": "Karin Trafik", "due_on": "2009-10-01", "state": "done",
     "done_on": "2009-09-20", "evidence": "Leveranskvitto", "is_late": False,
     "benefits_at_risk": []},
]


@pytest.fixture
def workbook():
    snapshot = {**snapshot_example(), "benefit_map": {
        "nodes": NODES, "edges": [{"from": "node-1", "to": "node-2"},
                                  {"from": "node-2", "to": "benefit-3"},
                                  {"from": "benefit-3", "to": "goal-1"}],
        "changes": CHANGES}}
    return load_workbook(io.BytesIO(build_tertial_pack(snapshot, title="Tertialrapport",
                                                       summary="", presented_on=None)))


def test_the_pack_adds_the_network_the_changes_and_the_late_changes(workbook):
    assert workbook.sheetnames[-3:] == ["Nyttokarta", "Förändringar", "Försenade förändringar"]
    network = workbook["Nyttokarta"]
    assert [c.value for c in network[2]] == ["E-tjänsten", "Möjliggörare",
                                             "Nämnden slutar skriva ut tillstånd",
                                             "Möjliggörande förändring", "Boendeparkering", "Ja"]
    assert workbook["Förändringar"].max_row >= 3


def test_the_late_sheet_lists_only_late_changes_with_their_dates_and_benefits(workbook):
    late = workbook["Försenade förändringar"]
    rows = [[c.value for c in row] for row in late.iter_rows(min_row=2)
            if row[0].value and row[0].value != "Summa"]
    assert len(rows) == 1
    row = rows[0]
    assert row[0] == "Nämnden slutar skriva ut tillstånd"
    assert row[5].date() == date(2009, 12, 15) and row[6] == "Pågår"
    assert row[9] == "Ja" and row[10] == "Färre manuella kontroller"


def test_an_older_snapshot_without_a_benefit_map_keeps_its_sheets():
    pack = load_workbook(io.BytesIO(build_tertial_pack(snapshot_example(), title="T",
                                                       summary="", presented_on=None)))
    assert "Nyttokarta" not in pack.sheetnames


@pytest.mark.parametrize("label, expected", [
    ("Kort", "Kort"),
    ("Nämnden slutar skriva ut tillstånd", "Nämnden slutar skriva<br>ut tillstånd"),
    ("", ""),
])
def test_labels_wrap_at_spaces(label, expected):
    assert wrapped(label) == expected


def test_the_figure_lays_out_columns_left_to_right_and_rings_what_is_at_risk():
    nodes = [{**n, "column": i} for i, n in enumerate(NODES)]
    placed = positions(nodes)
    assert [placed[n["id"]][0] for n in nodes] == [0, 1, 2, 3]
    figure = network_figure(nodes, [("node-1", "node-2"), ("node-2", "benefit-3")], {
        "enabler": "Möjliggörare", "enabling_change": "Möjliggörande förändring",
        "business_change": "Verksamhetsförändring", "benefit": "Nytta", "goal": "Mål",
        "at_risk": "I riskzon", "due": "klar senast"})
    names = [trace.get("name") for trace in figure["data"]]
    assert names[1:] == ["Möjliggörare", "Möjliggörande förändring", "Nytta", "Mål", "I riskzon"]
    assert figure["data"][0]["x"] == [0, 1, None, 1, 2, None]
    assert figure["layout"]["xaxis"]["ticktext"] == ["Möjliggörare", "Möjliggörande förändring",
                                                     "Nytta", "Mål"]
