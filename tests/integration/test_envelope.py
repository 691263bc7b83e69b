"""The envelope is computed from the ledger, never typed in."""

from datetime import date

from app.core.enums import LedgerEntryKind
from app.extensions import db
from app.programmes import services
from app.programmes.models import EnvelopeEntry, Programme


def _book(programme_id, kind, amount, on, corrects_id=None):
    entry = EnvelopeEntry(programme_id=programme_id, kind=kind, amount_sek=amount, booked_on=on,
                          description=f"{kind} {amount}", corrects_id=corrects_id)
    db.session.add(entry)
    db.session.flush()
    return entry


def test_position_sums_reservations_commitments_releases_and_spending(app_ctx, make_programme):
    programme = db.session.get(Programme, make_programme(reserved_sek=650_000_000))
    _book(programme.id, LedgerEntryKind.COMMITMENT, 155_500_000, date(2009, 6, 1))
    _book(programme.id, LedgerEntryKind.COMMITMENT, 9_000_000, date(2009, 9, 1))
    _book(programme.id, LedgerEntryKind.COMMITMENT, 233_400_000, date(2010, 2, 1))
    _book(programme.id, LedgerEntryKind.RELEASE, 1_000_000, date(2011, 1, 1))
    _book(programme.id, LedgerEntryKind.SPENDING, 40_000_000, date(2010, 1, 1))
    march_2010 = services.envelope_position(programme, as_of=date(2010, 3, 1))
    assert march_2010.as_dict() == {"reserved_sek": 650_000_000, "committed_sek": 397_900_000,
                                    "spent_sek": 40_000_000, "remaining_sek": 252_100_000}
    assert services.envelope_position(programme).remaining_sek == 253_100_000


def test_a_correction_row_reverses_a_mistyped_entry(app_ctx, make_programme):
    programme = db.session.get(Programme, make_programme(reserved_sek=1_000_000))
    wrong = _book(programme.id, LedgerEntryKind.COMMITMENT, 500_000, date(2009, 1, 1))
    _book(programme.id, LedgerEntryKind.COMMITMENT, -500_000, date(2009, 1, 2),
          corrects_id=wrong.id)
    assert services.envelope_position(programme).committed_sek == 0


def test_positions_of_several_programmes_come_from_one_query(app_ctx, make_programme):
    first, second = make_programme(reserved_sek=10), make_programme(reserved_sek=20)
    positions = services.envelope_positions([first, second])
    assert positions[first].reserved_sek == 10 and positions[second].reserved_sek == 20
    empty = db.session.get(Programme, first)
    assert services.envelope_positions([empty.id, 999_999])[999_999].remaining_sek == 0
