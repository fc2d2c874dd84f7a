"""Which reads the router sends to the replica (ovoz.core.replica); the real second cluster is in
test_replica_cluster.py."""

import pytest
from django.contrib.sessions.models import Session
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.urls import resolve

from ovoz.accounts.models import User
from ovoz.concerns.models import Concern, ConcernMonthRollup
from ovoz.core.replica import REPLICA, ReplicaReadsMiddleware, ReplicaRouter, _reads
from ovoz.places.models import Area

router = ReplicaRouter()
# The fixture below adds an alias to DATABASES for the router to name; nothing connects to it.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@pytest.fixture
def with_replica(settings):
    """A replica alias in the settings (never connected to: the router only names it)."""
    settings.DATABASES = {**settings.DATABASES, REPLICA: {**settings.DATABASES["default"]}}


def _through_middleware(url: str, view, *, method: str = "get"):
    """Run ``view`` as the view of ``url`` behind the middleware; return the response."""
    request = getattr(RequestFactory(), method)(url)
    request.resolver_match = resolve(url)

    def get_response(request):
        middleware.process_view(request, view, (), {})
        return view(request)

    middleware = ReplicaReadsMiddleware(get_response)
    return middleware(request)


def test_public_figures_read_the_replica_but_sessions_and_users_the_primary(with_replica):
    seen = {}

    def view(request):
        seen.update({model.__name__: router.db_for_read(model) for model in (ConcernMonthRollup, Area, Session, User)})
        return HttpResponse()

    _through_middleware("/en/map/", view)
    assert seen == {"ConcernMonthRollup": REPLICA, "Area": REPLICA, "Session": "default", "User": "default"}


@pytest.mark.parametrize("url", ["/en/report/", "/en/follow/", "/staff/dashboard/", "/api/v1/concerns"])
def test_every_other_view_reads_the_primary(with_replica, url):
    seen = []

    def view(request):
        seen.append(router.db_for_read(Concern))
        return HttpResponse()

    _through_middleware(url, view)
    assert seen == ["default"]


def test_after_a_write_the_request_reads_the_primary(with_replica):
    seen = []

    def view(request):
        seen.append(router.db_for_read(Concern))
        assert router.db_for_write(Concern) == "default"
        seen.append(router.db_for_read(Concern))
        return HttpResponse()

    _through_middleware("/en/dashboard/", view)
    assert seen == [REPLICA, "default"]


def test_a_streamed_download_reads_the_replica_step_by_step_and_nothing_else_does(with_replica):
    def rows():
        for _ in range(2):
            yield router.db_for_read(Concern) + "\n"

    response = _through_middleware("/data/concerns.csv", lambda request: StreamingHttpResponse(rows()))
    assert _reads.get() is None  # the request is over: the thread reads the primary
    assert router.db_for_read(Concern) == "default"
    assert b"".join(response.streaming_content) == b"replica\nreplica\n"
    assert router.db_for_read(Concern) == "default"


def test_without_a_replica_nothing_changes(settings):
    assert REPLICA not in settings.DATABASES
    seen = []

    def view(request):
        seen.append(router.db_for_read(Concern))
        return HttpResponse()

    _through_middleware("/en/map/", view)
    assert seen == ["default"]
    assert _reads.get() is None


@pytest.mark.django_db
def test_inside_a_transaction_reads_stay_on_the_primary(with_replica):
    seen = []

    def view(request):
        seen.append(router.db_for_read(Concern))  # the test's transaction is open
        return HttpResponse()

    _through_middleware("/en/map/", view)
    assert seen == ["default"]


def test_the_replica_is_never_migrated():
    assert router.allow_migrate(REPLICA, "concerns") is False
    assert router.allow_migrate("default", "concerns") is True
