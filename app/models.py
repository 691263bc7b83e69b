"""Import every model so metadata is complete (migrations, create_all, relationships)."""

from app.accounts.models import ApiToken, Area, Organisation, RoleAssignment, User
from app.applications.models import (
    AdvisoryOpinion,
    Application,
    ApplicationEvent,
    ApplicationGoalScore,
    Assessment,
    AssessmentScore,
    Attachment,
    CostBreakdownLine,
    Decision,
    Milestone,
    QualityCheck,
)
from app.benefit_map.models import NetworkLink, NetworkNode
from app.benefits.models import (
    Benefit,
    BenefitCalculation,
    BenefitLine,
    BenefitPlanYear,
    CalculationVersion,
    CostLine,
    RealisationEntry,
)
from app.budget_cuts.models import BudgetCutEntry, BudgetCutLine, BudgetCutPolicy
from app.core.models import AuditEntry, AuditHead, DiaryCounter, Notification
from app.followup.models import FollowUpTask, TertialReport
from app.ideas.models import ProjectIdea
from app.jobs.models import JobRun
from app.prioritisation.models import PrioritisationScenario
from app.programmes.models import (
    AreaEstimate,
    DelegationRegime,
    DelegationRule,
    EnvelopeEntry,
    Goal,
    Programme,
)
from app.projects.models import (
    FinalReport,
    GateDecision,
    ProgrammePhase,
    Project,
    StatusReport,
)

__all__ = [
    "AdvisoryOpinion", "ApiToken", "Application", "ApplicationEvent", "ApplicationGoalScore",
    "Area", "AreaEstimate", "Assessment", "AssessmentScore", "Attachment", "AuditEntry",
    "AuditHead", "Benefit", "BenefitCalculation", "BenefitLine", "BenefitPlanYear",
    "BudgetCutEntry",
    "BudgetCutLine", "BudgetCutPolicy", "CalculationVersion", "CostBreakdownLine", "CostLine",
    "Decision", "DelegationRegime", "DelegationRule", "DiaryCounter", "EnvelopeEntry",
    "FinalReport", "FollowUpTask", "GateDecision", "Goal", "JobRun", "Milestone", "NetworkLink",
    "NetworkNode", "Notification", "Organisation", "PrioritisationScenario", "Programme",
    "ProgrammePhase", "Project", "ProjectIdea",
    "QualityCheck", "RealisationEntry", "RoleAssignment", "StatusReport", "TertialReport", "User",
]
