"""Parts that apps above concerns add to concerns' pages, without concerns importing them.

The report form says who can read a confidential concern, the follow page asks the reporter's consent to
a referral, a concern's staff page shows its referrals: those parts belong to ``referrals``, which sits
above ``concerns`` (docs/architecture.md, "Layers"). So the pages stay here, with their templates and
URLs, and an upper app registers in its ``AppConfig.ready()``:

- a context provider for a page: a function of the request and the page's concern (None on the report
  form) that returns the names its template includes use (``{% include "referrals/…" %}``);
- an action handler for a page's form: a function of the request and the concern that does the action
  (through its own app's services) and returns the notice to show, or "".

Registration happens once per process at start-up, the same in every process; nothing here changes at
run time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

from django.http import HttpRequest

from ovoz.concerns.models import Concern

ContextProvider = Callable[[HttpRequest, Concern | None], Mapping[str, object]]
ActionHandler = Callable[[HttpRequest, Concern], str]


class Page(StrEnum):
    REPORT = "report"  # the report form (and the form shown again); no concern yet
    RECEIPT = "receipt"  # the receipt of a new concern, after the form or from the language switch
    FOLLOW = "follow"  # the reporter's page of their concern, opened with the receipt
    STAFF_CONCERN = "staff_concern"  # a concern's page in the staff workspace


_providers: dict[Page, list[ContextProvider]] = {page: [] for page in Page}
_actions: dict[tuple[Page, str], ActionHandler] = {}


def context_provider_add(page: Page, provider: ContextProvider) -> None:
    """Add ``provider``'s names to every rendering of ``page`` (once, however often it is added)."""
    if provider not in _providers[page]:
        _providers[page].append(provider)


def action_add(page: Page, action: str, handler: ActionHandler) -> None:
    """Let ``handler`` do the POSTed ``action`` of ``page``; an action has one handler."""
    known = _actions.get((page, action))
    if known is not None and known is not handler:
        raise ValueError(f"the {action!r} action of the {page} page already has a handler")
    _actions[(page, action)] = handler


def page_context(page: Page, request: HttpRequest, concern: Concern | None = None) -> dict[str, object]:
    """What the registered providers add to ``page``, for ``concern``."""
    context: dict[str, object] = {}
    for provider in _providers[page]:
        context.update(provider(request, concern))
    return context


def action_handler(page: Page, action: str) -> ActionHandler | None:
    """The handler registered for ``action`` on ``page``, if any."""
    return _actions.get((page, action))
