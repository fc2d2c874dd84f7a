"""Parts that apps above concerns add to its pages (``concerns.views.parts``): what referrals registers
at start-up, and the rules of the registry itself."""

import pytest
from django.test import RequestFactory

from ovoz.concerns.views import parts
from ovoz.concerns.views.parts import Page


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(parts, "_providers", {page: [] for page in Page})
    monkeypatch.setattr(parts, "_actions", {})


def test_referrals_adds_its_parts_to_the_pages_at_start_up():
    from ovoz.referrals.views import concern_pages

    assert concern_pages.report_readers in parts._providers[Page.REPORT]
    assert concern_pages.receipt_readers in parts._providers[Page.RECEIPT]
    assert concern_pages.follow_consent_requests in parts._providers[Page.FOLLOW]
    assert concern_pages.staff_referrals in parts._providers[Page.STAFF_CONCERN]
    assert parts.action_handler(Page.FOLLOW, "consent") is concern_pages.follow_consent_answer


def test_a_provider_added_twice_counts_once_and_providers_add_up(empty_registry):
    request = RequestFactory().get("/")

    def first(_request, _concern):
        return {"first": 1}

    def second(_request, concern):
        return {"second": concern}

    parts.context_provider_add(Page.FOLLOW, first)
    parts.context_provider_add(Page.FOLLOW, first)
    parts.context_provider_add(Page.FOLLOW, second)

    assert parts._providers[Page.FOLLOW] == [first, second]
    assert parts.page_context(Page.FOLLOW, request, None) == {"first": 1, "second": None}
    assert parts.page_context(Page.REPORT, request) == {}


def test_an_action_has_one_handler(empty_registry):
    def answer(_request, _concern):
        return "recorded"

    def other(_request, _concern):
        return "other"

    parts.action_add(Page.FOLLOW, "consent", answer)
    parts.action_add(Page.FOLLOW, "consent", answer)  # the same again: start-up run twice
    with pytest.raises(ValueError, match="already has a handler"):
        parts.action_add(Page.FOLLOW, "consent", other)

    assert parts.action_handler(Page.FOLLOW, "consent") is answer
    assert parts.action_handler(Page.FOLLOW, "withdraw") is None
    assert parts.action_handler(Page.STAFF_CONCERN, "consent") is None
