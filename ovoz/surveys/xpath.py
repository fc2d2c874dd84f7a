"""XPath 1.0 values as ODK's JavaRosa uses them: conversions, comparisons, arithmetic and the simple
functions of the expression subset (ovoz.surveys.expressions parses; this module computes)."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

Value = str | float | bool | datetime.date

EPOCH = datetime.date(1970, 1, 1)
_XPATH_NUMBER = re.compile(r"\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*")
_ISO_DATE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})(?:T[0-9:.+\-Z]*)?\s*")


def from_answer(answer: object) -> Value:
    """An answer as the value a reference to it has."""
    if answer is None:
        return ""
    if isinstance(answer, str | bool | datetime.date):
        return answer.date() if isinstance(answer, datetime.datetime) else answer
    if isinstance(answer, int | float | Decimal):
        return float(answer)
    if isinstance(answer, list | tuple):
        return " ".join(str(item) for item in answer)
    raise TypeError(f"an answer of type {type(answer).__name__} cannot be used in an expression")


def is_true(value: object) -> bool:
    """XPath boolean(): '' , None, 0, NaN and an empty list are false; everything else true."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str | list | tuple):
        return len(value) > 0
    return True


def to_number(value: object) -> float:
    """XPath number(): text that is not a plain decimal number is NaN; a date counts days since 1970."""
    value = from_answer(value)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, datetime.date):
        return float((value - EPOCH).days)
    return float(value) if _XPATH_NUMBER.fullmatch(value) else math.nan


def to_string(value: object) -> str:
    """XPath string(): 12.0 is '12', NaN 'NaN', a date 'YYYY-MM-DD', true 'true'."""
    value = from_answer(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def to_date(value: Value) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and (match := _ISO_DATE.fullmatch(value)):
        try:
            return datetime.date.fromisoformat(match.group(1))
        except ValueError:
            return None
    return None


def compare(operator: str, left: Value, right: Value) -> bool:
    if operator in ("=", "!="):
        equal = _equal(left, right)
        return equal if operator == "=" else not equal
    if not isinstance(left, float | bool) and not isinstance(right, float | bool):
        left_date, right_date = to_date(left), to_date(right)
        if left_date is not None and right_date is not None:
            return _ordered(operator, left_date, right_date)
    return _ordered(operator, to_number(left), to_number(right))


def _equal(left: Value, right: Value) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return is_true(left) == is_true(right)
    if isinstance(left, float) or isinstance(right, float):
        return to_number(left) == to_number(right)
    if isinstance(left, datetime.date) or isinstance(right, datetime.date):
        left_date, right_date = to_date(left), to_date(right)
        if left_date is not None and right_date is not None:
            return left_date == right_date
    return to_string(left) == to_string(right)


def _ordered(operator: str, left: float | datetime.date, right: float | datetime.date) -> bool:
    if operator == "<":
        return left < right  # type: ignore[operator]
    if operator == "<=":
        return left <= right  # type: ignore[operator]
    if operator == ">":
        return left > right  # type: ignore[operator]
    return left >= right  # type: ignore[operator]


def arithmetic(operator: str, left: float, right: float) -> float:
    if operator == "+":
        return left + right
    if operator == "-":
        return left - right
    if operator == "*":
        return left * right
    if operator == "div":
        if right == 0:  # XPath: a signed infinity, or NaN for 0 div 0
            return (
                math.nan if left == 0 or math.isnan(left) else math.copysign(math.inf, left) * math.copysign(1.0, right)
            )
        return left / right
    if right == 0 or math.isinf(left) or math.isnan(left) or math.isnan(right):
        return math.nan
    return math.fmod(left, right)  # XPath mod keeps the sign of the dividend, as fmod does


def _choices(value: Value) -> list[str]:
    return to_string(value).split()


def _round(number: float, digits: float) -> float:
    if math.isnan(number) or math.isinf(number) or math.isnan(digits) or abs(number) >= 1e15:
        return number
    places = int(max(-15, min(15, digits)))
    scale = Decimal(1).scaleb(-places)
    return float(Decimal(repr(number)).quantize(scale, rounding=ROUND_HALF_UP))


def _int(number: float) -> float:
    return number if math.isnan(number) or math.isinf(number) else float(math.trunc(number))


def _date(value: Value) -> Value:
    """date(): a 'YYYY-MM-DD' text or a number of days since 1970 as a date; '' when it is neither."""
    if isinstance(value, float):
        if math.isnan(value) or abs(value) > 2_000_000:
            return ""
        return EPOCH + datetime.timedelta(days=math.floor(value))
    return to_date(value) or ""


def _selected_at(value: Value, index: float) -> str:
    items = _choices(value)
    return items[int(index)] if not math.isnan(index) and 0 <= index < len(items) else ""


SIMPLE_FUNCTIONS: dict[str, Callable[[list[Value]], Value]] = {
    "not": lambda values: not is_true(values[0]),
    "true": lambda values: True,
    "false": lambda values: False,
    "boolean": lambda values: is_true(values[0]),
    "selected": lambda values: to_string(values[1]).strip() in _choices(values[0]),
    "selected-at": lambda values: _selected_at(values[0], to_number(values[1])),
    "count-selected": lambda values: float(len(_choices(values[0]))),
    "concat": lambda values: "".join(to_string(value) for value in values),
    "int": lambda values: _int(to_number(values[0])),
    "number": lambda values: to_number(values[0]),
    "string": lambda values: to_string(values[0]),
    "round": lambda values: _round(to_number(values[0]), to_number(values[1]) if len(values) > 1 else 0.0),
    "contains": lambda values: to_string(values[1]) in to_string(values[0]),
    "starts-with": lambda values: to_string(values[0]).startswith(to_string(values[1])),
    "ends-with": lambda values: to_string(values[0]).endswith(to_string(values[1])),
    "date": lambda values: _date(values[0]),
}


MAX_REGEX_SUBJECT = 1000  # longer answers do not match (bounds the backtracking a simple pattern can do)
_RANGE = re.compile(r"\{(?P<least>\d*)(?P<comma>,(?P<most>\d*))?\}")
MAX_SHORT_RANGE = 30  # {9,12} is short; {1,99} backtracks like +


def is_risky_pattern(pattern: str) -> bool:
    """Whether a pattern could backtrack badly: a repeated group that itself repeats or alternates, a
    back-reference or look-around, or too many long repetitions (``+``, ``*``, ``{2,}``, ``{1,99}``):
    two when the pattern is anchored with ^, one otherwise (an unanchored search retries at every
    character). With answers capped at MAX_REGEX_SUBJECT that bounds a match to milliseconds."""
    long_repetitions = 0
    top_level_alternation = False
    groups: list[bool] = []  # per open group: whether it holds a repetition or an alternation
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if pattern[index + 1 : index + 2] in tuple("123456789"):
                return True
            index += 2
            continue
        if char == "[":
            index = _class_end(pattern, index)
        elif char == "(":
            if pattern.startswith("(?", index) and not pattern.startswith("(?:", index):
                return True
            groups.append(False)
        elif char == ")" and groups:
            repeats_inside = groups.pop()
            if repeats_inside and pattern[index + 1 : index + 2] in ("*", "+", "{"):
                return True
            if repeats_inside and groups:
                groups[-1] = True
        elif char in "*+?{|":
            if char in "*+" or (char == "{" and _is_long_range(pattern, index)):
                long_repetitions += 1
            top_level_alternation = top_level_alternation or (char == "|" and not groups)
            if groups:
                groups[-1] = True
        index += 1
    anchored = pattern.startswith("^") and not top_level_alternation
    return long_repetitions > (2 if anchored else 1)


def _is_long_range(pattern: str, index: int) -> bool:
    match = _RANGE.match(pattern, index)
    if match is None or match["comma"] is None:
        return False
    least = int(match["least"] or 0)
    return match["most"] == "" or int(match["most"]) - least > MAX_SHORT_RANGE


def _class_end(pattern: str, start: int) -> int:
    """The index of the ']' closing the character class opened at ``start``."""
    index = start + 1
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index
