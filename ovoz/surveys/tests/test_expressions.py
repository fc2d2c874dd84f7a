"""The XLSForm expression subset: what a form's relevant, constraint and calculate columns mean."""

import datetime
import math
import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ovoz.surveys.expressions import MAX_LENGTH, MAX_NESTING, ExpressionError, is_true, parse, to_string

TODAY = datetime.date(2026, 12, 2)


def value(text, answers=None, current=None):
    return parse(text).evaluate(answers or {}, current=current, today=TODAY)


# --- what forms write ---------------------------------------------------------------------------------


def test_age_constraint_accepts_the_range_and_refuses_outside_it():
    constraint = parse(". >= 15 and . <= 110")
    assert constraint.uses_current and constraint.references == frozenset()
    assert [constraint.evaluate({}, current=age) for age in (14, 15, 110, 111)] == [False, True, True, False]


def test_unanswered_question_is_empty_text_so_numeric_tests_fail_and_empty_test_succeeds():
    assert value("${age} > 15") is False
    assert value("${age} < 15") is False
    assert value("${age} = ''") is True
    assert value("${age} != ''", {"age": 20}) is True
    assert value("${age} = ''", {"age": None}) is True


def test_follow_up_is_relevant_only_after_the_matching_answer():
    relevant = parse("${violence_experienced} = 'yes'")
    assert relevant.references == frozenset({"violence_experienced"})
    assert is_true(relevant.evaluate({"violence_experienced": "yes"})) is True
    assert is_true(relevant.evaluate({"violence_experienced": "no"})) is False
    assert is_true(relevant.evaluate({})) is False


def test_selected_and_count_selected_read_select_multiple_answers():
    answers = {"helps": ["police_patrols", "street_lights"]}
    assert value("selected(${helps}, 'street_lights')", answers) is True
    assert value("selected(${helps}, 'street')", answers) is False
    assert value("count-selected(${helps})", answers) == 2
    assert value("count-selected(${helps}) <= 3", answers) is True
    assert value("count-selected(${helps})", {}) == 0
    assert value("selected(${helps}, 'other')", {}) is False
    assert value("selected-at(${helps}, 1)", answers) == "street_lights"
    assert value("selected-at(${helps}, 5)", answers) == ""


def test_select_one_compares_as_choice_name():
    assert value("selected(${gender}, 'female')", {"gender": "female"}) is True
    assert value("${gender} = 'female' or ${gender} = 'male'", {"gender": "male"}) is True
    assert value('${gender} != "female"', {"gender": "female"}) is False


def test_number_like_text_compares_numerically_with_numbers():
    assert value("${count} = 5", {"count": "5.0"}) is True
    assert value("${count} > 10", {"count": "9"}) is False  # as text '9' > '10'; as numbers not
    assert value("${age} = '18'", {"age": 18}) is True
    assert value("${amount} > 0.5", {"amount": Decimal("0.75")}) is True
    assert value("${amount} = 0.1", {"amount": Decimal("0.1")}) is True
    assert value("'abc' = 0") is False
    assert value("'10' = '10.0'") is False  # two texts compare as texts
    assert value("'10' < '9'") is False  # relational operators always compare numbers


def test_dates_compare_with_each_other_and_with_iso_text():
    answers = {"incident": datetime.date(2026, 5, 1)}
    assert value("${incident} > '2026-01-01'", answers) is True
    assert value("${incident} < '2026-01-01'", answers) is False
    assert value("${incident} = '2026-05-01'", answers) is True
    assert value("${incident} <= today()", answers) is True
    assert value(". <= today()", current=datetime.date(2027, 1, 1)) is False
    assert value("today() - ${incident}", answers) == (TODAY - datetime.date(2026, 5, 1)).days
    assert value("date('2026-05-01') = ${incident}", answers) is True
    assert value("${incident} > '2026-01-01'", {}) is False


def test_arithmetic_follows_xpath():
    assert value("7 div 2") == 3.5
    assert value("7 mod 3") == 1
    assert value("-7 mod 3") == -1
    assert value("2 + 3 * 4") == 14
    assert value("(2 + 3) * 4") == 20
    assert value("10 - 2 - 3") == 5
    assert value("--4") == 4
    assert value("- ${x}", {"x": 3}) == -3
    assert value("1 div 0") == math.inf
    assert value("-1 div 0") == -math.inf
    assert math.isnan(value("0 div 0"))
    assert math.isnan(value("5 mod 0"))
    assert math.isnan(value("${x} + 1", {}))
    assert value("${a}-${b}", {"a": 5, "b": 2}) == 3


def test_precedence_of_and_over_or_and_comparisons_over_and():
    assert value("1 = 1 or 1 = 2 and 1 = 2") is True
    assert value("(1 = 1 or 1 = 2) and 1 = 2") is False
    assert value("1 < 2 = 1") is True  # (1 < 2) = 1: true equals 1


def test_functions():
    assert value("not(${a} = 'x')", {"a": "y"}) is True
    assert value("string-length(${name})", {"name": "Дилноза"}) == 7
    assert value("string-length(.) >= 2", current="ab") is True
    assert value("string-length()", current="abc") == 3
    assert value("if(${age} >= 18, 'adult', 'minor')", {"age": 17}) == "minor"
    assert value("concat('a', 1, ${x}, 2.5)", {"x": "-"}) == "a1-2.5"
    assert value("int(-3.7)") == -3
    assert value("int('12.9')") == 12
    assert value("number('x')") != value("number('x')")  # NaN
    assert value("string(3)") == "3"
    assert value("string(0.5)") == "0.5"
    assert value("coalesce(${x}, 'none')") == "none"
    assert value("coalesce(${x}, 'none')", {"x": "given"}) == "given"
    assert value("round(1.2345, 2)") == 1.23
    assert value("round(2.5)") == 3
    assert value("contains('water dispute', 'water') and starts-with('abc', 'a') and ends-with('abc', 'c')")
    assert value("true() and not(false())") is True
    assert value("boolean('')") is False
    assert value("today()") == TODAY


def test_regex_matches_phone_numbers():
    constraint = parse("regex(., '^\\+?[0-9]{9,12}$')")
    assert constraint.evaluate({}, current="+992901234567") is True
    assert constraint.evaluate({}, current="90-123") is False
    assert constraint.evaluate({}, current="9" * 2000) is False  # over the answer cap: no match


@pytest.mark.parametrize(
    "pattern",
    ["^[a-z]+[a-z]+$", "[a-z]+$", "^(\\+992)?[0-9]{9}$", "^[A-Za-z ]+$", "^\\w+\\s?\\w+$", "(yes|no)x+"],
)
def test_accepted_patterns_answer_quickly_on_hostile_answers(pattern):
    constraint = parse(f"regex(., '{pattern}')")
    for hostile in ("a" * 999 + "!", " " * 999 + "!", "yes" * 333 + "!", "9" * 999 + "a"):
        started = time.perf_counter()
        constraint.evaluate({}, current=hostile)
        assert time.perf_counter() - started < 0.25, (pattern, hostile[:5])


def test_if_evaluates_only_the_branch_taken():
    assert value("if(true(), 'yes', 1 div 0)") == "yes"


def test_references_are_collected_without_duplicates():
    expression = parse("${a} > 1 and (${b} = 'x' or selected(${a}, 'y')) and ${ c } != ''")
    assert expression.references == frozenset({"a", "b", "c"})
    assert expression.uses_current is False
    assert parse("'${not_a_reference}'").references == frozenset()


def test_is_true_is_xpath_boolean():
    falsy: list[object] = [None, "", 0, 0.0, math.nan, [], False, Decimal(0)]
    assert [is_true(v) for v in falsy] == [False] * 8
    assert [is_true(v) for v in ("0", "false", 1, -0.5, ["a"], True, TODAY, Decimal("0.1"))] == [True] * 8


def test_to_string_writes_numbers_as_xpath_does():
    assert [to_string(v) for v in (3.0, 0.5, -2.0, math.nan, math.inf, 1e21, True, TODAY)] == [
        "3",
        "0.5",
        "-2",
        "NaN",
        "Infinity",
        "1000000000000000000000",
        "true",
        "2026-12-02",
    ]


def test_answers_of_an_unknown_type_are_a_programming_error():
    with pytest.raises(TypeError):
        parse("${x} = 1").evaluate({"x": object()})


# --- what is refused ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "code"),
    [
        ("/data/age > 15", 0, "syntax"),
        ("${age > 15", 0, "reference"),
        ("${1age} > 15", 0, "reference"),
        ("age > 15", 0, "bare_name"),
        ("pulldata('x', 'y', 'z', 'w')", 0, "function"),
        ("jr:choice-name(${x}, '${x}')", 0, "function"),
        ("position(..) = 1", 9, "syntax"),
        ("${a}[1]", 4, "syntax"),
        ("${a} | ${b}", 5, "syntax"),
        ("1 +", 3, "syntax"),
        ("(1 = 1", 6, "syntax"),
        ("1 = 1)", 5, "syntax"),
        ("'open text", 0, "syntax"),
        ("selected(${a})", 0, "arguments"),
        ("not(1, 2)", 0, "arguments"),
        ("if(1, 2)", 0, "arguments"),
        ("regex(., ${pattern})", 0, "regex"),
        ("regex(., '(a+)+$')", 0, "regex"),
        ("regex(., '(a|aa)*')", 0, "regex"),
        ("regex(., '(x\\d+)*y')", 0, "regex"),
        ("regex(., '(a)\\1')", 0, "regex"),
        ("regex(., '(?=a)')", 0, "regex"),
        ("regex(., '^a+b+c+')", 0, "regex"),
        ("regex(., '[a-z]+[a-z]+$')", 0, "regex"),  # unanchored: one long repetition only
        ("regex(., '^a+|b+c+$')", 0, "regex"),  # the ^ anchors the first branch only
        ("regex(., '^[a-z]{1,99}[a-z]{1,99}[a-z]{1,99}$')", 0, "regex"),
        ("regex(., '[')", 0, "regex"),
        ("", 0, "empty"),
        ("   ", 0, "empty"),
    ],
)
def test_outside_the_subset_is_refused_with_where_and_why(text, position, code):
    with pytest.raises(ExpressionError) as refused:
        parse(text)
    assert refused.value.position == position
    assert refused.value.code == code
    assert refused.value.message and refused.value.message in str(refused.value)
    assert isinstance(refused.value, ValueError)


def test_deep_nesting_is_refused_before_the_stack_is_exhausted():
    for opening in ("(", "not(", "-(", "if(1,2,"):
        times = (MAX_LENGTH - 1) // (len(opening) + 1)
        with pytest.raises(ExpressionError) as refused:
            parse(opening * times + "1" + ")" * times)
        assert refused.value.code == "too_deep"
    with pytest.raises(ExpressionError) as refused:
        parse("(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1))
    assert refused.value.code == "too_deep"
    assert value("(" * MAX_NESTING + "1" + ")" * MAX_NESTING) == 1
    with pytest.raises(ExpressionError):
        parse("-" * 1000 + "1")


def test_overlong_expression_is_refused():
    with pytest.raises(ExpressionError) as refused:
        parse("1 + " * MAX_LENGTH + "1")
    assert refused.value.code == "too_long"


def test_long_flat_chains_evaluate_without_deep_recursion():
    chain = " or ".join(f"selected(${{helps}}, 'c{index}')" for index in range(120))
    assert len(chain) < MAX_LENGTH
    assert parse(chain).evaluate({"helps": ["c119"]}) is True
    assert value(" + ".join(["1"] * 900)) == 900


# --- properties -----------------------------------------------------------------------------------------

small_integers = st.integers(min_value=-10_000, max_value=10_000)


@given(st.text(max_size=200))
@settings(max_examples=400, deadline=None)
def test_any_text_either_parses_or_is_refused_with_an_expression_error(text):
    try:
        expression = parse(text)
    except ExpressionError as refused:
        assert 0 <= refused.position <= len(text)
    else:
        assert expression.source == text


@given(small_integers, small_integers, st.sampled_from(["+", "-", "*", "=", "!=", "<", "<=", ">", ">="]))
def test_integer_arithmetic_and_comparison_match_python(left, right, operator):
    python = {"+": left + right, "-": left - right, "*": left * right, "=": left == right, "!=": left != right}
    python |= {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}
    assert value(f"${{a}} {operator} ${{b}}", {"a": left, "b": str(right)}) == python[operator]


answers = st.one_of(
    st.none(),
    st.text(max_size=12),
    small_integers,
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-1000, max_value=1000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
    st.dates(),
)
leaves = st.one_of(
    st.sampled_from(["${a}", "${b}", ".", "'a'", '"b c"', "0", "1.5", "today()", "'2026-01-01'"]),
    small_integers.map(str),
)


def _grow(children):
    binary = st.tuples(
        children,
        st.sampled_from(["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"]),
        children,
    ).map(lambda parts: f"({parts[0]} {parts[1]} {parts[2]})")
    unary = st.tuples(
        st.sampled_from(
            ["not", "count-selected", "string-length", "int", "number", "string", "round", "date", "boolean", "-"]
        ),
        children,
    ).map(lambda parts: f"-({parts[1]})" if parts[0] == "-" else f"{parts[0]}({parts[1]})")
    pair = st.tuples(
        st.sampled_from(["selected", "selected-at", "concat", "coalesce", "contains", "round", "regex"]),
        children,
        children,
    ).map(lambda parts: f"{parts[0]}({parts[1]}, {'^a' if parts[0] == 'regex' else parts[2]})")
    pair = pair.map(lambda text: text.replace(", ^a)", ", '^a')"))
    branch = st.tuples(children, children, children).map(lambda parts: f"if({parts[0]}, {parts[1]}, {parts[2]})")
    return binary | unary | pair | branch


expressions = st.recursive(leaves, _grow, max_leaves=12)


@given(expressions, answers, answers, answers)
@settings(max_examples=300, deadline=None)
def test_every_expression_of_the_subset_evaluates_to_a_value_for_any_answers(text, a, b, current):
    expression = parse(text)
    assert expression.references <= {"a", "b"}
    result = expression.evaluate({"a": a, "b": b}, current=current, today=TODAY)
    assert isinstance(result, str | float | bool | datetime.date)
    assert isinstance(is_true(result), bool)
    assert isinstance(to_string(result), str)


@given(expressions, answers)
@settings(max_examples=100, deadline=None)
def test_not_not_is_boolean(text, a):
    assert value(f"not(not({text}))", {"a": a}) == is_true(value(text, {"a": a}))
