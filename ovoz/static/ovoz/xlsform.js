// The XLSForm expression subset and form rules of ovoz/surveys/expressions.py, xpath.py and answering.py,
// for the enumerator's offline page (docs/surveys.md "Enumerators"). The server parses each expression
// and sends its tree as JSON (expressions.tree_json); this file only evaluates trees, never source text,
// and never calls eval(). It guides the enumerator: the server reads every answer again when it syncs.
// Kept in step with the Python by ovoz/surveys/tests/test_offline_parity.py (node runs this file).
(function (root, factory) {
  "use strict";
  if (typeof module === "object" && module.exports) { module.exports = factory(); } else { root.OvozXlsform = factory(); }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var MAX_REGEX_SUBJECT = 1000;
  var MIN_DAYS = -719162; // 0001-01-01, the first day Python's dates know
  var MAX_DAYS = 2932896; // 9999-12-31
  var DAY = 86400000;
  var XPATH_NUMBER = /^\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*$/;
  var ISO_DATE = /^\s*(\d{4})-(\d{2})-(\d{2})(?:T[0-9:.+\-Z]*)?\s*$/;

  // A date as days since 1970-01-01 (no time, no zone).
  function XDate(days) {
    if (!(days >= MIN_DAYS && days <= MAX_DAYS)) { throw new RangeError("date out of range"); }
    this.days = days;
  }
  XDate.prototype.iso = function () { return new Date(this.days * DAY).toISOString().slice(0, 10); };

  function isoDate(text) {
    var match = ISO_DATE.exec(text);
    if (!match) { return null; }
    var year = +match[1], month = +match[2], day = +match[3];
    if (year < 1 || month < 1 || month > 12 || day < 1) { return null; }
    var time = Date.UTC(2000, month - 1, day); // a leap year: checks the day against the month
    var check = new Date(time);
    if (check.getUTCMonth() !== month - 1) { return null; }
    var moment = new Date(0);
    moment.setUTCFullYear(year, month - 1, day);
    if (moment.getUTCDate() !== day) { return null; } // 29 February of a common year
    return new XDate(Math.round(moment.getTime() / DAY));
  }

  function isNumber(value) { return typeof value === "number"; }
  function isBoolean(value) { return typeof value === "boolean"; }

  function fromAnswer(answer) {
    if (answer === null || answer === undefined) { return ""; }
    if (Array.isArray(answer)) { return answer.join(" "); }
    return answer;
  }

  function isTrue(value) {
    if (value === null || value === undefined) { return false; }
    if (isBoolean(value)) { return value; }
    if (isNumber(value)) { return !(value === 0 || isNaN(value)); }
    if (typeof value === "string" || Array.isArray(value)) { return value.length > 0; }
    return true;
  }

  function toNumber(value) {
    value = fromAnswer(value);
    if (isBoolean(value)) { return value ? 1 : 0; }
    if (isNumber(value)) { return value; }
    if (value instanceof XDate) { return value.days; }
    return XPATH_NUMBER.test(value) ? parseFloat(value) : NaN;
  }

  // Python's repr in plain decimal notation: "1e-7" becomes "0.0000001".
  function plainDecimal(number) {
    var text = String(number);
    var match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
    if (!match) { return text; }
    var digits = match[2] + (match[3] || ""), point = match[2].length + parseInt(match[4], 10);
    if (point <= 0) { return match[1] + "0." + new Array(1 - point).join("0") + digits; }
    if (point >= digits.length) { return match[1] + digits + new Array(point - digits.length + 1).join("0"); }
    return match[1] + digits.slice(0, point) + "." + digits.slice(point);
  }

  function toString(value) {
    value = fromAnswer(value);
    if (isBoolean(value)) { return value ? "true" : "false"; }
    if (isNumber(value)) {
      if (isNaN(value)) { return "NaN"; }
      if (!isFinite(value)) { return value > 0 ? "Infinity" : "-Infinity"; }
      if (Number.isInteger(value)) { return BigInt(value).toString(); }
      return plainDecimal(value);
    }
    if (value instanceof XDate) { return value.iso(); }
    return value;
  }

  function toDate(value) {
    if (value instanceof XDate) { return value; }
    return typeof value === "string" ? isoDate(value) : null;
  }

  function ordered(operator, left, right) {
    if (operator === "<") { return left < right; }
    if (operator === "<=") { return left <= right; }
    if (operator === ">") { return left > right; }
    return left >= right;
  }

  function equal(left, right) {
    if (isBoolean(left) || isBoolean(right)) { return isTrue(left) === isTrue(right); }
    if (isNumber(left) || isNumber(right)) { return toNumber(left) === toNumber(right); }
    if (left instanceof XDate || right instanceof XDate) {
      var leftDate = toDate(left), rightDate = toDate(right);
      if (leftDate && rightDate) { return leftDate.days === rightDate.days; }
    }
    return toString(left) === toString(right);
  }

  function compare(operator, left, right) {
    if (operator === "=" || operator === "!=") {
      var same = equal(left, right);
      return operator === "=" ? same : !same;
    }
    if (!isNumber(left) && !isBoolean(left) && !isNumber(right) && !isBoolean(right)) {
      var leftDate = toDate(left), rightDate = toDate(right);
      if (leftDate && rightDate) { return ordered(operator, leftDate.days, rightDate.days); }
    }
    return ordered(operator, toNumber(left), toNumber(right));
  }

  function isNegative(number) { return number < 0 || (number === 0 && 1 / number < 0); }

  function arithmetic(operator, left, right) {
    if (operator === "+") { return left + right; }
    if (operator === "-") { return left - right; }
    if (operator === "*") { return left * right; }
    if (operator === "div") {
      if (right === 0) {
        if (left === 0 || isNaN(left)) { return NaN; }
        return (isNegative(left) ? -Infinity : Infinity) * (isNegative(right) ? -1 : 1);
      }
      return left / right;
    }
    if (right === 0 || !isFinite(left) || isNaN(right)) { return NaN; }
    return left % right; // the sign of the dividend, as XPath and fmod
  }

  function choices(value) { return toString(value).split(/\s+/).filter(Boolean); }

  function increment(digits) {
    var list = digits.split(""), index = list.length - 1;
    while (index >= 0) {
      if (list[index] === "9") { list[index] = "0"; index -= 1; } else { list[index] = String(+list[index] + 1); return list.join(""); }
    }
    return "1" + list.join("");
  }

  // round(): half away from zero on the number's shortest decimal text, as Python's Decimal quantize.
  function round(number, places) {
    if (isNaN(number) || !isFinite(number) || isNaN(places) || Math.abs(number) >= 1e15) { return number; }
    places = Math.trunc(Math.max(-15, Math.min(15, places)));
    var text = plainDecimal(Math.abs(number)), parts = text.split(".");
    var whole = parts[0].replace(/^0+(?=\d)/, ""), fraction = parts[1] || "";
    if ((whole === "0" ? 0 : whole.length) + places > 28) { throw new RangeError("too many digits"); }
    var digits = whole + fraction, keep = whole.length + places, result;
    if (keep < 0) {
      result = "0";
    } else if (keep >= digits.length) {
      result = digits + new Array(keep - digits.length + 1).join("0");
    } else {
      result = digits.slice(0, keep) || "0";
      if (digits.charAt(keep) >= "5") { result = increment(result); }
    }
    var value;
    if (places >= 0) {
      var integer = result.slice(0, result.length - places) || "0", decimals = result.slice(result.length - places);
      value = parseFloat(integer + (decimals ? "." + decimals : ""));
    } else {
      value = parseFloat(result + new Array(-places + 1).join("0"));
    }
    return number < 0 || (number === 0 && isNegative(number)) ? -value : value;
  }

  function dateOf(value) {
    if (isNumber(value)) {
      if (isNaN(value) || Math.abs(value) > 2000000) { return ""; }
      return new XDate(Math.floor(value));
    }
    return toDate(value) || "";
  }

  function length(text) { return Array.from(text).length; }

  function today() {
    var now = new Date();
    return new XDate(Math.round(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) / DAY));
  }

  var SIMPLE = {
    "not": function (v) { return !isTrue(v[0]); },
    "true": function () { return true; },
    "false": function () { return false; },
    "boolean": function (v) { return isTrue(v[0]); },
    "selected": function (v) { return choices(v[0]).indexOf(toString(v[1]).trim()) >= 0; },
    "selected-at": function (v) {
      var items = choices(v[0]), index = toNumber(v[1]);
      return !isNaN(index) && index >= 0 && index < items.length ? items[Math.trunc(index)] : "";
    },
    "count-selected": function (v) { return choices(v[0]).length; },
    "concat": function (v) { return v.map(toString).join(""); },
    "int": function (v) { var n = toNumber(v[0]); return isNaN(n) || !isFinite(n) ? n : Math.trunc(n); },
    "number": function (v) { return toNumber(v[0]); },
    "string": function (v) { return toString(v[0]); },
    "round": function (v) { return round(toNumber(v[0]), v.length > 1 ? toNumber(v[1]) : 0); },
    "contains": function (v) { return toString(v[0]).indexOf(toString(v[1])) >= 0; },
    "starts-with": function (v) { return toString(v[0]).indexOf(toString(v[1])) === 0; },
    "ends-with": function (v) {
      var text = toString(v[0]), end = toString(v[1]);
      return text.length >= end.length && text.slice(text.length - end.length) === end;
    },
    "date": function (v) { return dateOf(v[0]); }
  };

  var patterns = {};
  function pattern(source) {
    if (!(source in patterns)) {
      try { patterns[source] = new RegExp(source); } catch (error) { patterns[source] = null; }
    }
    return patterns[source];
  }

  function evaluateNode(node, context) {
    if ("s" in node) { return node.s; }
    if ("n" in node) { return node.n; }
    if ("r" in node) { return fromAnswer(context.answers[node.r]); }
    if ("c" in node) { return context.current; }
    if ("neg" in node) { return -toNumber(evaluateNode(node.neg, context)); }
    if ("first" in node) {
      var value = evaluateNode(node.first, context);
      node.rest.forEach(function (step) {
        var operator = step[0];
        if (operator === "or") { value = isTrue(value) || isTrue(evaluateNode(step[1], context)); }
        else if (operator === "and") { value = isTrue(value) && isTrue(evaluateNode(step[1], context)); }
        else if (["=", "!=", "<", "<=", ">", ">="].indexOf(operator) >= 0) { value = compare(operator, value, evaluateNode(step[1], context)); }
        else { value = arithmetic(operator, toNumber(value), toNumber(evaluateNode(step[1], context))); }
      });
      return value;
    }
    if ("f" in node) { return call(node, context); }
    throw new Error("an expression the server could not read");
  }

  function call(node, context) {
    var name = node.f, args = node.a;
    if (name === "if") { return evaluateNode(args[isTrue(evaluateNode(args[0], context)) ? 1 : 2], context); }
    if (name === "coalesce") {
      var first = evaluateNode(args[0], context);
      return toString(first) !== "" ? first : evaluateNode(args[1], context);
    }
    if (name === "today") { return context.today || today(); }
    var values = args.map(function (argument) { return evaluateNode(argument, context); });
    if (name === "string-length") { return length(toString(values.length ? values[0] : context.current)); }
    if (name === "regex") {
      var compiled = pattern(node.p), subject = toString(values[0]);
      // A pattern this browser cannot read is left to the server, which reads every answer again.
      if (compiled === null) { return true; }
      return length(subject) <= MAX_REGEX_SUBJECT && compiled.test(subject);
    }
    return SIMPLE[name](values);
  }

  // The tree's value over the answers (name -> typed answer), or null when it cannot be worked out
  // (the server's answering._evaluate gives None then).
  function evaluate(tree, answers, current, day) {
    try {
      return evaluateNode(tree, { answers: answers || {}, current: fromAnswer(current), today: day || null });
    } catch (error) {
      return null;
    }
  }

  // --- the form (answering.py) -------------------------------------------------------------------

  var GROUP_TYPES = ["begin_group", "begin_repeat"];
  var END_TYPES = ["end_group", "end_repeat"];
  var ANSWERED = ["text", "integer", "decimal", "select_one", "select_multiple", "date", "geopoint", "calculate"];
  var NUMBER_SPACES = /[\s\u00a0\u202f']/g;
  var DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
  var PLAIN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

  function textIn(texts, language, defaultLanguage) {
    texts = texts || {};
    var any = Object.keys(texts).map(function (key) { return texts[key]; })[0] || "";
    return texts[language] || texts[defaultLanguage] || any;
  }

  function isEmpty(raw) { return raw === null || raw === undefined || raw === "" || (Array.isArray(raw) && !raw.length); }

  function typedValue(question, raw) {
    if (isEmpty(raw)) { return null; }
    var kind = question.type;
    if (kind === "integer") { return /^\s*[+-]?\d+\s*$/.test(String(raw)) ? Number(raw) : null; }
    if (kind === "decimal") { return DECIMAL.test(String(raw).trim()) ? Number(String(raw).trim()) : null; }
    if (kind === "date") { return /^\d{4}-\d{2}-\d{2}$/.test(String(raw)) ? isoDate(String(raw)) : null; }
    if (kind === "select_multiple") { return Array.isArray(raw) ? raw.slice() : String(raw).split(/\s+/).filter(Boolean); }
    return raw;
  }

  function typedAnswers(form, stored) {
    var answers = {};
    form.questions.forEach(function (question) {
      if (question.type === "calculate") {
        var calculation = (question.trees || {}).calculation;
        answers[question.name] = calculation ? evaluate(calculation, answers) : null;
      } else if (ANSWERED.indexOf(question.type) >= 0 && Object.prototype.hasOwnProperty.call(stored, question.name)) {
        answers[question.name] = typedValue(question, stored[question.name]);
      }
    });
    return answers;
  }

  function relevantNames(form, answers) {
    var asked = {}, stack = [];
    form.questions.forEach(function (question) {
      if (END_TYPES.indexOf(question.type) >= 0) { stack.pop(); return; }
      var enclosing = stack.every(Boolean);
      var source = (question.trees || {}).relevant;
      var isAsked = enclosing && (!source || isTrue(evaluate(source, answers)));
      if (isAsked) { asked[question.name] = true; }
      if (GROUP_TYPES.indexOf(question.type) >= 0) { stack.push(isAsked); }
    });
    return asked;
  }

  function pageIsShown(form, page, asked) {
    if (page.group !== null && !asked[form.questions[page.group].name]) { return false; }
    return page.questions.some(function (index) {
      var question = form.questions[index];
      return asked[question.name] && question.type !== "calculate";
    });
  }

  // The positions (in form.pages) of the pages shown with these answers.
  function shownPages(form, stored) {
    var asked = relevantNames(form, typedAnswers(form, stored));
    var shown = [];
    form.pages.forEach(function (page, index) { if (pageIsShown(form, page, asked)) { shown.push(index); } });
    return shown;
  }

  // One question's submitted text (or list) as the kept answer, or an error (a key of messages).
  function read(question, submitted) {
    var kind = question.type;
    var names = (question.choices || []).map(function (choice) { return choice.name; });
    if (kind === "select_multiple") {
      var values = (submitted || []).filter(Boolean);
      if (values.some(function (value) { return names.indexOf(value) < 0; })) { return [null, "choose"]; }
      var kept = names.filter(function (name) { return values.indexOf(name) >= 0; });
      return [kept.length ? kept : null, null];
    }
    var text = String(submitted || "").trim();
    if (!text) { return [null, null]; }
    if (kind === "select_one") { return names.indexOf(text) >= 0 ? [text, null] : [null, "choose"]; }
    if (kind === "integer") {
      var whole = text.replace(NUMBER_SPACES, "");
      return /^[+-]?\d+$/.test(whole) ? [String(BigInt(whole)), null] : [null, "whole"];
    }
    if (kind === "decimal") {
      var number = text.replace(NUMBER_SPACES, "").replace(",", ".");
      return DECIMAL.test(number) ? [number, null] : [null, "number"];
    }
    if (kind === "date") { return isoDate(text) && /^\d{4}-\d{2}-\d{2}$/.test(text) ? [text, null] : [null, "date"]; }
    if (kind === "geopoint") {
      var parts = text.replace(/,/g, " ").split(/\s+/).filter(Boolean);
      if (parts.length < 2 || !PLAIN.test(parts[0]) || !PLAIN.test(parts[1])) { return [null, "geopoint"]; }
      var latitude = Number(parts[0]), longitude = Number(parts[1]);
      if (!(latitude >= -90 && latitude <= 90 && longitude >= -180 && longitude <= 180)) { return [null, "geopoint"]; }
      return [round(latitude, 2) + " " + round(longitude, 2), null];
    }
    return [Array.from(text).slice(0, 2000).join(""), null];
  }

  // The page's answers read from submitted (name -> text or list) over stored, and the errors by
  // question name, in messages' words and the form's own messages in language.
  function pageRead(form, page, submitted, stored, language, messages) {
    var updated = Object.assign({}, stored), errors = {};
    var questions = page.questions.map(function (index) { return form.questions[index]; });
    questions.forEach(function (question) {
      if (ANSWERED.indexOf(question.type) < 0 || question.type === "calculate") { return; }
      var result = read(question, submitted[question.name]);
      updated[question.name] = result[0];
      if (result[1]) { errors[question.name] = messages[result[1]]; }
    });
    var answers = typedAnswers(form, updated), asked = relevantNames(form, answers);
    questions.forEach(function (question) {
      var name = question.name;
      if (name in errors || question.type === "note" || question.type === "calculate") { return; }
      if (!asked[name]) { delete updated[name]; return; }
      var value = name in answers ? answers[name] : null;
      var required = question.required || ((question.trees || {}).required_source && isTrue(evaluate(question.trees.required_source, answers)));
      if (value === null) {
        if (required) { errors[name] = textIn(question.required_messages, language, form.default_language) || messages.required; }
        return;
      }
      var constraint = (question.trees || {}).constraint;
      if (constraint && !isTrue(evaluate(constraint, answers, value))) {
        errors[name] = textIn(question.constraint_messages, language, form.default_language) || messages.notAccepted;
      }
    });
    return { answers: updated, errors: errors };
  }

  return {
    XDate: XDate,
    evaluate: evaluate,
    isTrue: isTrue,
    toString: toString,
    toNumber: toNumber,
    textIn: textIn,
    typedAnswers: typedAnswers,
    relevantNames: relevantNames,
    shownPages: shownPages,
    pageRead: pageRead,
    read: read
  };
});
