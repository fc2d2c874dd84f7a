"""Answers collected elsewhere with KoboToolbox: its CSV and XLSX data exports and its data API (v2).

Each submission becomes a ``KoboSubmission``: Kobo's ``_uuid`` (or the form's ``meta/instanceID``) and the
raw text of each answered question, keyed by question name. Kobo names a column after the question
(``age``) or after its group path (``respondent/age``); both reduce to ``age``. A select_multiple is its
space-separated choice names; the one-column-per-choice copies Kobo adds (``helps/jobs`` = 1/0) are left
out, as are Kobo's own columns (``_id``, ``_submission_time``, ``_geolocation``, ...), ``meta/`` and
``formhub/``, and repeats (lists in the API's JSON). Unanswered questions are absent from ``values``.

Nothing here knows the survey: the caller matches names to questions and checks the answers.
"""

from __future__ import annotations

import csv
import datetime
import io
import ipaddress
import json
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

import httpx
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

MAX_FILE_BYTES = 50 * 1024 * 1024  # an export file, and one page of the API
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024  # an XLSX is a zip: refuse one that would swell past this
MAX_PAGES = 10_000
GROUP_SEPARATOR = "/"
_HIDDEN_GROUPS = ("meta", "formhub")
_DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class KoboSubmission:
    uuid: str
    values: dict[str, str]
    # Where it was read: the file's row (the header is row 1), or its place in the API's results.
    row: int | None = field(default=None, compare=False)


class KoboImportError(ValueError):
    """An export or API answer Ovoz cannot read. ``row`` is the file's row (the header is row 1), or the
    submission's place in the API's results counted from 1 across pages; None for the whole file."""

    def __init__(self, message: str | Promise, row: int | None = None, *, code: str = "kobo_invalid") -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.code = code

    def __str__(self) -> str:
        return str(self.message) if self.row is None else f"{self.message} (row {self.row})"


# --- columns and rows ----------------------------------------------------------------------------------


def _answer_columns(headers: Sequence[str]) -> dict[int, str]:
    """Which columns hold answers, by index, and the question each answers."""
    present = {header.strip() for header in headers}
    columns: dict[int, str] = {}
    for index, raw in enumerate(headers):
        header = raw.strip()
        path = header.split(GROUP_SEPARATOR)
        if not header or header.startswith("_") or path[0] in _HIDDEN_GROUPS:
            continue
        if len(path) > 1 and GROUP_SEPARATOR.join(path[:-1]) in present:
            continue  # a select_multiple's column for one of its choices
        name = path[-1]
        if name in columns.values():
            raise KoboImportError(
                _("Two columns answer the question “%(name)s”.") % {"name": name}, 1, code="kobo_columns"
            )
        columns[index] = name
    return columns


def _uuid_column(headers: Sequence[str]) -> tuple[int, bool]:
    """The column holding each submission's uuid, and whether it is ``meta/instanceID`` ("uuid:…")."""
    stripped = [header.strip() for header in headers]
    if "_uuid" in stripped:
        return stripped.index("_uuid"), False
    for index, header in enumerate(stripped):
        if header.split(GROUP_SEPARATOR)[-1] == "instanceID":
            return index, True
    raise KoboImportError(_("This is not a KoboToolbox export: it has no “_uuid” column."), 1, code="kobo_uuid_missing")


def _uuid(value: str, *, is_instance_id: bool) -> str:
    value = value.strip()
    return value.removeprefix("uuid:") if is_instance_id else value


def _submissions(rows: Iterable[tuple[int, Sequence[str]]], headers: Sequence[str]) -> list[KoboSubmission]:
    columns = _answer_columns(headers)
    uuid_index, is_instance_id = _uuid_column(headers)
    submissions: list[KoboSubmission] = []
    seen: set[str] = set()
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        uuid = _uuid(cells[uuid_index], is_instance_id=is_instance_id) if uuid_index < len(cells) else ""
        _check_uuid(uuid, seen, number)
        values = {name: cells[index] for index, name in columns.items() if index < len(cells) and cells[index] != ""}
        submissions.append(KoboSubmission(uuid=uuid, values=values, row=number))
    return submissions


def _check_uuid(uuid: str, seen: set[str], row: int) -> None:
    if not uuid:
        raise KoboImportError(_("This submission has no uuid."), row, code="kobo_uuid_missing")
    if uuid in seen:
        raise KoboImportError(
            _("The submission %(uuid)s appears twice.") % {"uuid": uuid}, row, code="kobo_uuid_duplicate"
        )
    seen.add(uuid)


# --- CSV -----------------------------------------------------------------------------------------------


def _read_bytes(file: str | os.PathLike[str] | IO[bytes] | IO[str]) -> bytes | str:
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as opened:
            data: bytes | str = opened.read(MAX_FILE_BYTES + 1)
    else:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise KoboImportError(
            _("The file is larger than %(megabytes)d MB.") % {"megabytes": MAX_FILE_BYTES // 1024 // 1024},
            code="kobo_too_large",
        )
    return data


def _delimiter(text: str) -> str:
    """Kobo writes ';' by default and ',' on request: the one that splits the header into Kobo's
    columns, else the one that splits it most."""
    first_line = text.split("\n", 1)[0]
    best, best_count = ",", 0
    for delimiter in _DELIMITERS:
        header = next(csv.reader([first_line], delimiter=delimiter), [])
        if "_uuid" in header or any(column.endswith("instanceID") for column in header):
            return delimiter
        if len(header) > best_count:
            best, best_count = delimiter, len(header)
    return best


def read_kobo_csv(file: str | os.PathLike[str] | IO[bytes] | IO[str]) -> list[KoboSubmission]:
    """The submissions of a KoboToolbox CSV export (a path or an open file, bytes or text)."""
    data = _read_bytes(file)
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise KoboImportError(_("The file is not UTF-8 text."), code="kobo_encoding") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        headers = next(reader, None)
        if not headers:
            raise KoboImportError(_("The file is empty."), code="kobo_empty")
        return _submissions(((reader.line_num, row) for row in reader), headers)
    except csv.Error as error:
        raise KoboImportError(
            _("The file is not valid CSV: %(reason)s") % {"reason": str(error)}, reader.line_num
        ) from None


# --- XLSX ----------------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def read_kobo_xlsx(path_or_file: str | os.PathLike[str] | IO[bytes]) -> list[KoboSubmission]:
    """The submissions of a KoboToolbox XLSX export: its first sheet (repeats are on the others)."""
    data = _read_bytes(path_or_file)
    if isinstance(data, str):
        raise KoboImportError(_("This file is not an .xlsx workbook."), code="kobo_not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(member.file_size for member in archive.infolist())
        if unzipped > MAX_UNZIPPED_BYTES:
            raise KoboImportError(_("This workbook is too large once unpacked."), code="kobo_too_large")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except KoboImportError:
        raise
    except Exception:  # openpyxl fails on broken workbooks with many kinds of error
        raise KoboImportError(_("This file is not an .xlsx workbook."), code="kobo_not_xlsx") from None
    try:
        if not workbook.worksheets:
            raise KoboImportError(_("The file is empty."), code="kobo_empty")
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        headers = [_cell_text(value) for value in next(rows, ())]
        if not any(headers):
            raise KoboImportError(_("The file is empty."), code="kobo_empty")
        return _submissions(
            ((number, [_cell_text(value) for value in row]) for number, row in enumerate(rows, start=2)), headers
        )
    finally:
        workbook.close()


# --- the data API --------------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, origin: tuple[str, str] | None) -> tuple[str, str]:
    """The URL's (scheme, host:port); the token goes only over HTTPS (or to this machine) and only to the
    server first asked, whatever a ``next`` link says."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or (parts.scheme == "http" and not _is_loopback(host)):
        raise KoboImportError(_("The KoboToolbox address must start with https://."), code="kobo_address")
    if origin is not None and (parts.scheme, parts.netloc) != origin:
        raise KoboImportError(
            _("KoboToolbox sent the next page from another server; nothing was imported."), code="kobo_address"
        )
    return parts.scheme, parts.netloc


def _page(client: httpx.Client, url: str) -> dict[str, Any]:
    try:
        with client.stream("GET", url) as response:
            if response.status_code in (401, 403):
                raise KoboImportError(
                    _("KoboToolbox refused the token (HTTP %(status)d).") % {"status": response.status_code},
                    code="kobo_unauthorized",
                )
            if response.status_code != 200:
                raise KoboImportError(
                    _("KoboToolbox answered HTTP %(status)d.") % {"status": response.status_code},
                    code="kobo_http",
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_FILE_BYTES:
                    raise KoboImportError(_("A page of KoboToolbox data is too large."), code="kobo_too_large")
    except httpx.HTTPError as error:
        # Never the error's text: it may carry the URL. The class says enough (timeout, refused, ...).
        raise KoboImportError(
            _("KoboToolbox could not be reached (%(reason)s).") % {"reason": error.__class__.__name__},
            code="kobo_unreachable",
        ) from None
    try:
        page = json.loads(bytes(body))
    except ValueError:
        raise KoboImportError(_("KoboToolbox did not answer with JSON."), code="kobo_invalid") from None
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise KoboImportError(_("KoboToolbox's answer has no list of results."), code="kobo_invalid")
    if page.get("next") is not None and not isinstance(page["next"], str):
        raise KoboImportError(_("KoboToolbox's answer has no list of results."), code="kobo_invalid")
    return page


def _json_submission(item: object, row: int, seen: set[str]) -> KoboSubmission:
    if not isinstance(item, dict):
        raise KoboImportError(_("This submission is not a JSON object."), row)
    uuid = str(item.get("_uuid") or "").strip()
    if not uuid:
        instance = item.get("meta/instanceID")
        uuid = _uuid(instance, is_instance_id=True) if isinstance(instance, str) else ""
    _check_uuid(uuid, seen, row)
    values: dict[str, str] = {}
    for key, value in item.items():
        path = str(key).split(GROUP_SEPARATOR)
        if str(key).startswith("_") or path[0] in _HIDDEN_GROUPS or value is None or isinstance(value, list | dict):
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if text != "":
            values[path[-1]] = text
    return KoboSubmission(uuid=uuid, values=values, row=row)


def fetch_kobo_api(url: str, token: str, *, timeout: float = 30) -> list[KoboSubmission]:
    """Every submission from a KoboToolbox data API v2 URL (``…/api/v2/assets/<uid>/data/?format=json``),
    following ``next`` page by page, with the account's API token. All or nothing: any bad page raises."""
    origin = _check_url(url, None)
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    submissions: list[KoboSubmission] = []
    seen_uuids: set[str] = set()
    seen_pages: set[str] = set()
    next_url: str | None = url
    with httpx.Client(headers=headers, timeout=timeout, follow_redirects=False) as client:
        while next_url is not None:
            _check_url(next_url, origin)
            if next_url in seen_pages or len(seen_pages) >= MAX_PAGES:
                raise KoboImportError(_("KoboToolbox's pages do not come to an end."), code="kobo_invalid")
            seen_pages.add(next_url)
            page = _page(client, next_url)
            for item in page["results"]:
                submissions.append(_json_submission(item, len(submissions) + 1, seen_uuids))
            next_url = page.get("next")
    return submissions
