"""Synthetic data at scale for benchmarks: ``ovoz generate --concerns 1000000 --areas 5000``.

Writes through bulk paths (bulk inserts, rollups added in batches), not through the intake services,
so a million concerns take minutes. The concerns are synthetic: their receipts are random hashes
that no code can match, and no contact, photo or event is made. Never run it on a real deployment.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.models import ALL_THEMES, Concern, ConcernStepRollup, Theme
from ovoz.concerns.services import RollupKey, rollups_add, steps_add, themes_seed
from ovoz.places.choices import AreaKind
from ovoz.places.models import Area
from ovoz.places.services import areas_seed

BATCH = 5000
DAYS = 730
TEXTS = [
    ("ru", "Воды нет уже третью неделю, дети болеют."),
    ("uz", "Suv yoʻq, uch haftadan beri bolalar kasal."),
    ("en", "Electricity is cut every evening in our mahalla."),
    ("kk", "Су жоқ, үш аптадан бері балалар ауырып жатыр."),
    ("ky", "Жол бузулуп, балдар мектепке бара албай жатышат."),
    ("tg", "Нархи орд ду баробар шуд, мардум норозӣ ҳастанд."),
    ("kaa", "Rayon orayına baratuǵın jol buzılǵan, jawınnan keyin mashinalar óte almaydı."),
]
STATUS_WEIGHTS = [
    (Status.RECEIVED, 30),
    (Status.ACCEPTED, 25),
    (Status.PRIORITISED, 10),
    (Status.IN_ACTION, 10),
    (Status.RESOLVED, 15),
    (Status.CLOSED, 10),
]
VISIBILITY_WEIGHTS = [(Visibility.PUBLIC, 70), (Visibility.RESTRICTED, 22), (Visibility.CONFIDENTIAL, 8)]
# The path a concern takes and the mean days each step takes, for synthetic step durations.
STEP_MEAN_DAYS = [(Status.ACCEPTED, 4), (Status.PRIORITISED, 14), (Status.IN_ACTION, 10), (Status.RESOLVED, 30)]
CHANNEL_WEIGHTS = [(Channel.WEB, 40), (Channel.SMS, 30), (Channel.TELEGRAM, 25), (Channel.API, 5)]


@dataclass(frozen=True)
class GenerateResult:
    areas: int
    concerns: int


def generate(
    *, concerns: int, areas: int, seed: int = 1, progress: Callable[[int], None] | None = None
) -> GenerateResult:
    """Add ``areas`` synthetic districts (spread over the seeded regions) and ``concerns`` concerns."""
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured("ovoz generate writes synthetic concerns and is refused in production.")
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    areas_seed()
    themes_seed()
    districts = _districts(areas, rng)
    theme_ids = list(Theme.objects.values_list("pk", flat=True))
    # Some places and themes are much busier than others, as in real reports.
    area_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(districts))]
    statuses, status_weights = zip(*STATUS_WEIGHTS, strict=True)
    visibilities, visibility_weights = zip(*VISIBILITY_WEIGHTS, strict=True)
    channels, channel_weights = zip(*CHANNEL_WEIGHTS, strict=True)
    now = timezone.now()
    made = 0
    # Counted for all batches and added once at the end: far fewer upserts than batch by batch.
    counts: Counter[RollupKey] = Counter()
    steps: Counter[tuple[date, str, str, int]] = Counter()
    with _created_at_as_given():
        while made < concerns:
            size = min(BATCH, concerns - made)
            batch = []
            for area in rng.choices(districts, weights=area_weights, k=size):
                created_at = now - timedelta(seconds=rng.uniform(0, DAYS * 86400))
                language, text = rng.choice(TEXTS)
                concern = Concern(
                    receipt_hash=secrets.token_hex(32),
                    receipt_valid_until=created_at + timedelta(days=365),
                    text=text,
                    language=language,
                    channel=rng.choices(channels, weights=channel_weights)[0],
                    area=area,
                    visibility=rng.choices(visibilities, weights=visibility_weights)[0],
                    reporter_visibility=Visibility.PUBLIC,
                    status=rng.choices(statuses, weights=status_weights)[0],
                    created_at=created_at,
                    updated_at=created_at,
                )
                themes = rng.sample(theme_ids, k=rng.choice([1, 1, 1, 2])) if theme_ids else []
                batch.append((concern, themes))
            _write_batch(batch, rng, now, counts, steps)
            made += size
            if progress is not None:
                progress(made)
    with transaction.atomic():
        rollups_add(counts)
        steps_add(steps)
    return GenerateResult(areas=len(districts), concerns=made)


@transaction.atomic
def _write_batch(
    batch: list[tuple[Concern, list[int]]],
    rng: random.Random,
    now: datetime,
    counts: Counter[RollupKey],
    steps: Counter[tuple[date, str, str, int]],
) -> None:
    """Insert concerns and their theme links; count them for the rollups, with made-up step durations."""
    created = Concern.objects.bulk_create([concern for concern, _themes in batch])
    through = Concern.themes.through
    links = []
    for concern, (_unsaved, themes) in zip(created, batch, strict=True):
        links += [through(concern_id=concern.pk, theme_id=theme_id) for theme_id in themes]
        day = timezone.localdate(concern.created_at)
        for theme_key in [*(themes or [0]), ALL_THEMES]:
            counts[(day, concern.area_id or 0, theme_key, concern.visibility, concern.channel, concern.status)] += 1
        _steps(concern, steps, rng, now)
    through.objects.bulk_create(links, batch_size=BATCH)


def _steps(concern: Concern, steps: Counter[tuple[date, str, str, int]], rng: random.Random, now: datetime) -> None:
    path = [status for status, _days in STEP_MEAN_DAYS]
    if concern.status not in path:
        return
    moment, previous = concern.created_at, Status.RECEIVED
    for status, mean_days in STEP_MEAN_DAYS[: path.index(Status(concern.status)) + 1]:
        days = min(int(rng.expovariate(1 / mean_days)), ConcernStepRollup.MAX_DAYS)
        moment = min(now, moment + timedelta(days=days))
        steps[(timezone.localdate(moment).replace(day=1), previous, status, days)] += 1
        previous = status
    if concern.status == Status.RESOLVED:
        total = min((moment - concern.created_at).days, ConcernStepRollup.MAX_DAYS)
        steps[(timezone.localdate(moment).replace(day=1), "", Status.RESOLVED, total)] += 1


def _districts(count: int, rng: random.Random) -> list[Area]:
    """Synthetic districts spread over the seeded regions, each with a representative point."""
    regions = list(Area.objects.filter(kind=AreaKind.REGION).exclude(latitude=None))
    existing = list(Area.objects.filter(kind=AreaKind.DISTRICT, code__startswith="SYN-"))
    new = []
    for index in range(len(existing), count):
        region = regions[index % len(regions)]
        new.append(
            Area(
                parent=region,
                kind=AreaKind.DISTRICT,
                code=f"SYN-{index + 1:05d}",
                name=f"Synthetic district {index + 1}",
                latitude=max(-90.0, min(90.0, (region.latitude or 0) + rng.uniform(-0.8, 0.8))),
                longitude=max(-180.0, min(180.0, (region.longitude or 0) + rng.uniform(-0.8, 0.8))),
                path=region.own_path,
                depth=region.depth + 1,
            )
        )
    Area.objects.bulk_create(new, batch_size=BATCH)
    return list(Area.objects.filter(kind=AreaKind.DISTRICT, code__startswith="SYN-").order_by("code")[:count])


@contextmanager
def _created_at_as_given() -> Iterator[None]:
    """Let bulk inserts keep the synthetic creation times (auto_now_add would replace them with now)."""
    fields = [Concern._meta.get_field("created_at"), Concern._meta.get_field("updated_at")]
    saved = [(field.auto_now_add, field.auto_now) for field in fields]
    for field in fields:
        field.auto_now_add = field.auto_now = False
    try:
        yield
    finally:
        for field, (auto_now_add, auto_now) in zip(fields, saved, strict=True):
            field.auto_now_add, field.auto_now = auto_now_add, auto_now
