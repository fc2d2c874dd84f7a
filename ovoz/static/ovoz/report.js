// Progressive enhancement for the report form. Without JavaScript everything still works: the region and
// district selects locate the concern, the hint states the length limit, and the error summary is
// focused by its autofocus attribute.
(function () {
  "use strict";

  // Share the phone's location, rounded to about 1 km.
  function enableLocation() {
    var button = document.getElementById("use-location");
    if (!button || !("geolocation" in navigator)) { return; }
    var status = document.getElementById("location-status");
    var latitude = document.getElementById("id_latitude");
    var longitude = document.getElementById("id_longitude");
    button.parentElement.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        // Two decimals of a degree: the server keeps no more than that either.
        latitude.value = position.coords.latitude.toFixed(2);
        longitude.value = position.coords.longitude.toFixed(2);
        status.textContent = button.dataset.done;
      }, function () {
        status.textContent = button.dataset.failed;
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
    });
  }

  // A live count of the characters next to the limit. Nothing is ever cut: the server refuses a text
  // over the limit and says so. Counted as the server counts: code points, ends trimmed.
  function enableCounter() {
    var text = document.getElementById("id_text");
    var hint = document.getElementById("id_text_limit");
    if (!text || !hint) { return; }
    var limit = parseInt(hint.dataset.limit, 10);
    var counter = document.createElement("small");
    counter.id = "id_text_counter";
    counter.className = "counter";
    var status = document.createElement("span");
    status.id = "id_text_over";
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    hint.insertAdjacentElement("afterend", counter);
    counter.insertAdjacentElement("afterend", status);
    text.setAttribute("aria-describedby", (text.getAttribute("aria-describedby") || "") + " " + counter.id);
    var wasOver = false;
    function update() {
      var used = Array.from(text.value.trim()).length;
      var over = used > limit;
      counter.textContent = used + " / " + limit;
      counter.classList.toggle("over", over);
      if (over !== wasOver) {  // announced only when crossing the limit, not at every key
        status.textContent = over ? hint.dataset.over : "";
        wasOver = over;
      }
    }
    text.addEventListener("input", update);
    update();
  }

  // The error summary takes the focus; its links move the focus to the field they name.
  function enableErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      var label = document.querySelector("label[for='" + target.id + "']");
      (label || target).scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }

  enableLocation();
  enableCounter();
  enableErrorSummary();
})();
