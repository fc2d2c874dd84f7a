"""A round closed while responses are being sent takes none after the close (PostgreSQL, real transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from ovoz.surveys.choices import ResponseChannel
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.models import Response, ResultCount
from ovoz.surveys.services import response_submit, survey_import, survey_round_close, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes

pytestmark = pytest.mark.django_db(transaction=True)
SENDERS = 4
ANSWERS = {"gender": "woman", "age": "34", "violence_home": "no"}


def test_no_response_lands_after_its_round_closes_and_every_send_is_stored_or_refused():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    survey_round = survey_round_open(survey=survey_import(file=workbook_bytes(), publish=True), actor=None)
    start = threading.Barrier(SENDERS)
    some_stored = threading.Event()
    outcomes: dict[int, list[str]] = {sender: [] for sender in range(SENDERS)}
    at_close: dict[str, set[int]] = {}
    failures: list[BaseException] = []

    def send(sender: int) -> None:
        """Send responses one after another until the round refuses one."""
        try:
            start.wait()
            for number in range(500):
                try:
                    response_submit(
                        survey_round=survey_round,
                        channel=ResponseChannel.WEB,
                        submission_key=f"{sender}-{number}",
                        answers=ANSWERS,
                    )
                except SurveyError as error:
                    outcomes[sender].append(error.code)
                    return
                outcomes[sender].append("stored")
                some_stored.set()
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    def close() -> None:
        try:
            assert some_stored.wait(timeout=60)
            survey_round_close(survey_round=survey_round, actor=None)
            # Committed: whatever is stored now is all the round may ever hold.
            at_close["ids"] = set(Response.objects.filter(round=survey_round).values_list("pk", flat=True))
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(sender,)) for sender in range(SENDERS)]
    threads.append(threading.Thread(target=close))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    for sender, told in outcomes.items():
        # Each send was stored or clearly refused, and each sender was refused once the round closed.
        assert told and told[-1] == "round_not_open" and set(told[:-1]) <= {"stored"}, (sender, told)
    stored = sum(told.count("stored") for told in outcomes.values())
    assert stored > 0
    assert set(Response.objects.filter(round=survey_round).values_list("pk", flat=True)) == at_close["ids"]
    assert len(at_close["ids"]) == stored
    counted = ResultCount.objects.filter(round=survey_round, question="", value="").values_list("count", flat=True)
    assert sum(counted) == stored
