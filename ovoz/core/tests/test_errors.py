"""One base for refusals, one mapping to HTTP statuses."""

from __future__ import annotations

from ovoz.accounts.errors import AccountError
from ovoz.concerns.errors import ConcernError
from ovoz.core.errors import DomainError
from ovoz.groups.errors import GroupError
from ovoz.places.errors import BoundaryImportError
from ovoz.referrals.errors import ReferralError


def test_every_app_refuses_with_a_domain_error():
    for error_class in (AccountError, ConcernError, GroupError, BoundaryImportError, ReferralError):
        assert issubclass(error_class, DomainError)
        error = error_class("message", code="some_code")
        assert (error.message, error.code, error.field) == ("message", "some_code", None)


def test_the_status_comes_from_the_code_with_the_closest_class_winning():
    assert ConcernError("x", code="idempotency_conflict").http_status == 409
    assert ConcernError("x", code="text_too_long").http_status == 400
    assert GroupError("x", code="not_found").http_status == 404
    assert GroupError("x", code="idempotency_conflict").http_status == 400  # a concerns code only
