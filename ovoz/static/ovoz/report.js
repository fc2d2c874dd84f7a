// Progressive enhancement for the report form: share the phone's location, rounded to about 1 km.
// Without JavaScript the region and district selects do the same job.
(function () {
  "use strict";
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
})();
