"""Translatable display labels for the enums, in one place for pages and exports."""

from flask_babel import lazy_gettext as _l

from app.core.enums import (
    ApplicationKind,
    ApplicationState,
    CalculationVersionKind,
    DecisionKind,
    DecisionOutcome,
    LedgerEntryKind,
    OrganisationKind,
    ProjectState,
    RagStatus,
    ReportState,
    Role,
)

ROLE = {
    Role.APPLICANT: _l("Applicant (administration or company)"),
    Role.PROGRAMME_OFFICE: _l("Programme office"),
    Role.WORKING_GROUP: _l("Working group"),
    Role.DEVELOPMENT_COUNCIL: _l("Development council"),
    Role.BUDGET_MANAGEMENT: _l("Budget management"),
    Role.DECISION_MAKER: _l("Decision maker"),
    Role.FINANCE_COMMITTEE: _l("Finance committee"),
    Role.ADMINISTRATOR: _l("Administrator"),
    Role.AUDITOR: _l("Auditor (read only)"),
    Role.ADMINISTRATION_READER: _l("Administration reader (own organisation, read only)"),
}

ORGANISATION_KIND = {
    OrganisationKind.ADMINISTRATION: _l("Administration"),
    OrganisationKind.COMPANY: _l("City-owned company"),
    OrganisationKind.DISTRICT: _l("District administration"),
}

LEDGER_KIND = {
    LedgerEntryKind.RESERVATION: _l("Reservation"),
    LedgerEntryKind.COMMITMENT: _l("Commitment"),
    LedgerEntryKind.RELEASE: _l("Release"),
    LedgerEntryKind.SPENDING: _l("Spending"),
}

APPLICATION_KIND = {
    ApplicationKind.FEASIBILITY: _l("Feasibility study"),
    ApplicationKind.IMPLEMENTATION: _l("Implementation"),
}

APPLICATION_STATE = {
    ApplicationState.DRAFT: _l("Draft"),
    ApplicationState.SUBMITTED: _l("Submitted"),
    ApplicationState.IN_PREPARATION: _l("In preparation"),
    ApplicationState.ADVISORY_OPINION: _l("Advisory opinion"),
    ApplicationState.QUALITY_CHECK: _l("Quality check"),
    ApplicationState.AWAITING_DECISION: _l("Awaiting decision"),
    ApplicationState.DECIDED: _l("Decided"),
    ApplicationState.RETURNED_FOR_COMPLETION: _l("Returned for completion"),
    ApplicationState.WITHDRAWN: _l("Withdrawn"),
}

DECISION_OUTCOME = {
    DecisionOutcome.APPROVED: _l("Approved"),
    DecisionOutcome.APPROVED_REDUCED: _l("Approved with a reduced amount"),
    DecisionOutcome.REJECTED: _l("Rejected"),
}

DECISION_KIND = {
    DecisionKind.ORIGINAL: _l("Decision"),
    DecisionKind.SUPPLEMENTARY: _l("Supplementary grant"),
    DecisionKind.REDUCTION: _l("Reduction"),
    DecisionKind.REVOCATION: _l("Revocation"),
}

PROJECT_STATE = {ProjectState.ACTIVE: _l("Active"), ProjectState.CLOSED: _l("Closed")}

# Red/amber/green: the short word for tables and exports, the long one where it is chosen.
RAG = {RagStatus.GREEN: _l("Green"), RagStatus.AMBER: _l("Amber"), RagStatus.RED: _l("Red")}
RAG_EXPLAINED = {
    RagStatus.GREEN: _l("Green: on track"),
    RagStatus.AMBER: _l("Amber: at risk"),
    RagStatus.RED: _l("Red: off track"),
}

REPORT_STATE = {
    ReportState.DRAFT: _l("Draft"),
    ReportState.SUBMITTED: _l("Submitted"),
    ReportState.COMPLETION_REQUESTED: _l("Completion requested"),
}

CALCULATION_VERSION = {
    CalculationVersionKind.AS_SUBMITTED: _l("As submitted"),
    CalculationVersionKind.BASELINE: _l("Baseline (frozen at the decision)"),
    CalculationVersionKind.RE_ESTIMATE: _l("Re-estimate"),
    CalculationVersionKind.REALISED: _l("Realised"),
}

ALL = {
    "role": ROLE, "organisation_kind": ORGANISATION_KIND, "ledger_kind": LEDGER_KIND,
    "application_kind": APPLICATION_KIND, "application_state": APPLICATION_STATE,
}
