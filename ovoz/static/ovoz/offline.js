// Reporting without signal (issue 14): registers the report page's service worker for this language,
// says when a report written offline is waiting, and has it sent when the connection is back. The
// receipt then opens on /<language>/report/sent/, once. Without JavaScript none of this runs and the
// form posts as it always did.
(function () {
  "use strict";
  var notice = document.getElementById("offline-outbox");
  var scope = location.pathname;
  if (!notice || !("serviceWorker" in navigator) || !/^\/[a-z-]+\/report\/$/.test(scope)) { return; }
  var text = notice.querySelector("p");
  var discard = notice.querySelector("button");
  var worker = null;
  var retry = null;
  // Tried again after 2 s, then twice as long each time up to 15 s: a connection that has just come back
  // (the radio, or the service worker still offline a moment longer than the page) often fails once.
  var FIRST_DELAY = 2000, LONGEST_DELAY = 15000;
  var delay = FIRST_DELAY;

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
    if (isWaiting && !retry) {
      retry = setTimeout(function () {
        retry = null;
        delay = Math.min(delay * 2, LONGEST_DELAY);
        send();
      }, delay);
    }
    if (!isWaiting) { retryReset(); }
  }

  // Forget the retry planned, and start again from the first delay.
  function retryReset() {
    if (retry) { clearTimeout(retry); retry = null; }
    delay = FIRST_DELAY;
  }

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
  window.addEventListener("online", function () {
    retryReset();
    send();
  });

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
