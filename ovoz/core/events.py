"""The audit vocabulary: every action name written to the audit log lives here."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login.failed"
    LOGIN_LOCKED = "login.locked"
    SECOND_FACTOR_FAILED = "second_factor.failed"
    LOGOUT = "logout"
    SECOND_FACTOR_ENROLLED = "second_factor.enrolled"
    RECOVERY_CODES_REGENERATED = "second_factor.recovery_codes_regenerated"
    RECOVERY_CODE_USED = "second_factor.recovery_code_used"
    SECOND_FACTOR_RESET = "second_factor.reset"
    PASSWORD_CHANGED = "password.changed"  # noqa: S105 (an event name)
    ROLE_CHANGED = "role.changed"
    ACCOUNT_UNLOCKED = "account.unlocked"
    PASSWORD_SET_BY_ADMINISTRATOR = "password.set_by_administrator"  # noqa: S105 (an event name)
    GRANT_ADDED = "grant.added"
    GRANT_REMOVED = "grant.removed"
    ACCESS_DENIED = "access.denied"
    AREAS_IMPORTED = "areas.imported"
    CONCERN_READ_CONFIDENTIAL = "concern.read_confidential"
    CONCERN_TRIAGED = "concern.triaged"
    CONCERN_PUBLISHED = "concern.published"
    CONCERN_UNPUBLISHED = "concern.unpublished"
    CONCERN_STATUS_CHANGED = "concern.status_changed"
    CONCERN_MESSAGED = "concern.messaged"
    CONCERN_MERGED = "concern.merged"
    API_PARTNER_CREATED = "api_partner.created"
    CHANNEL_CREATED = "channel.created"
    CHANNEL_REFUSED = "channel.refused"
    OUTBOUND_FAILED = "channel.outbound_failed"
    DATA_EXPORTED = "data.exported"
