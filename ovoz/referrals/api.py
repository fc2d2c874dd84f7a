"""``GET /api/v1/confidential-readers``: who can open a confidential concern raised now, by organisation
and role (never names), for clients that offer reporters the choice of "confidential"."""

from django.http import HttpRequest
from ninja import Field, Router, Schema

from ovoz.concerns.promises import CONFIDENTIAL_EXPLAINED
from ovoz.referrals.selectors import confidential_readers

router = Router(tags=["themes"])


class ReaderOut(Schema):
    organisation: str
    role: str


class ConfidentialReadersOut(Schema):
    explanation: str = Field(description="What Ovoz promises about a confidential concern, in the request's language.")
    intake: list[ReaderOut] = Field(
        description="Organisations and roles of the staff every new confidential concern is sealed to. "
        "Empty: nobody would read it."
    )
    services: list[ReaderOut] = Field(
        description="Services (role: their kind) whose case workers can open one only if the reporter agrees "
        "to a referral."
    )


@router.get("confidential-readers", response=ConfidentialReadersOut, summary="Who can read a confidential concern")
def get_confidential_readers(request: HttpRequest) -> object:
    """Show this to reporters before they choose ``confidential`` (as the report form does)."""
    readers = confidential_readers()
    return {
        "explanation": str(CONFIDENTIAL_EXPLAINED),
        "intake": [{"organisation": reader.organisation, "role": reader.role} for reader in readers.intake],
        "services": [{"organisation": reader.organisation, "role": reader.role} for reader in readers.services],
    }
