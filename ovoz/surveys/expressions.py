"""The XLSForm expression subset Ovoz runs: ``relevant``, ``constraint``, ``required`` and ``calculate``.

Literals ('text', "text", 12, 1.5), ``${name}`` references, ``.`` (the value being checked, in a
constraint), comparisons, arithmetic (+ - * div mod), ``and``, ``or``, parentheses and a short list of
functions (FUNCTIONS). Values follow XPath 1.0 as ODK's JavaRosa applies it: an unanswered question is
'' (so ``${age} > 15`` is false and ``${age} = ''`` true), a select_multiple is its space-separated
choice names, a comparison with a number is numeric, and a date compares with a 'YYYY-MM-DD' string as
a date. Numbers are floats (XPath numbers are doubles): ``evaluate`` returns str, float, bool or date.

Why not a library: elementpath evaluates full XPath over an XML document, so it would need the form's
answers rebuilt as an XForm instance, would accept far more than Ovoz can run on SMS or Telegram (paths,
axes, predicates) and gives no offsets we can show next to a spreadsheet cell; pyxform only rewrites
``${name}`` into paths and does not evaluate. A hand-written recursive-descent parser over this small
grammar is shorter than either adapter. It never calls eval(), and it bounds the text's length and
the nesting depth so a hostile form cannot exhaust the stack; regex() takes only a literal, simple
pattern (compiled when the form is imported) so an answer cannot trigger catastrophic backtracking.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import timezone

from ovoz.surveys.xpath import (
    MAX_REGEX_SUBJECT,
    SIMPLE_FUNCTIONS,
    Value,
    arithmetic,
    compare,
    from_answer,
    is_risky_pattern,
    is_true,
    to_number,
    to_string,
)

MAX_LENGTH = 4000  # characters of one expression
MAX_NESTING = 32  # parentheses and function calls inside one another
MAX_REGEX_LENGTH = 200

NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_REFERENCE = re.compile(r"\$\{\s*(" + NAME + r")\s*\}")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z_][A-Za-z0-9_\-]*)?")

__all__ = ["FUNCTIONS", "Expression", "ExpressionError", "is_true", "parse", "to_number", "to_string"]


class ExpressionError(ValueError):
    """An expression outside the subset. ``message`` is English (import problems are listed in the
    language the form was written in, which is English for these), ``position`` the 0-based offset."""

    def __init__(self, message: str, position: int, *, code: str = "syntax") -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position
        self.code = code


# --- the tree ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: str | float


@dataclass(frozen=True)
class Reference:
    name: str


@dataclass(frozen=True)
class Current:
    pass


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Chain:
    """Operands joined by operators of one precedence level, left to right (no deep trees for long
    ``or`` lists, so evaluation depth follows nesting only)."""

    first: Node
    rest: tuple[tuple[str, Node], ...]


@dataclass(frozen=True)
class Call:
    name: str
    arguments: tuple[Node, ...]
    pattern: re.Pattern[str] | None = None  # regex() only


Node = Literal | Reference | Current | Negate | Chain | Call


@dataclass(frozen=True)
class Expression:
    """A parsed expression; ``references`` are the ``${name}`` it reads."""

    source: str
    references: frozenset[str]
    uses_current: bool = False
    tree: Node = field(default=Literal(""), repr=False, compare=False)

    def evaluate(
        self, answers: Mapping[str, object], *, current: object = None, today: datetime.date | None = None
    ) -> object:
        """The expression's value over ``answers`` (question name -> answer, missing = unanswered):
        str, float, bool or datetime.date. ``today`` fixes today() (tests, replays)."""
        context = _Context(answers, from_answer(current), today)
        return _evaluate(self.tree, context)


# --- tokens ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # string number reference dot name operator ( ) , end
    text: str
    position: int


_OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char in "'\"":
            end = text.find(char, index + 1)
            if end < 0:
                raise ExpressionError("a text in quotes is not closed", index)
            tokens.append(_Token("string", text[index + 1 : end], index))
            index = end + 1
        elif char == "$":
            match = _REFERENCE.match(text, index)
            if match is None:
                raise ExpressionError("a reference must look like ${question_name}", index, code="reference")
            tokens.append(_Token("reference", match.group(1), index))
            index = match.end()
        elif number := _NUMBER.match(text, index):
            tokens.append(_Token("number", number.group(), index))
            index = number.end()
        elif text.startswith("..", index):
            raise ExpressionError("'..' (the parent) is not supported; refer to questions as ${name}", index)
        elif char == ".":
            tokens.append(_Token("dot", ".", index))
            index += 1
        elif char in "(),":
            tokens.append(_Token(char, char, index))
            index += 1
        elif name := _FUNCTION_NAME.match(text, index):
            tokens.append(_Token("name", name.group(), index))
            index = name.end()
        elif operator := next((op for op in _OPERATORS if text.startswith(op, index)), None):
            tokens.append(_Token("operator", operator, index))
            index += len(operator)
        elif char == "/":
            raise ExpressionError("paths such as /data/question are not supported; use ${question}", index)
        else:
            raise ExpressionError(f"the character {char!r} is not supported here", index)
    tokens.append(_Token("end", "", len(text)))
    return tokens


# --- functions ---------------------------------------------------------------------------------------

# name -> (fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "boolean": (1, 1),
    "selected": (2, 2),
    "selected-at": (2, 2),
    "count-selected": (1, 1),
    "string-length": (0, 1),
    "if": (3, 3),
    "concat": (0, None),
    "int": (1, 1),
    "number": (1, 1),
    "string": (1, 1),
    "round": (1, 2),
    "coalesce": (2, 2),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "today": (0, 0),
    "date": (1, 1),
    "regex": (2, 2),
}


def _compile_pattern(argument: Node, position: int) -> re.Pattern[str]:
    if not isinstance(argument, Literal) or not isinstance(argument.value, str):
        raise ExpressionError("regex() takes its pattern as a text in quotes", position, code="regex")
    pattern = argument.value
    if len(pattern) > MAX_REGEX_LENGTH or is_risky_pattern(pattern):
        raise ExpressionError(
            "this regex() pattern is too complex (nested repetition, back-references or look-around)",
            position,
            code="regex",
        )
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ExpressionError(f"regex() pattern is not valid: {error.msg}", position, code="regex") from None


# --- the parser --------------------------------------------------------------------------------------

_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"or"}),
    frozenset({"and"}),
    frozenset({"=", "!="}),
    frozenset({"<", "<=", ">", ">="}),
    frozenset({"+", "-"}),
    frozenset({"*", "div", "mod"}),
)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.nesting = 0
        self.references: set[str] = set()
        self.uses_current = False

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, kind: str, what: str) -> _Token:
        if self.token.kind != kind:
            raise ExpressionError(f"expected {what}, found {self._describe(self.token)}", self.token.position)
        return self.advance()

    @staticmethod
    def _describe(token: _Token) -> str:
        return "the end of the expression" if token.kind == "end" else repr(token.text)

    def parse(self) -> Node:
        tree = self.level(0)
        if self.token.kind != "end":
            raise ExpressionError(f"unexpected {self._describe(self.token)}", self.token.position)
        return tree

    def level(self, depth: int) -> Node:
        if depth == len(_LEVELS):
            return self.unary()
        first = self.level(depth + 1)
        rest: list[tuple[str, Node]] = []
        while self.token.kind in ("operator", "name") and self.token.text in _LEVELS[depth]:
            operator = self.advance().text
            rest.append((operator, self.level(depth + 1)))
        return Chain(first, tuple(rest)) if rest else first

    def unary(self) -> Node:
        start = self.token.position
        negations = 0
        while self.token.kind == "operator" and self.token.text == "-":
            self.advance()
            negations += 1
            if negations > MAX_NESTING:
                raise ExpressionError("too many minus signs in a row", start, code="too_deep")
        node = self.primary()
        if negations == 0:
            return node
        return Negate(node) if negations % 2 else Call("number", (node,))

    def primary(self) -> Node:
        token = self.advance()
        if token.kind == "string":
            return Literal(token.text)
        if token.kind == "number":
            return Literal(float(token.text))
        if token.kind == "reference":
            self.references.add(token.text)
            return Reference(token.text)
        if token.kind == "dot":
            self.uses_current = True
            return Current()
        if token.kind == "(":
            self.enter(token)
            node = self.level(0)
            self.expect(")", "')'")
            self.nesting -= 1
            return node
        if token.kind == "name":
            return self.call(token)
        raise ExpressionError(f"expected a value, found {self._describe(token)}", token.position)

    def enter(self, token: _Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExpressionError("the expression is nested too deeply", token.position, code="too_deep")

    def call(self, name: _Token) -> Node:
        if self.token.kind != "(":
            raise ExpressionError(
                f"{name.text!r} is not supported here; refer to questions as ${{{name.text}}}",
                name.position,
                code="bare_name",
            )
        if name.text not in FUNCTIONS:
            raise ExpressionError(f"the function {name.text}() is not supported", name.position, code="function")
        self.enter(self.advance())
        arguments: list[Node] = []
        if self.token.kind != ")":
            arguments.append(self.level(0))
            while self.token.kind == ",":
                self.advance()
                arguments.append(self.level(0))
        self.expect(")", "',' or ')'")
        self.nesting -= 1
        fewest, most = FUNCTIONS[name.text]
        if len(arguments) < fewest or (most is not None and len(arguments) > most):
            wanted = str(fewest) if fewest == most else f"{fewest} or more" if most is None else f"{fewest} to {most}"
            raise ExpressionError(
                f"{name.text}() takes {wanted} {'argument' if wanted == '1' else 'arguments'}, not {len(arguments)}",
                name.position,
                code="arguments",
            )
        if name.text == "regex":
            return Call(name.text, tuple(arguments), _compile_pattern(arguments[1], name.position))
        return Call(name.text, tuple(arguments))


def parse(text: str) -> Expression:
    """Parse one expression of the subset; ExpressionError (with the offset) for anything else."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters", MAX_LENGTH, code="too_long")
    if not text.strip():
        raise ExpressionError("the expression is empty", 0, code="empty")
    parser = _Parser(text)
    tree = parser.parse()
    return Expression(text, frozenset(parser.references), parser.uses_current, tree)


# --- values ------------------------------------------------------------------------------------------


# --- evaluation --------------------------------------------------------------------------------------


@dataclass
class _Context:
    answers: Mapping[str, object]
    current: Value
    today: datetime.date | None


def _evaluate(node: Node, context: _Context) -> Value:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Reference):
        return from_answer(context.answers.get(node.name))
    if isinstance(node, Current):
        return context.current
    if isinstance(node, Negate):
        return -to_number(_evaluate(node.operand, context))
    if isinstance(node, Chain):
        return _evaluate_chain(node, context)
    return _call(node, context)


def _evaluate_chain(node: Chain, context: _Context) -> Value:
    value = _evaluate(node.first, context)
    for operator, operand in node.rest:
        if operator == "or":
            value = is_true(value) or is_true(_evaluate(operand, context))
        elif operator == "and":
            value = is_true(value) and is_true(_evaluate(operand, context))
        elif operator in ("=", "!=", "<", "<=", ">", ">="):
            value = compare(operator, value, _evaluate(operand, context))
        else:
            value = arithmetic(operator, to_number(value), to_number(_evaluate(operand, context)))
    return value


def _call(node: Call, context: _Context) -> Value:
    name = node.name
    if name == "if":  # only the branch taken is evaluated
        condition = is_true(_evaluate(node.arguments[0], context))
        return _evaluate(node.arguments[1 if condition else 2], context)
    if name == "coalesce":
        first = _evaluate(node.arguments[0], context)
        return first if to_string(first) != "" else _evaluate(node.arguments[1], context)
    if name == "today":
        return context.today or timezone.localdate()
    values = [_evaluate(argument, context) for argument in node.arguments]
    if name == "string-length":
        return float(len(to_string(values[0] if values else context.current)))
    if name == "regex":
        assert node.pattern is not None  # noqa: S101 - set by the parser for every regex() call
        subject = to_string(values[0])
        return len(subject) <= MAX_REGEX_SUBJECT and node.pattern.search(subject) is not None
    return SIMPLE_FUNCTIONS[name](values)


# --- the tree as JSON, for the browser (static/ovoz/xlsform.js evaluates it) ------------------------


def tree_json(node: Node) -> dict[str, object]:
    """A parsed tree as plain JSON, the shape ``xlsform.js`` evaluates offline: ``{"s": text}``,
    ``{"n": number}``, ``{"r": name}``, ``{"c": 1}`` (the current value), ``{"neg": tree}``,
    ``{"first": tree, "rest": [[operator, tree], ...]}`` and ``{"f": name, "a": [trees], "p": pattern}``."""
    if isinstance(node, Literal):
        return {"s": node.value} if isinstance(node.value, str) else {"n": node.value}
    if isinstance(node, Reference):
        return {"r": node.name}
    if isinstance(node, Current):
        return {"c": 1}
    if isinstance(node, Negate):
        return {"neg": tree_json(node.operand)}
    if isinstance(node, Chain):
        return {
            "first": tree_json(node.first),
            "rest": [[operator, tree_json(operand)] for operator, operand in node.rest],
        }
    call: dict[str, object] = {"f": node.name, "a": [tree_json(argument) for argument in node.arguments]}
    if node.pattern is not None:
        call["p"] = node.pattern.pattern
    return call
