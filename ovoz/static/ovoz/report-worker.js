// The report page's service worker (issue 14): keeps a copy of the report page, per language, for a
// resident without signal, and keeps a report written offline until it can be sent. One registration
// per language, with the scope /<language>/report/ (see offline.js). Served after offline-cache.js
// (keepPage, networkFirst), which the enumerators' worker shares.
//
// What it stores: the blank report page and its stylesheet and scripts (Cache Storage), and a report
// waiting to be sent (IndexedDB "ovoz-outbox"), deleted as soon as the server has answered it. The
// receipt is never stored here: the server keeps it sealed for one GET of /<language>/report/sent/,
// which the page opens once the report has been sent.
"use strict";

var CACHE = "ovoz-report-v1";
var DATABASE = "ovoz-outbox";
var STORE = "reports";
var scope = self.registration.scope;

self.addEventListener("install", function (event) {
  event.waitUntil(keepPage(CACHE, scope).catch(function () {}).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "GET" && request.mode === "navigate" && url.href === scope) {
    event.respondWith(networkFirst(CACHE, request, scope));
  } else if (request.method === "GET" && url.pathname.indexOf("/static/") === 0) {
    event.respondWith(networkFirst(CACHE, request, url.pathname));
  } else if (request.method === "POST" && request.mode === "navigate" && url.href === scope) {
    event.respondWith(sendOrKeep(request));
  }
});

// Online, the form goes to the server as it is. Without a connection the report is kept and the page
// comes back saying that it waits; only "Send" is kept, never the "Show districts" round trip.
function sendOrKeep(request) {
  var copy = request.clone();
  return fetch(request).catch(function (failure) {
    return copy.formData().then(function (form) {
      if (!form.has("submit")) { throw failure; }
      return keep(form).then(function () { return Response.redirect(scope, 303); });
    });
  });
}

var inStore = offlineStore(DATABASE, STORE);  // offline-store.js, served in front of this file

// The same form and text kept twice (a second tap on "Send") is one report: the server derives its
// idempotency key from the form's token and the text, and so does this key.
function keep(form) {
  var entries = [];
  form.forEach(function (value, name) { entries.push([name, value]); });
  var identity = (form.get("submission_token") || "") + "\n" + (form.get("text") || "");
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(identity)).then(function (digest) {
    var id = Array.prototype.map.call(new Uint8Array(digest), function (byte) {
      return ("0" + byte.toString(16)).slice(-2);
    }).join("");
    return inStore("readwrite", function (store) {
      store.put({ id: id, page: scope, entries: entries, keptAt: Date.now() });
    });
  });
}

function waiting() {
  return inStore("readonly", function (store) { return store.getAll(); }).then(function (all) {
    return all.filter(function (item) { return item.page === scope; });
  });
}

function forget(id) {
  return inStore("readwrite", function (store) { store.delete(id); });
}

// Sends the oldest waiting report, at most one: its receipt must be shown before the next is sent.
function sendOne() {
  return waiting().then(function (items) {
    if (!items.length) { return { state: "none" }; }
    items.sort(function (a, b) { return a.keptAt - b.keptAt; });
    var item = items[0];
    // A fresh blank form: proves the connection, renews the kept copy and gives a current CSRF token.
    return fetch(scope, { credentials: "same-origin", cache: "no-store" }).then(function (page) {
      if (!page.ok) { return { state: "waiting", count: items.length }; }
      var copy = page.clone();
      return page.text().then(function (html) {
        caches.open(CACHE).then(function (cache) { return cache.put(scope, copy); });
        var csrf = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html);
        var body = new FormData();
        item.entries.forEach(function (entry) { body.append(entry[0], entry[1]); });
        if (csrf) { body.set("csrfmiddlewaretoken", csrf[1]); }
        return fetch(scope, { method: "POST", body: body, credentials: "same-origin", redirect: "manual" });
      }).then(function (answer) {
        if (answer.type === "opaqueredirect") {
          return forget(item.id).then(function () { return { state: "sent", url: scope + "sent/" }; });
        }
        if (answer.status === 429 || answer.status >= 500) { return { state: "waiting", count: items.length }; }
        // Refused (a field to correct) or already sent: the server's page says so, with what was written.
        return answer.text().then(function (html) {
          return forget(item.id).then(function () { return { state: "answered", html: html }; });
        });
      });
    }, function () {
      return { state: "waiting", count: items.length };
    });
  });
}

var sending = null;

self.addEventListener("message", function (event) {
  var port = event.ports && event.ports[0];
  var reply = function (result) { if (port) { port.postMessage(result); } };
  var data = event.data || {};
  if (data.type === "send") {
    // One sending at a time: two pages asking at once must not post the same report twice.
    sending = sending || sendOne().then(function (result) { sending = null; return result; },
      function () { sending = null; return { state: "waiting" }; });
    event.waitUntil(sending.then(reply));
  } else if (data.type === "status") {
    event.waitUntil(waiting().then(function (items) {
      reply({ state: items.length ? "waiting" : "none", count: items.length });
    }));
  } else if (data.type === "discard") {
    event.waitUntil(waiting().then(function (items) {
      return Promise.all(items.map(function (item) { return forget(item.id); }));
    }).then(function () { reply({ state: "none", count: 0 }); }));
  }
});
