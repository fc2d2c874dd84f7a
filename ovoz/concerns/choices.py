from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    """Who may see a concern (DESIGN §3)."""

    PUBLIC = "public", _("public after review")
    RESTRICTED = "restricted", _("restricted")
    CONFIDENTIAL = "confidential", _("confidential")


VISIBILITY_STRICTNESS = {Visibility.PUBLIC: 0, Visibility.RESTRICTED: 1, Visibility.CONFIDENTIAL: 2}


class Status(models.TextChoices):
    RECEIVED = "received", _("received")
    ACCEPTED = "accepted", _("accepted")
    PRIORITISED = "prioritised", _("prioritised")
    IN_ACTION = "in_action", _("in action")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")


OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED, Status.PRIORITISED, Status.IN_ACTION)
# Retention periods count from when a concern reached one of these (Concern.closed_at).
CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED)


class CloseReason(models.TextChoices):
    DUPLICATE = "duplicate", _("duplicate of another concern")
    OUT_OF_SCOPE = "out_of_scope", _("out of scope")
    NOT_ACTIONABLE = "not_actionable", _("not actionable")
    WITHDRAWN = "withdrawn", _("withdrawn by the reporter")


class Channel(models.TextChoices):
    WEB = "web", _("web form")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311 partner")
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")


class EventKind(models.TextChoices):
    CREATED = "created", _("received")
    STATUS = "status", _("status changed")
    NOTE = "note", _("public note")
    QUESTION = "question", _("question to the reporter")
    REPLY = "reply", _("reply to the reporter")
    REPORTER_MESSAGE = "reporter_message", _("more information from the reporter")
    TRIAGE = "triage", _("area, themes or visibility changed")
    PUBLISHED = "published", _("published")
    UNPUBLISHED = "unpublished", _("unpublished")
    MERGED = "merged", _("marked as duplicate")


class Audience(models.TextChoices):
    """Who may read an event."""

    PUBLIC = "public", _("everyone")
    REPORTER = "reporter", _("the reporter and staff")
    STAFF = "staff", _("staff only")


class EmailState(models.TextChoices):
    """queued → sending (being handed to the mail relay) → sent or failed, or back to queued for a retry.

    One found still "sending" by a later attempt was being handed over when its worker died: the relay
    may have it, so it is marked uncertain and never sent again.
    """

    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    UNCERTAIN = "uncertain", _("delivery uncertain, not sent again")
