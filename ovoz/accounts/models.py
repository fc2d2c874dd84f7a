from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.core.models import TimeStampedModel


class User(AbstractUser):
    """A staff account: facilitators, members, case workers, coordinators and administrators.

    Residents never have accounts. Every staff login needs a password and a second factor.
    """

    role = models.CharField(_("deployment role"), max_length=32, choices=DeploymentRole.choices, blank=True)
    failed_login_count = models.PositiveIntegerField(_("failed logins in a row"), default=0, editable=False)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True, editable=False)
    receives_confidential = models.BooleanField(
        _("receives confidential reports"),
        default=False,
        help_text=_(
            "New confidential concerns are sealed to this person's key at intake. Choose few people, "
            "trained for it: nobody else can read a confidential concern unless they refer it."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_(
            "The language of this person's staff pages, reminders and notifications. Empty: the staff pages "
            "follow the browser and messages are in the deployment's language."
        ),
    )

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    @property
    def is_administrator(self) -> bool:
        return self.role == DeploymentRole.ADMINISTRATOR

    @property
    def is_coordinator(self) -> bool:
        return self.role == DeploymentRole.COORDINATOR

    @property
    def message_language(self) -> str:
        """The language that e-mails and Telegram messages to this person are written in."""
        return self.language or settings.LANGUAGE_CODE

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class Grant(TimeStampedModel):
    """A staff user's role in one working group."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="grants"
    )
    working_group = models.ForeignKey(
        "groups.WorkingGroup", verbose_name=_("working group"), on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=32, choices=GrantRole.choices)
    institution = models.ForeignKey(
        "groups.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grants",
        help_text=_("The institution this member speaks for, if any."),
    )
    is_named_publicly = models.BooleanField(
        _("named on public pages"),
        default=False,
        help_text=_("The member chose to appear by name on the group's public pages."),
    )

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [models.UniqueConstraint(fields=["user", "working_group"], name="grant_one_per_group")]

    def __str__(self) -> str:
        return f"{self.user} · {self.working_group} · {self.get_role_display()}"

    def clean(self) -> None:
        institution = self.institution if self.institution_id is not None else None
        if (
            institution is not None
            and self.working_group_id is not None
            and not self.working_group.may_use_institution(institution)
        ):
            raise ValidationError({"institution": _("This institution is not in the group's area.")})


class UserKey(TimeStampedModel):
    """A staff user's keypair for confidential concerns (DESIGN §5). The private key is stored only
    wrapped: under their password and under a recovery key they were shown once. Nobody else, the
    administrators and the server included, can unwrap it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key")
    public_key = models.BinaryField(editable=False)
    password_wrapped = models.BinaryField(editable=False)
    recovery_wrapped = models.BinaryField(editable=False)
    # Set when the password no longer opens the key (an administrator reset it): the recovery key must.
    needs_recovery = models.BooleanField(default=False, editable=False)
    # Whether the user was shown their current recovery key (a sign-in abandoned before it was shown
    # leaves a key without one: the staff pages then ask for a new one).
    recovery_key_shown = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("staff key")
        verbose_name_plural = _("staff keys")

    def __str__(self) -> str:
        return f"key of {self.user}"


class RecipientChangeState(models.TextChoices):
    PENDING = "pending", _("waiting for confirmation")
    CONFIRMED = "confirmed", _("confirmed")
    WITHDRAWN = "withdrawn", _("withdrawn")
    EXPIRED = "expired", _("expired")


class RecipientChange(TimeStampedModel):
    """A proposal to add someone to, or remove someone from, the people new confidential concerns are
    sealed to. One administrator proposes; a different administrator or a current recipient confirms,
    before it expires. Nobody proposes or confirms a change about themselves (the bootstrap command
    for a deployment's very first recipient aside: ``ovoz first-recipient``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff user"), on_delete=models.PROTECT, related_name="+"
    )
    receives = models.BooleanField(_("to receive confidential concerns"))
    state = models.CharField(
        _("state"), max_length=16, choices=RecipientChangeState.choices, default=RecipientChangeState.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed or withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("confirmed or withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("change of confidential recipients")
        verbose_name_plural = _("changes of confidential recipients")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(state="pending"),
                name="recipient_change_one_pending_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{'+' if self.receives else '-'} {self.user} ({self.state})"

    def is_expired(self) -> bool:
        return self.state == RecipientChangeState.PENDING and self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        return self.state == RecipientChangeState.PENDING and not self.is_expired()
