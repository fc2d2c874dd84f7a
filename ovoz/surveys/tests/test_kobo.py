"""Reading KoboToolbox exports (CSV, XLSX) and its data API (a fake server on loopback)."""

import datetime
import io
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import Workbook

from ovoz.surveys.kobo import KoboImportError, KoboSubmission, fetch_kobo_api, read_kobo_csv, read_kobo_xlsx
from ovoz.testing.fakes import serve_in_background

# Kobo's default CSV export: ';', XML names, group paths in headers, a select_multiple with its
# one-column-per-choice copies, and Kobo's own columns.
KOBO_CSV = (
    "start;end;consent;respondent/gender;respondent/age;respondent/district;priorities/what_would_help;"
    "priorities/what_would_help/jobs;priorities/what_would_help/street_lighting;priorities/first_step;"
    "meta/instanceID;_id;_uuid;_submission_time;_validation_status;_notes;_status;_submitted_by;__version__;_tags;_index\n"
    "2026-11-01T10:00:00.000+05:00;2026-11-01T10:09:00.000+05:00;yes;female;34;bokhtar;jobs street_lighting;1;1;"
    '"Light the road; fix the bridge";uuid:0b7e0c5e-1;101;0b7e0c5e-1;2026-11-01T05:10:00;;;submitted_via_web;;vX;;1\n'
    "2026-11-02T11:00:00.000+05:00;2026-11-02T11:05:00.000+05:00;no;;;;;;;;uuid:9a1f-2;102;9a1f-2;2026-11-02T06:05:00;;;"
    "submitted_via_web;;vX;;2\n"
)


def test_csv_export_gives_each_submission_its_answers_by_question_name():
    submissions = read_kobo_csv(io.BytesIO(KOBO_CSV.encode()))
    assert submissions == [
        KoboSubmission(
            uuid="0b7e0c5e-1",
            values={
                "start": "2026-11-01T10:00:00.000+05:00",
                "end": "2026-11-01T10:09:00.000+05:00",
                "consent": "yes",
                "gender": "female",
                "age": "34",
                "district": "bokhtar",
                "what_would_help": "jobs street_lighting",
                "first_step": "Light the road; fix the bridge",
            },
        ),
        KoboSubmission(
            uuid="9a1f-2",
            values={"start": "2026-11-02T11:00:00.000+05:00", "end": "2026-11-02T11:05:00.000+05:00", "consent": "no"},
        ),
    ]


def test_csv_with_commas_headers_without_groups_and_a_byte_order_mark_reads_the_same(tmp_path):
    text = (
        "\ufeffgender,age,what_would_help,what_would_help/jobs,_uuid\n"
        'female,34,"jobs dialogue",1,a-1\n'
        "male,,,0,a-2\n"
        ",,,,\n"
    )
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    assert read_kobo_csv(path) == [
        KoboSubmission("a-1", {"gender": "female", "age": "34", "what_would_help": "jobs dialogue"}),
        KoboSubmission("a-2", {"gender": "male"}),
    ]
    assert read_kobo_csv(io.StringIO(text)) == read_kobo_csv(path)
    assert read_kobo_csv(str(path)) == read_kobo_csv(path)


def test_csv_without_uuid_column_uses_the_instance_id():
    text = "age;meta/instanceID\n20;uuid:abc\n"
    assert read_kobo_csv(io.StringIO(text)) == [KoboSubmission("abc", {"age": "20"})]


def test_csv_with_labels_instead_of_kobo_columns_is_refused():
    with pytest.raises(KoboImportError) as refused:
        read_kobo_csv(io.StringIO("What is your gender?;How old are you?\nFemale;34\n"))
    assert refused.value.code == "kobo_uuid_missing"
    assert refused.value.row == 1


@pytest.mark.parametrize(
    ("text", "row", "code"),
    [
        ("age;_uuid\n20;a\n21;a\n", 3, "kobo_uuid_duplicate"),
        ("age;_uuid\n20;a\n21;\n", 3, "kobo_uuid_missing"),
        ("g1/age;g2/age;_uuid\n1;2;a\n", 1, "kobo_columns"),
        ("", None, "kobo_empty"),
    ],
)
def test_csv_problems_are_refused_with_their_row(text, row, code):
    with pytest.raises(KoboImportError) as refused:
        read_kobo_csv(io.StringIO(text))
    assert (refused.value.row, refused.value.code) == (row, code)
    assert str(refused.value)


def test_csv_that_is_not_utf8_is_refused():
    with pytest.raises(KoboImportError) as refused:
        read_kobo_csv(io.BytesIO("age;_uuid\n20;ä\n".encode("latin-1")))
    assert refused.value.code == "kobo_encoding"


def _kobo_xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Community safety"
    for row in rows:
        sheet.append(row)
    repeat = workbook.create_sheet("members")  # Kobo puts repeats on their own sheets
    repeat.append(["member_name", "_parent_index"])
    repeat.append(["Aziz", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_xlsx_export_reads_like_the_csv(tmp_path):
    buffer = _kobo_xlsx(
        [
            [
                "respondent/gender",
                "respondent/age",
                "income",
                "conflict/conflict_date",
                "helps",
                "helps/jobs",
                "_uuid",
                "_id",
            ],
            ["female", 34, 1250.5, datetime.datetime(2026, 5, 1), "jobs", 1, "x-1", 7],  # noqa: DTZ001 - cells are naive
            ["male", 61.0, None, None, None, 0, "x-2", 8],
        ]
    )
    expected = [
        KoboSubmission(
            "x-1", {"gender": "female", "age": "34", "income": "1250.5", "conflict_date": "2026-05-01", "helps": "jobs"}
        ),
        KoboSubmission("x-2", {"gender": "male", "age": "61"}),
    ]
    assert read_kobo_xlsx(buffer) == expected
    path = tmp_path / "export.xlsx"
    path.write_bytes(buffer.getvalue())
    assert read_kobo_xlsx(path) == expected


def test_a_file_that_is_not_a_workbook_is_refused():
    with pytest.raises(KoboImportError) as refused:
        read_kobo_xlsx(io.BytesIO(b"age;_uuid\n20;a\n"))
    assert refused.value.code == "kobo_not_xlsx"


# --- the data API on a fake server ----------------------------------------------------------------------

TOKEN = "0123456789abcdef0123456789abcdef01234567"


class FakeKobo(BaseHTTPRequestHandler):
    pages: dict[str, tuple[int, bytes]] = {}
    requests: list[tuple[str, str | None]] = []

    def do_GET(self):
        type(self).requests.append((self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != f"Token {TOKEN}":
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b'{"detail": "Invalid token."}')
            return
        start = parse_qs(urlsplit(self.path).query).get("start", ["0"])[0]
        status, body = type(self).pages.get(start, (404, b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def kobo():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKobo)
    thread = serve_in_background(server)
    FakeKobo.requests = []
    base = f"http://127.0.0.1:{server.server_address[1]}/api/v2/assets/aBc123/data/?format=json"
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def page(results, next_url=None, count=3):
    return 200, json.dumps({"count": count, "next": next_url, "previous": None, "results": results}).encode()


def submission(uuid, **values):
    return {
        "_id": 1,
        "_uuid": uuid,
        "_attachments": [],
        "_geolocation": [None, None],
        "_tags": [],
        "_submission_time": "2026-11-01T05:10:00",
        "meta/instanceID": f"uuid:{uuid}",
        "formhub/uuid": "f0",
        "__version__": "vX",
        **values,
    }


def test_api_pages_are_followed_with_the_token(kobo):
    FakeKobo.pages = {
        "0": page(
            [
                submission("u-1", **{"respondent/gender": "female", "respondent/age": "34", "helps": "jobs dialogue"}),
                submission("u-2", **{"respondent/gender": "male", "members": [{"members/member_name": "Aziz"}]}),
            ],
            next_url=kobo + "&start=2",
        ),
        "2": page([submission("u-3", consent="no", score=7, flag=True, empty="")]),
    }
    submissions = fetch_kobo_api(kobo, TOKEN, timeout=5)
    assert submissions == [
        KoboSubmission("u-1", {"gender": "female", "age": "34", "helps": "jobs dialogue"}),
        KoboSubmission("u-2", {"gender": "male"}),
        KoboSubmission("u-3", {"consent": "no", "score": "7", "flag": "true"}),
    ]
    assert [authorization for _path, authorization in FakeKobo.requests] == [f"Token {TOKEN}"] * 2


def test_api_refusing_the_token_is_reported_without_the_token(kobo):
    FakeKobo.pages = {"0": page([])}
    with pytest.raises(KoboImportError) as refused:
        fetch_kobo_api(kobo, "wrong-token", timeout=5)
    assert refused.value.code == "kobo_unauthorized"
    assert "wrong-token" not in str(refused.value)


def test_api_next_page_on_another_server_is_not_sent_the_token(kobo):
    FakeKobo.pages = {"0": page([submission("u-1")], next_url="http://127.0.0.2:9/api/v2/assets/aBc123/data/?start=1")}
    with pytest.raises(KoboImportError) as refused:
        fetch_kobo_api(kobo, TOKEN, timeout=5)
    assert refused.value.code == "kobo_address"
    assert len(FakeKobo.requests) == 1


def test_api_pages_that_loop_are_refused(kobo):
    FakeKobo.pages = {"0": page([submission("u-1")], next_url=kobo)}
    with pytest.raises(KoboImportError) as refused:
        fetch_kobo_api(kobo, TOKEN, timeout=5)
    assert refused.value.code in ("kobo_invalid", "kobo_uuid_duplicate")
    assert len(FakeKobo.requests) == 1


@pytest.mark.parametrize(
    ("response", "code"),
    [
        ((500, b"oops"), "kobo_http"),
        ((200, b"<html>not json</html>"), "kobo_invalid"),
        ((200, b'{"results": "nope"}'), "kobo_invalid"),
        ((200, b'{"results": [{"age": "3"}]}'), "kobo_uuid_missing"),
        ((200, b'{"results": [1]}'), "kobo_invalid"),
        ((302, b""), "kobo_http"),
    ],
)
def test_api_bad_answers_are_refused(kobo, response, code):
    FakeKobo.pages = {"0": response}
    with pytest.raises(KoboImportError) as refused:
        fetch_kobo_api(kobo, TOKEN, timeout=5)
    assert refused.value.code == code


def test_api_without_https_is_refused_before_any_request():
    for url in ("http://kf.kobotoolbox.org/api/v2/assets/a/data/", "file:///etc/passwd", "ftp://example.org/x"):
        with pytest.raises(KoboImportError) as refused:
            fetch_kobo_api(url, TOKEN, timeout=1)
        assert refused.value.code == "kobo_address"


def test_api_that_cannot_be_reached_is_reported():
    with pytest.raises(KoboImportError) as refused:
        fetch_kobo_api("http://127.0.0.1:9/api/v2/assets/a/data/", TOKEN, timeout=2)
    assert refused.value.code == "kobo_unreachable"
