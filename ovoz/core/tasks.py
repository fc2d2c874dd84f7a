"""Daily housekeeping as thin tasks (``ovoz serve``'s scheduler enqueues them)."""

from __future__ import annotations

from django_tasks import task

from ovoz.core import audit, retention
from ovoz.core.events import AuditAction
from ovoz.core.failures import without_exception_text
from ovoz.core.services import audit_record


@task()
@without_exception_text("apply_retention_failed")
def apply_retention() -> dict[str, object]:
    """Delete what the retention policy makes due; idempotent (a second run finds nothing more)."""
    return retention.retention_apply().as_data()


@task()
@without_exception_text("verify_audit_chain_failed")
def verify_audit_chain() -> bool:
    """Walk the audit log's hash chain and record the outcome in the log, for the staff audit page."""
    report = audit.chain_verify()
    audit_record(action=AuditAction.AUDIT_CHAIN_VERIFIED, data=audit.report_data(report))
    return report.is_intact
