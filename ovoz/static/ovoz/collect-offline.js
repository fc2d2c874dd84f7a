// Enumerators collecting without signal (docs/surveys.md "Enumerators"): the round's form page by page,
// with the skips and checks of xlsform.js; each finished interview is kept in IndexedDB encrypted with
// AES-GCM under the user's key, and sent to the server when there is a connection. The server reads every
// answer again and says, per interview, stored, duplicate (sent before) or refused (kept for correction).
//
// The key comes from /staff/surveys/collect/key/ while online and is kept in sessionStorage only: closing
// the browser tab forgets it, and what is kept on the phone can be read again only after signing in.
(function () {
  "use strict";
  var root = document.getElementById("collect-offline");
  if (!root || !window.OvozXlsform || !window.crypto || !crypto.subtle || !window.indexedDB) { return; }
  var X = window.OvozXlsform;
  var form = JSON.parse(document.getElementById("collect-form-definition").textContent);
  var strings = JSON.parse(document.getElementById("collect-strings").textContent);
  var roundId = parseInt(root.dataset.round, 10);
  var language = root.dataset.language;
  var DATABASE = "ovoz-collect", STORE = "interviews", SESSION = "ovoz-collect-key", BATCH = 50, MAX_BYTES = 600000;
  var element = function (id) { return document.getElementById(id); };
  var formElement = element("collect-form"), questionsElement = element("collect-questions");
  var summary = element("collect-errors"), statusElement = element("collect-status");
  var key = null, keyId = null, csrf = null, draft = null, syncing = null;

  function say(text) { statusElement.textContent = text; }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_match, name) { return String(values[name]); });
  }

  // --- the key ---------------------------------------------------------------------------------

  function askServer() {
    return fetch(root.dataset.keyUrl, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") < 0) { throw new Error("signed out"); }
        return response.json();
      }).then(function (data) {
        csrf = data.csrf;
        sessionStorage.setItem(SESSION, JSON.stringify({ key: data.key, key_id: data.key_id }));
        return data;
      });
  }

  // The key from the server when there is signal; from this tab's session only when there is none. A
  // server that answers "signed out" takes the kept key away too (someone signed out on this phone).
  function unlock() {
    var kept = sessionStorage.getItem(SESSION);
    return askServer().catch(function (failure) {
      if (failure && failure.message === "signed out") { sessionStorage.removeItem(SESSION); throw failure; }
      if (kept) { return JSON.parse(kept); }
      throw failure;
    }).then(function (data) {
      var bytes = new Uint8Array(data.key.match(/../g).map(function (pair) { return parseInt(pair, 16); }));
      keyId = data.key_id;
      return crypto.subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    }).then(function (imported) { key = imported; });
  }

  // --- the phone's store (IndexedDB), encrypted -------------------------------------------------

  var inStore = offlineStore(DATABASE, STORE);  // offline-store.js, loaded before this script

  function keep(interview, state) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var plain = new TextEncoder().encode(JSON.stringify(interview));
    var parameters = { name: "AES-GCM", iv: iv, additionalData: new TextEncoder().encode(interview.id) };
    return crypto.subtle.encrypt(parameters, key, plain).then(function (sealed) {
      return inStore("readwrite", function (store) {
        return store.put({ id: interview.id, keyId: keyId, round: interview.round, state: state, keptAt: Date.now(), iv: iv, data: sealed });
      });
    });
  }

  function open(record) {
    var parameters = { name: "AES-GCM", iv: record.iv, additionalData: new TextEncoder().encode(record.id) };
    return crypto.subtle.decrypt(parameters, key, record.data).then(function (plain) {
      return JSON.parse(new TextDecoder().decode(plain));
    });
  }

  // Only this user's interviews: another user of the same phone has another key.
  function mine() {
    return inStore("readonly", function (store) { return store.getAll(); }).then(function (all) {
      return (all || []).filter(function (record) { return record.keyId === keyId; });
    });
  }

  function forget(id) { return inStore("readwrite", function (store) { return store.delete(id); }); }

  function showKept() {
    return mine().then(function (records) {
      element("collect-count").textContent = fill(strings.count, { count: records.length });
      var list = element("collect-refused");
      list.textContent = "";
      // Corrected on the page of their own round only (the form differs from round to round).
      return Promise.all(records.filter(function (record) {
        return record.state === "refused" && record.round === roundId;
      }).map(open))
        .then(function (refused) {
          refused.forEach(function (interview) {
            var item = document.createElement("li");
            var reasons = [interview.message].concat(Object.keys(interview.errors || {}).map(function (name) {
              return interview.errors[name];
            })).filter(Boolean).join(" ");
            item.textContent = fill(strings.refused, { reason: reasons }) + " ";
            var button = document.createElement("button");
            button.type = "button";
            button.className = "secondary";
            button.textContent = strings.correct;
            button.addEventListener("click", function () { correct(interview); });
            item.appendChild(button);
            item.appendChild(document.createTextNode(" "));
            var discard = document.createElement("button");
            discard.type = "button";
            discard.className = "secondary";
            discard.textContent = strings.discard;
            discard.addEventListener("click", function () { forget(interview.id).then(showKept); });
            item.appendChild(discard);
            list.appendChild(item);
          });
        });
    });
  }

  // --- the form, page by page -----------------------------------------------------------------

  function fresh() {
    return { id: crypto.randomUUID(), round: roundId, language: language, started_at: new Date().toISOString(), answers: {}, index: 0, errors: {} };
  }

  function currentPage() {
    var shown = X.shownPages(form, draft.answers);
    draft.index = Math.max(0, Math.min(draft.index, shown.length - 1));
    return { shown: shown, position: shown[draft.index], page: form.pages[shown[draft.index]] };
  }

  function describedBy(input, name, hasHint, error) {
    var ids = (hasHint ? "h-" + name : "") + (error ? " e-" + name : "");
    if (ids.trim()) { input.setAttribute("aria-describedby", ids.trim()); }
  }

  function small(id, text) {
    var note = document.createElement("small");
    if (id) { note.id = id; }
    note.textContent = text;
    return note;
  }

  function errorLine(name, error) {
    var line = document.createElement("p");
    line.className = "error";
    line.id = "e-" + name;
    line.textContent = error;
    return line;
  }

  function questionField(question) {
    var name = question.name, value = draft.answers[name], error = draft.errors[name] || "";
    var label = X.textIn(question.labels, language, form.default_language);
    var hint = X.textIn(question.hints, language, form.default_language);
    var mark = question.required ? " (" + strings.requiredMark + ")" : "";
    if (question.type === "note") {
      var note = document.createElement("p");
      note.id = "q-" + name;
      note.textContent = label;
      return note;
    }
    if (question.type === "select_one" || question.type === "select_multiple") {
      var fieldset = document.createElement("fieldset");
      fieldset.id = "q-" + name;
      fieldset.className = "field" + (error ? " has-error" : "");
      describedBy(fieldset, name, !!hint, error);
      var legend = document.createElement("legend");
      legend.textContent = label + mark;
      fieldset.appendChild(legend);
      if (hint) { fieldset.appendChild(small("h-" + name, hint)); }
      if (error) { fieldset.appendChild(errorLine(name, error)); }
      (question.choices || []).forEach(function (choice) {
        var choiceLabel = document.createElement("label");
        choiceLabel.className = "choice";
        var input = document.createElement("input");
        input.type = question.type === "select_one" ? "radio" : "checkbox";
        input.name = name;
        input.value = choice.name;
        input.checked = Array.isArray(value) ? value.indexOf(choice.name) >= 0 : value === choice.name;
        choiceLabel.appendChild(input);
        choiceLabel.appendChild(document.createTextNode(" " + (X.textIn(choice.labels, language, form.default_language) || choice.name)));
        fieldset.appendChild(choiceLabel);
      });
      return fieldset;
    }
    var field = document.createElement("div");
    field.className = "field" + (error ? " has-error" : "");
    var fieldLabel = document.createElement("label");
    fieldLabel.htmlFor = "q-" + name;
    fieldLabel.textContent = label + mark;
    field.appendChild(fieldLabel);
    var control = document.createElement(question.type === "text" ? "textarea" : "input");
    control.id = "q-" + name;
    control.name = name;
    if (question.type === "text") { control.rows = 3; control.maxLength = 2000; } else {
      control.type = question.type === "date" ? "date" : "text";
      if (question.type === "integer") { control.inputMode = "numeric"; }
      if (question.type === "decimal") { control.inputMode = "decimal"; }
    }
    control.value = typeof value === "string" ? value : "";
    describedBy(control, name, !!hint, error);
    field.appendChild(control);
    if (question.type === "geopoint") { field.appendChild(small("", strings.geopointHint)); }
    if (hint) { field.appendChild(small("h-" + name, hint)); }
    if (error) { field.appendChild(errorLine(name, error)); }
    return field;
  }

  function render() {
    var current = currentPage(), page = current.page;
    var asked = X.relevantNames(form, X.typedAnswers(form, draft.answers));
    element("collect-page").textContent = fill(strings.page, { number: draft.index + 1, total: current.shown.length });
    var group = element("collect-group");
    group.hidden = page.group === null;
    group.textContent = page.group === null ? "" : X.textIn(form.questions[page.group].labels, language, form.default_language);
    questionsElement.textContent = "";
    var list = summary.querySelector("ul");
    list.textContent = "";
    page.questions.forEach(function (index) {
      var question = form.questions[index];
      if (!asked[question.name] || question.type === "calculate") { return; }
      questionsElement.appendChild(questionField(question));
      if (draft.errors[question.name]) {
        var item = document.createElement("li"), link = document.createElement("a");
        link.href = "#q-" + question.name;
        link.textContent = draft.errors[question.name];
        item.appendChild(link);
        list.appendChild(item);
      }
    });
    summary.hidden = !list.children.length;
    element("collect-back").hidden = draft.index === 0;
    element("collect-next").textContent = draft.index + 1 === current.shown.length ? strings.save : strings.next;
    formElement.hidden = false;
  }

  function submitted(page) {
    var values = {};
    page.questions.forEach(function (index) {
      var question = form.questions[index], name = question.name;
      if (question.type === "select_multiple") {
        values[name] = Array.prototype.map.call(formElement.querySelectorAll("input[name='" + CSS.escape(name) + "']:checked"), function (input) { return input.value; });
      } else if (question.type === "select_one") {
        var chosen = formElement.querySelector("input[name='" + CSS.escape(name) + "']:checked");
        values[name] = chosen ? chosen.value : "";
      } else {
        var control = formElement.querySelector("[name='" + CSS.escape(name) + "']");
        values[name] = control ? control.value : "";
      }
    });
    return values;
  }

  // The step answering.page_step takes on the server: read the page, then back, forward or the end.
  function step(goingBack) {
    var current = currentPage();
    var read = X.pageRead(form, current.page, submitted(current.page), draft.answers, language, strings);
    draft.answers = read.answers;
    if (!goingBack && Object.keys(read.errors).length) {
      draft.errors = read.errors;
      render();
      summary.focus();
      return;
    }
    draft.errors = {};
    var shown = X.shownPages(form, draft.answers);
    var position = shown.indexOf(current.position);
    if (position < 0) { position = draft.index; }
    if (goingBack) {
      draft.index = Math.max(position - 1, 0);
    } else if (position + 1 < shown.length) {
      draft.index = position + 1;
    } else {
      var interview = { id: draft.id, round: draft.round, language: draft.language, started_at: draft.started_at, answers: draft.answers };
      keep(interview, "waiting").then(function () {
        draft = fresh();
        render();
        say(strings.saved);
        window.scrollTo(0, 0);
        return showKept();
      }).then(send);
      return;
    }
    render();
    window.scrollTo(0, 0);
  }

  function correct(interview) {
    draft = { id: interview.id, round: interview.round, language: interview.language, started_at: interview.started_at, answers: interview.answers || {}, index: 0, errors: interview.errors || {} };
    render();
    formElement.scrollIntoView();
  }

  // --- sending --------------------------------------------------------------------------------

  function post(interviews) {
    return fetch(root.dataset.syncUrl, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf || "" },
      body: JSON.stringify({ interviews: interviews })
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.type === "opaqueredirect" || response.status === 403 || (response.ok && type.indexOf("application/json") < 0)) {
        throw new Error("signed out");
      }
      if (!response.ok) { throw new Error("not now"); }
      return response.json();
    });
  }

  function sendOnce() {
    return mine().then(function (records) {
      var waiting = records.filter(function (record) { return record.state === "waiting"; }).slice(0, BATCH);
      if (!waiting.length) { return 0; }
      return Promise.all(waiting.map(open)).then(function (opened) {
        // Under the server's limit for one request (1 MiB): the rest go in the next sending.
        var interviews = [], size = 0;
        opened.forEach(function (interview) {
          var length = JSON.stringify(interview).length;
          if (!interviews.length || size + length < MAX_BYTES) { interviews.push(interview); size += length; }
        });
        // A fresh CSRF token each time: it changes at every sign-in, and asking proves the connection.
        return askServer().then(function () { return post(interviews); }).then(function (answer) {
          var byId = {};
          interviews.forEach(function (interview) { byId[interview.id] = interview; });
          var sent = 0;
          return Promise.all(answer.results.map(function (result) {
            var interview = byId[result.id];
            if (!interview) { return null; }
            if (result.status === "stored" || result.status === "duplicate") { sent += 1; return forget(result.id); }
            interview.message = result.message;
            interview.errors = result.errors || {};
            return keep(interview, "refused");
          })).then(function () { return sent; });
        });
      });
    });
  }

  function send() {
    if (!key) { return Promise.resolve(); }
    if (navigator.onLine === false) { say(strings.offline); return Promise.resolve(); }
    syncing = syncing || sendOnce().then(function (sent) {
      say(sent ? fill(strings.sent, { count: sent }) : "");
    }, function (failure) {
      csrf = null;
      say(failure && failure.message === "signed out" ? strings.signIn : strings.offline);
    }).then(function () { syncing = null; return showKept(); });
    return syncing;
  }

  // --- start ----------------------------------------------------------------------------------

  formElement.addEventListener("submit", function (event) { event.preventDefault(); step(false); });
  element("collect-back").addEventListener("click", function () { step(true); });
  element("collect-send").addEventListener("click", send);
  window.addEventListener("online", send);
  setInterval(function () { if (navigator.onLine !== false) { send(); } }, 30000);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.workerUrl, { scope: root.dataset.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // This page, for this round and language, is kept for the next visit without signal; the page
      // says so (data-kept) once the worker has it.
      if (!registration.active) { return; }
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) { if (event.data && event.data.kept) { root.dataset.kept = "true"; } };
      registration.active.postMessage({ type: "keep", url: location.pathname + location.search }, [channel.port2]);
    }).catch(function () {});
  }

  unlock().then(function () {
    draft = fresh();
    render();
    return showKept();
  }).then(send, function () {
    say(strings.locked);
  });
})();
