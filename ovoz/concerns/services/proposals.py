"""Proposals that two concerns are the same incident: recorded for staff, dismissed by them.

The merge itself stays ``concern_mark_duplicate``, called by a facilitator: nothing here merges.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ovoz.concerns.models import Concern, DuplicateProposal
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

if TYPE_CHECKING:
    from ovoz.accounts.models import User


@transaction.atomic
def duplicate_proposals_record(*, concern: Concern, candidates: Sequence[tuple[int, float]]) -> int:
    """Propose that ``concern`` may be the same incident as each candidate (id, score).

    A pair is one proposal whichever of the two was compared with the other: it is stored from the
    later concern (the higher id) to the earlier. A pair already proposed keeps its row (and a
    dismissal stays); a sealed concern is never proposed, whoever asks. Returns how many were added.
    """
    if concern.is_sealed:
        return 0
    unsealed = set(
        Concern.objects.filter(pk__in=[pk for pk, _score in candidates], content_public_key__isnull=True)
        .exclude(pk=concern.pk)
        .values_list("pk", flat=True)
    )
    pairs = {(max(pk, concern.pk), min(pk, concern.pk)): score for pk, score in candidates if pk in unsealed}
    known = set(
        DuplicateProposal.objects.filter(
            Q(concern=concern, candidate_id__in=unsealed) | Q(candidate=concern, concern_id__in=unsealed)
        ).values_list("concern_id", "candidate_id")
    )
    added = [
        DuplicateProposal(concern_id=later, candidate_id=earlier, score=round(score, 4))
        for (later, earlier), score in pairs.items()
        if (later, earlier) not in known
    ]
    DuplicateProposal.objects.bulk_create(added, ignore_conflicts=True)
    return len(added)


@transaction.atomic
def duplicate_proposal_dismiss(*, actor: User, proposal: DuplicateProposal) -> DuplicateProposal:
    """ "Not the same": the proposal is no longer shown, and is never made again."""
    if proposal.dismissed_at is None:
        proposal.dismissed_at = timezone.now()
        proposal.dismissed_by = actor
        proposal.save(update_fields=["dismissed_at", "dismissed_by"])
        audit_record(
            action=AuditAction.CONCERN_DUPLICATE_DISMISSED,
            actor=actor,
            target=proposal.concern,
            data={"candidate": proposal.candidate_id},
        )
    return proposal
