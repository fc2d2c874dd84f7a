// Reporting without signal (issue 14): the report page's service worker keeps a report written offline;
// this says so and has it sent when the signal is back (the receipt opens on /<lang>/report/sent/).
(function () {
  "use strict";
  var notice = document.getElementById("offline-outbox");
  var scope = location.pathname;
  if (!notice || !("serviceWorker" in navigator) || !/^\/[a-z-]+\/report\/$/.test(scope)) { return; }
  var text = notice.querySelector("p");
  var discard = notice.querySelector("button");
  var worker = null;
  var retry = null;
  var delay = 2000;  // doubled after each retry up to 15 s

  function ask(type) {
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) { resolve(event.data || {}); };
      worker.postMessage({ type: type }, [channel.port2]);
    });
  }

  function show(result) {
    var isWaiting = result.state === "waiting";
    notice.hidden = !isWaiting;
    if (isWaiting) { text.textContent = notice.dataset.waiting; }
    if (isWaiting && !retry) { retry = setTimeout(function () { retry = null; delay = Math.min(delay * 2, 15000); send(); }, delay); }
    if (!isWaiting) { reset(); }
  }

  function reset() { clearTimeout(retry); retry = null; delay = 2000; }

  function send() {
    if (!worker) { return; }
    ask("send").then(function (result) {
      if (result.state === "sent") {
        location.assign(result.url);
      } else if (result.state === "answered") {
        // The server refused the report or had it already: its own page says what to do.
        document.open();
        document.write(result.html);
        document.close();
      } else {
        show(result);
      }
    });
  }

  discard.addEventListener("click", function () {
    ask("discard").then(show);
  });
  // The first try when the signal returns often fails (the worker is offline a moment longer).
  window.addEventListener("online", function () { reset(); send(); });

  navigator.serviceWorker.register("/report-worker.js", { scope: scope }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function () {
    return navigator.serviceWorker.getRegistration(scope);
  }).then(function (registration) {
    worker = registration && registration.active;
    if (!worker) { return; }
    ask("status").then(function (result) {
      show(result);
      if (result.state === "waiting" && navigator.onLine !== false) { send(); }
    });
  });
})();
