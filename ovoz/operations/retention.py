"""Retention (DESIGN §5): what reporters gave Ovoz is deleted when its period after closure ends.

The administrators' ``RetentionPolicy`` sets the periods; every period counts from the moment a
concern was last resolved or closed (``Concern.closed_at``). Once a day (``ovoz serve``'s scheduler,
or ``ovoz apply-retention`` from cron) this module deletes what is due:

- concerns, per visibility, through ``concerns.services.concern_delete``: rollups stay right,
  attachment files leave storage, and a confidential concern's sealed keys go with it, so no copy of
  its ciphertext (a backup, say) can be opened any more;
- contacts of the concerns that stay: the encrypted contact and its lookup hashes, and the channel
  routes (SMS or Telegram conversation) through which a reply would reach the reporter;
- conversations nobody wrote in for the contact period that no longer lead to a concern keeping its
  contact: they hold the sender's number or chat id.

Working-group invitations that expired unaccepted go 30 days after they expired, with the address they
were sent to (an accepted one keeps no address: it moved to the new account).

Half-answered surveys go a day after they were last touched: those answered on SMS or Telegram
(``survey_answerings``) and the sealed drafts of the web and enumerators' forms (``survey_drafts``).

Two kinds of traces go after a fixed number of days instead (settings, docs/deployment.md):

- finished task results (``OVOZ_TASK_RESULT_DAYS``): a task's arguments and, when it failed, its
  traceback (told without exception text, ``ovoz.core.failures``, but still a record of who was
  written to when);
- mail files of the development mail backend (``OVOZ_MAIL_FILE_DAYS``): whole e-mails, addresses
  and staff messages included.

The audit log records that retention ran and how many of each kind it deleted, never which.
Running it twice deletes nothing more: it is safe from several servers, or a server and cron.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ovoz.channels import services as channel_services
from ovoz.channels.models import Conversation, InboundMessage, OutboundMessage
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import CLOSED_STATUSES, Visibility
from ovoz.concerns.models import Concern
from ovoz.core.events import AuditAction
from ovoz.core.models import RetentionPolicy
from ovoz.core.services import audit_record
from ovoz.groups.services import members as group_services
from ovoz.surveys import conversation as survey_conversation
from ovoz.surveys import drafts as survey_drafts
from ovoz.surveys.models import ChannelAnswering

BATCH = 500


def concern_periods(policy: RetentionPolicy) -> dict[Visibility, int | None]:
    return {
        Visibility.PUBLIC: policy.public_concern_days,
        Visibility.RESTRICTED: policy.restricted_concern_days,
        Visibility.CONFIDENTIAL: policy.confidential_concern_days,
    }


@dataclass(frozen=True)
class RetentionPlan:
    """What is due at one moment, as querysets (counted for a dry run, walked to delete)."""

    concerns: dict[Visibility, QuerySet[Concern]]
    contacts: QuerySet[Concern]
    conversations: QuerySet[Conversation]


def _closed_before(moment: datetime) -> Q:
    return Q(status__in=CLOSED_STATUSES, closed_at__lt=moment)


def retention_plan(*, policy: RetentionPolicy, now: datetime) -> RetentionPlan:
    """What the policy makes due at ``now``."""
    due_by_visibility = {
        visibility: Q(_closed_before(now - timedelta(days=days)), visibility=visibility)
        for visibility, days in concern_periods(policy).items()
        if days is not None
    }
    concerns = {visibility: Concern.objects.filter(due) for visibility, due in due_by_visibility.items()}
    deleted = reduce(or_, due_by_visibility.values(), Q(pk__in=[]))
    if policy.contact_days is None:
        return RetentionPlan(
            concerns=concerns, contacts=Concern.objects.none(), conversations=Conversation.objects.none()
        )
    cutoff = now - timedelta(days=policy.contact_days)
    reaches_reporter = (
        Q(contact_ciphertext__isnull=False)
        | ~Q(contact_phone_hash="")
        | ~Q(contact_email_hash="")
        | Exists(InboundMessage.objects.filter(concern=OuterRef("pk"), conversation__isnull=False))
        | Exists(Conversation.objects.filter(concern=OuterRef("pk")))
        | Exists(OutboundMessage.objects.filter(concern=OuterRef("pk"), recipient_ciphertext__isnull=False))
    )
    contacts = Concern.objects.filter(_closed_before(cutoff)).filter(reaches_reporter).exclude(deleted)
    # After this run, a concern keeps a way to its reporter only if it is neither deleted nor past the
    # contact period; a conversation that leads to no such concern and was quiet for the period goes.
    gone = Concern.objects.filter(deleted | _closed_before(cutoff)).values("pk")
    kept_routes = (
        InboundMessage.objects.filter(conversation__isnull=False, concern__isnull=False)
        .exclude(concern__in=gone)
        .values("conversation_id")
    )
    conversations = (
        Conversation.objects.filter(last_inbound_at__lt=cutoff)
        .filter(Q(concern__isnull=True) | Q(concern__in=gone))
        .exclude(pk__in=kept_routes)
    )
    return RetentionPlan(concerns=concerns, contacts=contacts, conversations=conversations)


@dataclass
class RetentionReport:
    """How many of each kind were (or, in a dry run, would be) deleted."""

    concerns: dict[str, int] = field(default_factory=lambda: {str(visibility): 0 for visibility in Visibility})
    contacts: int = 0
    conversations: int = 0
    task_results: int = 0
    mail_files: int = 0
    sessions: int = 0
    survey_answerings: int = 0
    survey_drafts: int = 0
    invitations: int = 0
    is_dry_run: bool = False

    def as_data(self) -> dict[str, object]:
        return {
            "concerns": dict(self.concerns),
            "contacts": self.contacts,
            "conversations": self.conversations,
            "task_results": self.task_results,
            "mail_files": self.mail_files,
            "sessions": self.sessions,
            "survey_answerings": self.survey_answerings,
            "survey_drafts": self.survey_drafts,
            "invitations": self.invitations,
        }


def task_results_due(*, now: datetime) -> QuerySet[Any]:
    """Results of tasks that finished (succeeded or failed) more than ``OVOZ_TASK_RESULT_DAYS`` ago."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=now - timedelta(days=settings.OVOZ_TASK_RESULT_DAYS),
    )


def mail_folder() -> Path:
    """Where the development mail backend writes, also after a relay was configured (old files stay)."""
    return Path(getattr(settings, "EMAIL_FILE_PATH", None) or settings.VAR_DIR / "mail")


def mail_files_due(*, now: datetime) -> list[Path]:
    """Mail files (``*.log``) written more than ``OVOZ_MAIL_FILE_DAYS`` ago."""
    cutoff = (now - timedelta(days=settings.OVOZ_MAIL_FILE_DAYS)).timestamp()
    folder = mail_folder()
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.glob("*.log") if path.is_file() and path.stat().st_mtime < cutoff)


def sessions_due(*, now: datetime) -> QuerySet[Session]:
    """Expired sessions: Django deletes them only when asked."""
    return Session.objects.filter(expire_date__lt=now)


def survey_answerings_due(*, now: datetime) -> QuerySet[ChannelAnswering]:
    """Surveys left half-answered on SMS or Telegram for a day: the row holds the way back to the
    respondent and their answers so far (docs/surveys.md)."""
    return ChannelAnswering.objects.filter(updated_at__lt=now - timedelta(hours=survey_conversation.ANSWERING_HOURS))


def _ids(queryset: QuerySet[Concern]) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def retention_apply(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Delete what is due (or with ``dry_run`` only count it) and audit the numbers."""
    now = now or timezone.now()
    plan = retention_plan(policy=RetentionPolicy.load(), now=now)
    report = RetentionReport(is_dry_run=dry_run)
    if dry_run:
        for visibility, queryset in plan.concerns.items():
            report.concerns[str(visibility)] = queryset.count()
        report.contacts = plan.contacts.count()
        report.conversations = plan.conversations.count()
        report.task_results = task_results_due(now=now).count()
        report.mail_files = len(mail_files_due(now=now))
        report.sessions = sessions_due(now=now).count()
        report.survey_answerings = survey_answerings_due(now=now).count()
        report.survey_drafts = survey_drafts.drafts_due(now=now).count()
        report.invitations = group_services.invitations_past_keeping(now=now).count()
        return report
    for visibility, queryset in plan.concerns.items():
        for concern_id in _ids(queryset):
            # One transaction per concern: a crash keeps what was done, and the next run goes on.
            with transaction.atomic():
                channel_services.concern_routes_forget(concern_ids=[concern_id])
                if concern_services.concern_delete(concern=Concern(pk=concern_id)):
                    report.concerns[str(visibility)] += 1
    contact_ids = _ids(plan.contacts)
    for start in range(0, len(contact_ids), BATCH):
        batch = contact_ids[start : start + BATCH]
        with transaction.atomic():
            channel_services.concern_routes_forget(concern_ids=batch)
            concern_services.concern_contact_erase(concern_ids=batch)
        report.contacts += len(batch)
    report.conversations = channel_services.conversations_delete(conversations=plan.conversations)
    report.task_results, _by_model = task_results_due(now=now).delete()
    for path in mail_files_due(now=now):
        path.unlink(missing_ok=True)
        report.mail_files += 1
    report.sessions, _by_model = sessions_due(now=now).delete()
    channel_services.drafts_expire(now=now)
    report.survey_answerings = survey_conversation.answerings_expire(now=now)
    report.survey_drafts = survey_drafts.drafts_expire(now=now)
    report.invitations = group_services.invitations_expire(now=now)
    audit_record(action=AuditAction.RETENTION_APPLIED, data=report.as_data())
    return report
