"""Daily housekeeping of the audit log as a thin task (``ovoz serve``'s scheduler enqueues it)."""

from __future__ import annotations

from django_tasks import task

from ovoz.core import audit
from ovoz.core.events import AuditAction
from ovoz.core.failures import without_exception_text
from ovoz.core.services import audit_record


@task()
@without_exception_text("verify_audit_chain_failed")
def verify_audit_chain() -> bool:
    """Walk the audit log's hash chain and record the outcome in the log, for the staff audit page."""
    report = audit.chain_verify()
    audit_record(action=AuditAction.AUDIT_CHAIN_VERIFIED, data=audit.report_data(report))
    return report.is_intact
