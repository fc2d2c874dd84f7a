// What the service workers of Ovoz share (served in front of each worker by ovoz.core.workers): keeping a
// page and the stylesheet and scripts it loads in Cache Storage, and answering from the network first,
// from that copy when there is no signal. Only pages without personal data are ever given to keepPage.
"use strict";

// The page at url, and the /static/ files it loads, kept in the cache named cacheName. A page that
// redirects (a signed-out visit goes to the login page) or fails is not kept.
function keepPage(cacheName, url) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (!response.ok || response.redirected) { return; }
    return caches.open(cacheName).then(function (cache) {
      return response.clone().text().then(function (html) {
        var assets = [];
        html.replace(/<(?:script[^>]+src|link[^>]+href)="(\/static\/[^"]+)"/g, function (_match, asset) {
          assets.push(asset);
        });
        return Promise.all([cache.put(url, response)].concat(assets.map(function (asset) {
          return fetch(asset).then(function (file) { return file.ok ? cache.put(asset, file) : null; });
        })));
      });
    });
  });
}

// The network's answer (kept as key when it is a plain same-origin success), else the kept copy.
function networkFirst(cacheName, request, key) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(cacheName).then(function (cache) { return cache.put(key, copy); });
    }
    return response;
  }, function () {
    return caches.match(key).then(function (cached) { return cached || Response.error(); });
  });
}
