"""Theme suggestions for concerns: computed after intake, shown in triage, accepted with one click.

Every new concern gets up to three ranked themes with a confidence; nothing is ever applied on its
own. A facilitator's choice of themes makes the concern a labelled example, and later suggestions learn
from it. A confidential concern is suggested for at intake, in memory, before its words are sealed;
only the suggested theme ids and their order are kept (docs/insights.md, docs/adr/0010).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from ovoz.concerns.choices import Visibility
from ovoz.concerns.models import Concern, Theme
from ovoz.concerns.services import Triage, concern_triage
from ovoz.core.errors import DomainError
from ovoz.insights.models import LabelledExample, ThemeSuggestion
from ovoz.insights.suggester import SUGGESTIONS, ThemeSuggester, ThemeText, labelled_set, lexical_suggester

if TYPE_CHECKING:
    from ovoz.accounts.models import User

# The most recent labelled examples a suggester learns from: enough for a deployment's own vocabulary,
# bounded so that building one stays under a second.
MAX_LABELLED_EXAMPLES = 5000


class SuggestionError(DomainError):
    """A suggestion that cannot be accepted."""


_lock = threading.Lock()
_built: dict[str, tuple[object, ThemeSuggester]] = {}


def _themes() -> list[Theme]:
    return list(Theme.objects.filter(is_active=True).order_by("position", "slug"))


def _theme_texts(themes: Sequence[Theme]) -> list[ThemeText]:
    return [(theme.slug, theme.labels, theme.descriptions) for theme in themes]


def _labelled_examples() -> list[tuple[str, str]]:
    """(theme slug, text) of the deployment's labelled concerns that are not confidential."""
    examples = (
        LabelledExample.objects.filter(concern__content_public_key__isnull=True)
        .exclude(concern__visibility=Visibility.CONFIDENTIAL)
        .select_related("concern")
        .prefetch_related("themes")
        .order_by("-updated_at")[:MAX_LABELLED_EXAMPLES]
    )
    return [
        (theme.slug, example.concern.text)
        for example in examples
        if example.concern.text
        for theme in example.themes.all()
    ]


def suggester_for(*, with_labelled_examples: bool) -> ThemeSuggester:
    """The deployment's suggester, built once per process and again when themes or examples change:
    the active themes (labels and descriptions are part of the lexicon), the labelled set shipped with
    Ovoz, the theme lexicon and, in the task worker, the facilitators' labelled examples."""
    themes = _themes()
    key: object = (
        tuple((theme.slug, theme.updated_at) for theme in themes),
        LabelledExample.objects.aggregate(latest=Max("updated_at"))["latest"] if with_labelled_examples else None,
        LabelledExample.objects.count() if with_labelled_examples else None,
    )
    name = "worker" if with_labelled_examples else "intake"
    with _lock:
        cached = _built.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
    texts = _theme_texts(themes)
    examples = [(row.theme, row.text) for row in labelled_set()]
    if with_labelled_examples:
        examples += _labelled_examples()
    suggester = ThemeSuggester(
        themes=[theme.slug for theme in themes], lexical=lexical_suggester(examples=examples, themes=texts)
    )
    with _lock:
        _built[name] = (key, suggester)
    return suggester


def _store(concern: Concern, ranked: Sequence[tuple[str, float]], *, keep_scores: bool) -> list[ThemeSuggestion]:
    themes = {theme.slug: theme for theme in Theme.objects.filter(slug__in=[slug for slug, _score in ranked])}
    ThemeSuggestion.objects.filter(concern=concern).delete()
    return ThemeSuggestion.objects.bulk_create(
        ThemeSuggestion(concern=concern, theme=themes[slug], rank=rank, score=round(score, 3) if keep_scores else None)
        for rank, (slug, score) in enumerate(ranked[:SUGGESTIONS], start=1)
        if slug in themes
    )


@transaction.atomic
def concern_themes_suggest(*, concern_id: int) -> list[ThemeSuggestion]:
    """Suggest themes for a concern from its stored text (the task worker); idempotent.

    A sealed concern keeps what intake suggested: its words cannot be read here. A confidential one
    that could not be sealed yet (no recipients) keeps no scores, as if it had been.
    """
    concern = Concern.objects.select_for_update().filter(pk=concern_id).first()
    if concern is None or concern.is_sealed or not concern.text:
        return []
    ranked = suggester_for(with_labelled_examples=True).suggest([concern.text])[0]
    return _store(concern, ranked, keep_scores=concern.visibility != Visibility.CONFIDENTIAL)


def sealed_concern_themes_suggest(*, concern_id: int, text: str) -> list[ThemeSuggestion]:
    """Suggest themes for a confidential concern at intake, from its words in memory, before they are
    sealed. Only the themes and their order are stored: no score, no text, nothing in a task or a log.

    The lexical suggester alone (the deployment's labelled examples are not read in a web request).
    """
    concern = Concern.objects.get(pk=concern_id)
    ranked = suggester_for(with_labelled_examples=False).suggest([text])[0]
    return _store(concern, ranked, keep_scores=False)


@transaction.atomic
def labelled_example_record(*, concern_id: int) -> LabelledExample | None:
    """Keep the themes staff chose for a concern as a labelled example, or forget it: a confidential
    concern is never one, and the scores of its suggestions go too (they came from its words)."""
    concern = Concern.objects.filter(pk=concern_id).first()
    if concern is None:
        return None
    if concern.is_sealed or concern.visibility == Visibility.CONFIDENTIAL:
        LabelledExample.objects.filter(concern=concern).delete()
        ThemeSuggestion.objects.filter(concern=concern).update(score=None)
        return None
    themes = list(concern.themes.all())
    if not themes:
        LabelledExample.objects.filter(concern=concern).delete()
        return None
    example, _created = LabelledExample.objects.update_or_create(concern=concern)
    example.themes.set(themes)
    return example


def theme_suggestion_accept(*, actor: User, concern: Concern, theme: Theme) -> Triage:
    """Add a suggested theme to the concern's themes through triage (audited, counted, and learnt from)."""
    if not ThemeSuggestion.objects.filter(concern=concern, theme=theme).exists():
        raise SuggestionError(_("This theme was not suggested for this concern."), code="not_suggested")
    return concern_triage(
        actor=actor,
        concern=concern,
        area=concern.area,
        themes=[*concern.themes.all(), theme],
        visibility=Visibility(concern.visibility),
        language=concern.language,
    )


def suggestion_list(*, concern: Concern) -> list[ThemeSuggestion]:
    """The concern's suggestions, best first, that are not among its themes yet."""
    chosen = set(concern.themes.values_list("pk", flat=True))
    return [
        suggestion
        for suggestion in ThemeSuggestion.objects.filter(concern=concern).select_related("theme").order_by("rank")
        if suggestion.theme_id not in chosen
    ]
