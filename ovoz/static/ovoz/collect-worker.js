// The enumerators' service worker (docs/surveys.md "Enumerators"), scope /staff/surveys/collect/, served
// after offline-cache.js. It keeps the offline page of each round an enumerator opened
// (/staff/surveys/collect/<round>/offline/, the form only) and the files it loads, so the page opens
// without signal. It never keeps answers (the page keeps them in IndexedDB, encrypted), the key, the
// sync's replies or any other staff page: every other request goes to the network untouched.
"use strict";

var CACHE = "ovoz-collect-v1";
var OFFLINE_PAGE = /^\/staff\/surveys\/collect\/\d+\/offline\/$/;

self.addEventListener("install", function (event) {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") { return; }
  if (request.mode === "navigate" && OFFLINE_PAGE.test(url.pathname)) {
    event.respondWith(networkFirst(CACHE, request, url.pathname + url.search));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(networkFirst(CACHE, request, url.pathname));
  }
});

// The page asks for itself to be kept: its first visit came before this worker controlled it.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || typeof data.url !== "string") { return; }
  var url = new URL(data.url, self.location.origin);
  var port = event.ports && event.ports[0];
  var reply = function (isKept) { if (port) { port.postMessage({ kept: isKept }); } };
  if (url.origin === self.location.origin && OFFLINE_PAGE.test(url.pathname)) {
    event.waitUntil(keepPage(CACHE, url.pathname + url.search).then(function () {
      return caches.match(url.pathname + url.search);
    }).then(function (kept) { reply(!!kept); }, function () { reply(false); }));
  } else {
    reply(false);
  }
});
