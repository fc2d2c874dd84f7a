from __future__ import annotations

import factory

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.models import Grant
from ovoz.accounts.tests.factories import UserFactory
from ovoz.groups.models import Institution, WorkingGroup


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingGroup

    name = factory.Sequence(lambda number: f"Working group {number}")
    slug = factory.Sequence(lambda number: f"group-{number}")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda number: f"Institution {number}")


class MemberFactory(factory.django.DjangoModelFactory):
    """A staff user with a grant in a working group (no deployment role)."""

    class Meta:
        model = Grant

    user = factory.SubFactory(UserFactory, role=DeploymentRole.NONE)
    role = GrantRole.COMMUNITY
