"""The product's shared vocabulary: roles, kinds and states as string enums.

Pure: no Flask, no SQLAlchemy. Models store these as strings; rules compare them.
"""

from enum import StrEnum


class Role(StrEnum):
    """A role from DOMAIN.md; a user may hold several."""

    APPLICANT = "applicant"
    PROGRAMME_OFFICE = "programme_office"
    WORKING_GROUP = "working_group"
    DEVELOPMENT_COUNCIL = "development_council"
    BUDGET_MANAGEMENT = "budget_management"
    DECISION_MAKER = "decision_maker"
    FINANCE_COMMITTEE = "finance_committee"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"
    ADMINISTRATION_READER = "administration_reader"


class OrganisationKind(StrEnum):
    ADMINISTRATION = "administration"
    COMPANY = "company"
    DISTRICT = "district"


class IdeaState(StrEnum):
    SUBMITTED = "submitted"
    MORE_INFO_REQUESTED = "more_info_requested"
    APPROVED_TO_APPLY = "approved_to_apply"
    REJECTED = "rejected"


class ApplicationKind(StrEnum):
    FEASIBILITY = "feasibility"
    IMPLEMENTATION = "implementation"


class ApplicationState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_PREPARATION = "in_preparation"
    ADVISORY_OPINION = "advisory_opinion"
    QUALITY_CHECK = "quality_check"
    AWAITING_DECISION = "awaiting_decision"
    DECIDED = "decided"
    RETURNED_FOR_COMPLETION = "returned_for_completion"
    WITHDRAWN = "withdrawn"


class Recommendation(StrEnum):
    APPROVE = "approve"
    APPROVE_REDUCED = "approve_reduced"
    REJECT = "reject"


class OpinionOutcome(StrEnum):
    SUPPORTS = "supports"
    DOES_NOT_SUPPORT = "does_not_support"


class QualityCheckOutcome(StrEnum):
    APPROVED = "approved"
    RETURNED = "returned"


class DecisionKind(StrEnum):
    """An original decision, or a correction that refers back to one."""

    ORIGINAL = "original"
    SUPPLEMENTARY = "supplementary"
    REDUCTION = "reduction"
    REVOCATION = "revocation"


class DecisionOutcome(StrEnum):
    APPROVED = "approved"
    APPROVED_REDUCED = "approved_reduced"
    REJECTED = "rejected"


class LedgerEntryKind(StrEnum):
    """Envelope ledger movements; balances are sums of these, never stored."""

    RESERVATION = "reservation"
    COMMITMENT = "commitment"
    RELEASE = "release"
    SPENDING = "spending"


class ProjectState(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class RagStatus(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class ReportState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    COMPLETION_REQUESTED = "completion_requested"


class CalculationVersionKind(StrEnum):
    AS_SUBMITTED = "as_submitted"
    BASELINE = "baseline"
    RE_ESTIMATE = "re_estimate"
    REALISED = "realised"


class BenefitKind(StrEnum):
    CHANNEL_SHIFT = "channel_shift"
    STAFF_TIME = "staff_time"
    CITIZEN_TIME = "citizen_time"
    PER_CASE = "per_case"
    FIXED = "fixed"
    QUALITATIVE = "qualitative"


class Recipient(StrEnum):
    ORGANISATION = "organisation"
    CITIZENS = "citizens"
    BUSINESSES = "businesses"


class CostKind(StrEnum):
    INVESTMENT = "investment"
    RUNNING = "running"


class BudgetCutEntryKind(StrEnum):
    PROPOSED = "proposed"
    ADOPTED = "adopted"
    CORRECTION = "correction"


class TertialReportState(StrEnum):
    DRAFT = "draft"
    PRESENTED = "presented"


class NodeKind(StrEnum):
    """A layer of the benefits dependency network (Ward & Daniel), left to right."""

    ENABLER = "enabler"
    ENABLING_CHANGE = "enabling_change"
    BUSINESS_CHANGE = "business_change"
    BENEFIT = "benefit"
    GOAL = "goal"


class ChangeState(StrEnum):
    PLANNED = "planned"
    UNDER_WAY = "under_way"
    DONE = "done"
