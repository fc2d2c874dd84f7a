"""Run by test_replica_cluster.py in a process of its own, with OVOZ_DATABASE_URL and
OVOZ_REPLICA_DATABASE_URL set as a deployment sets them: asks the public pages and the API through
Django's test client and prints, as JSON, which database each request's queries went to."""

import json
import re
import sys

import django

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from ovoz.concerns.models import Concern  # noqa: E402

setup_test_environment()  # allows the test client's host
TABLE = re.compile(r'(?:FROM|JOIN|INTO|UPDATE)\s+"(\w+)"', re.IGNORECASE)
queries: list[tuple[str, str, list[str]]] = []


def recorder(alias):
    def wrapper(execute, sql, params, many, context):
        queries.append((alias, sql.split(None, 1)[0].upper(), TABLE.findall(sql)))
        return execute(sql, params, many, context)

    return wrapper


def ask(client: Client, method: str, url: str, **kwargs) -> dict:
    queries.clear()
    response = getattr(client, method)(url, **kwargs)
    if response.streaming:
        b"".join(response.streaming_content)  # a download is read while it is sent
    by_alias: dict[str, list[str]] = {"default": [], "replica": []}
    for alias, verb, tables in queries:
        by_alias[alias].extend(f"{verb} {table}" for table in tables)
    return {"status": response.status_code, **by_alias}


client = Client()
results = {}
with (
    connections["default"].execute_wrapper(recorder("default")),
    connections["replica"].execute_wrapper(recorder("replica")),
):
    for url in sys.argv[1:]:
        results[url] = ask(client, "get", url)
    results["write"] = ask(
        client, "post", "/api/v1/concerns", data={"text": "The bridge is closed"}, content_type="application/json"
    )
results["concerns"] = {
    "default": Concern.objects.using("default").count(),
    "replica": Concern.objects.using("replica").count(),
}
print(json.dumps(results))
