"""Items that apps above groups put on a meeting's agenda next to concerns, without groups importing them.

A survey's result ("share who met violence at home: 84%, round 2") belongs to ``surveys``, which sits
above ``groups`` (docs/architecture.md, "Layers"; ADR 0010 for the same pattern in concerns). So the
meeting page and its print page stay here, and an upper app registers in its ``AppConfig.ready()``:

- a source: its ``kind``, a function of the meeting giving the items it put on the agenda, a function
  that takes one off (the user, the meeting and the item's key; it checks the user may, through its own
  app's permissions, and returns whether it did), and optionally the link to its page for adding more.

Registration happens once per process at start-up, the same in every process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise

from ovoz.accounts.models import User
from ovoz.groups.models import Meeting


@dataclass(frozen=True)
class AgendaPart:
    """One item of another app on a meeting's agenda: a heading and plain-text lines (escaped when shown)."""

    kind: str
    key: str
    heading: str
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AgendaSource:
    kind: str
    parts: Callable[[Meeting], list[AgendaPart]]
    remove: Callable[[User, Meeting, str], bool]
    add_url: Callable[[Meeting], str] | None = None
    add_label: str | Promise = ""


_sources: dict[str, AgendaSource] = {}


def agenda_source_add(source: AgendaSource) -> None:
    """Register ``source`` (once; a kind has one source)."""
    known = _sources.get(source.kind)
    if known is not None and known != source:
        raise ValueError(f"the agenda kind {source.kind!r} already has a source")
    _sources[source.kind] = source


def meeting_parts(meeting: Meeting) -> list[AgendaPart]:
    """Every registered app's items on ``meeting``'s agenda, app by app in registration order."""
    return [part for source in _sources.values() for part in source.parts(meeting)]


def meeting_add_links(meeting: Meeting) -> list[tuple[str, str]]:
    """(label, url) of the pages where items of other apps are added to ``meeting``'s agenda."""
    return [(str(source.add_label), source.add_url(meeting)) for source in _sources.values() if source.add_url]


def meeting_part_remove(user: User, meeting: Meeting, kind: str, key: str) -> bool:
    """Take an item of another app off the agenda; False when no source has it or the user may not."""
    source = _sources.get(kind)
    return source is not None and source.remove(user, meeting, key)
