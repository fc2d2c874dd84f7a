"""What referrals does when concerns below it says so (``ovoz.concerns.signals``), connected in ``apps``."""

from __future__ import annotations

from typing import Any

from ovoz.concerns.models import Concern
from ovoz.referrals import services


def on_intake_consent(*, concern_id: int, share: bool, share_contact: bool, **_kwargs: Any) -> None:
    """The reporter's answer on the report form, recorded in the report's own transaction."""
    services.consent_at_intake(concern=Concern.objects.get(pk=concern_id), share=share, share_contact=share_contact)
