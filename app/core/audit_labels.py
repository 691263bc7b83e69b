"""The audit log in words: actions, object types, fields and chain-check results."""

from flask_babel import lazy_gettext as _l

AUDIT_ACTIONS = {
    "api_token.issued": _l("API token issued"),
    "application.attachment_added": _l("Attachment added to application"),
    "application.created": _l("Application created"),
    "application.updated": _l("Application updated"),
    "application.submit": _l("Application submitted"),
    "application.start_preparation": _l("Preparation started"),
    "application.complete_assessment": _l("Assessment completed"),
    "application.record_opinion": _l("Advisory opinion recorded"),
    "application.approve_quality_check": _l("Quality check approved"),
    "application.return_from_quality_check": _l("Returned from quality check"),
    "application.return_for_completion": _l("Returned for completion"),
    "application.resubmit": _l("Application resubmitted"),
    "application.withdraw": _l("Application withdrawn"),
    "application.decide": _l("Application decided"),
    "benefit.realised": _l("Benefit realisation recorded"),
    "benefit.updated": _l("Benefit updated"),
    "benefit_calculation.baseline": _l("Benefit calculation baseline set"),
    "benefit_calculation.frozen": _l("Benefit calculation frozen"),
    "benefit_calculation.re_estimate": _l("Benefit calculation re-estimated"),
    "benefit_calculation.saved": _l("Benefit calculation saved"),
    "budget_cut.adopted": _l("Budget cut adopted"),
    "budget_cut.corrected": _l("Budget cut corrected"),
    "budget_cut.proposed": _l("Budget cut proposed"),
    "budget_cut_policy.created": _l("Budget cut policy created"),
    "budget_cut_policy.deleted": _l("Budget cut policy deleted"),
    "budget_cut_policy.updated": _l("Budget cut policy updated"),
    "decision.taken": _l("Decision taken"),
    "delegation_regime.added": _l("Delegation regime added"),
    "delegation_regime.edited": _l("Future delegation regime changed"),
    "delegation_regime.deleted": _l("Future delegation regime deleted"),
    "decision.supplementary": _l("Supplementary decision"),
    "decision.reduction": _l("Reducing decision"),
    "decision.revocation": _l("Revoking decision"),
    "decision.sealed": _l("Decision sealed in the chain"),
    "envelope.released": _l("Money released to the envelope"),
    "followup.completed": _l("Follow-up completed"),
    "followup.created": _l("Follow-up created"),
    "followup.rescheduled": _l("Follow-up rescheduled"),
    "idea.answered": _l("Idea answered"),
    "idea.screened": _l("Idea screened"),
    "idea.submitted": _l("Idea submitted"),
    "organisation.created": _l("Organisation created"),
    "organisation.updated": _l("Organisation updated"),
    "project.closed": _l("Project closed"),
    "project.created": _l("Project created"),
    "project.gate_passed": _l("Project passed a gate"),
    "project.went_live": _l("Project went live"),
    "report.completion_requested": _l("Report completion requested"),
    "report.correction_started": _l("Report correction started"),
    "report.opened": _l("Report opened"),
    "report.saved": _l("Report saved"),
    "report.submitted": _l("Report submitted"),
    "seed.demo": _l("Demo data loaded"),
    "seed.reference": _l("Reference data loaded"),
    "tertial_report.generated": _l("Tertial report generated"),
    "tertial_report.minute_recorded": _l("Tertial report minute recorded"),
    "tertial_report.presented": _l("Tertial report presented"),
    "tertial_report.refreshed": _l("Tertial report refreshed"),
    "tertial_report.summary_saved": _l("Tertial report summary saved"),
    "user.created": _l("User created"),
    "user.notification_settings": _l("Notification settings changed"),
    "user.updated": _l("User updated"),
}

OBJECT_TYPES = {
    "ApiToken": _l("API token"),
    "Application": _l("Application"),
    "Benefit": _l("Benefit"),
    "BenefitCalculation": _l("Benefit calculation"),
    "BudgetCutEntry": _l("Budget cut"),
    "BudgetCutPolicy": _l("Budget cut policy"),
    "DelegationRegime": _l("Delegation regime"),
    "Decision": _l("Decision"),
    "FollowUpTask": _l("Follow-up"),
    "Organisation": _l("Organisation"),
    "Programme": _l("Programme"),
    "Project": _l("Project"),
    "ProjectIdea": _l("Project idea"),
    "StatusReport": _l("Status report"),
    "FinalReport": _l("Final report"),
    "TertialReport": _l("Tertial report"),
    "User": _l("User"),
    "system": _l("System"),
}

CHAIN_BREAKS = {
    "missing": _l("Entry %(entry)s is missing: it was removed."),
    "link": _l("Entry %(entry)s does not link to the entry before it: entries were removed, "
               "moved or rewritten."),
    "hash": _l("Entry %(entry)s does not match its keyed hash: it was edited, moved or "
               "recomputed without the key."),
    "head_missing": _l("The chain's head is missing: entries from %(entry)s on may have been "
                       "removed."),
    "head_mac": _l("The chain's head does not match its key: entries from %(entry)s on may "
                   "have been removed."),
    "head_behind": _l("Entry %(entry)s lies beyond the chain's recorded head."),
    "head_hash": _l("Entry %(entry)s does not match the chain's head."),
    "row_unsealed": _l("%(row)s has no audit entry: it was added outside the application."),
    "row_changed": _l("%(row)s differs from what audit entry %(entry)s recorded: it was "
                      "edited."),
    "row_removed": _l("%(row)s, recorded by audit entry %(entry)s, was removed."),
}


def action_label(action: str) -> str:
    """The action in words, or its code when it is not (yet) named."""
    return str(AUDIT_ACTIONS.get(action, action))


def object_type_label(object_type: str) -> str:
    """The object type in words, or its code."""
    return str(OBJECT_TYPES.get(object_type, object_type))
