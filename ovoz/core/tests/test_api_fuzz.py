"""Hostile input over the whole public API, generated from its own OpenAPI document: never a 500."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from ovoz.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_never_answers_500(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, case.body, case.query, response.text[:500])
