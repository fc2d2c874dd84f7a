/* The public map: draws /api/v1/stats/areas as shaded areas or circles; regions, then districts when zoomed in.
   Without JavaScript the table under the map shows the same numbers. */
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L || !window.fetch) { return; }
  element.hidden = false;
  var map = L.map(element, { zoomSnap: 0.5, minZoom: 3, maxZoom: 12 }).setView([41.5, 68.5], 5);
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 12, attribution: element.dataset.attribution || "" }).addTo(map);
  }
  var layer = L.featureGroup().addTo(map);
  var districtZoom = Number(element.dataset.districtZoom || 7);
  var shownLevel = null;
  var hasFitted = false;

  function value(count) { return typeof count === "number" ? count : 2; } /* "<5": drawn small, never exact */

  function shade(ratio) {
    var light = Math.round(90 - 55 * ratio);
    return "hsl(15, 80%, " + light + "%)";
  }

  function tooltip(feature) {
    var span = document.createElement("span"); /* text only: area names are never read as HTML */
    span.textContent = feature.properties.name + ": " + feature.properties.count;
    return span;
  }

  function draw(collection) {
    layer.clearLayers();
    var largest = 1;
    collection.features.forEach(function (feature) { largest = Math.max(largest, value(feature.properties.count)); });
    collection.features.forEach(function (feature) {
      if (!feature.geometry) { return; }
      var ratio = Math.sqrt(value(feature.properties.count) / largest);
      var style = { color: "#7a2e12", weight: 1, fillColor: shade(ratio), fillOpacity: 0.7 };
      var shape;
      if (feature.geometry.type === "Point") {
        var point = feature.geometry.coordinates;
        style.radius = 5 + 20 * ratio;
        shape = L.circleMarker([point[1], point[0]], style);
      } else {
        shape = L.geoJSON(feature, { style: function () { return style; } });
      }
      shape.bindTooltip(tooltip(feature));
      shape.addTo(layer);
    });
    element.dataset.features = String(collection.features.length);
    if (!hasFitted && collection.features.length) {
      hasFitted = true;
      map.fitBounds(layer.getBounds(), { maxZoom: districtZoom - 0.5, padding: [20, 20] });
    }
  }

  function load() {
    var level = map.getZoom() >= districtZoom ? "district" : "region";
    if (level === shownLevel) { return; }
    shownLevel = level;
    element.dataset.level = level;
    var separator = element.dataset.statsUrl.indexOf("?") === -1 ? "?" : "&";
    fetch(element.dataset.statsUrl + separator + "level=" + level, { credentials: "omit" })
      .then(function (response) { return response.json(); })
      .then(function (collection) { if (level === shownLevel) { draw(collection); } });
  }

  /* Published concerns that carry a place, per cell of about 1 km: the server never sends an exact point. */
  if (element.dataset.pointsUrl) {
    var points = L.featureGroup().addTo(map);
    fetch(element.dataset.pointsUrl, { credentials: "omit" })
      .then(function (response) { return response.json(); })
      .then(function (collection) {
        collection.features.forEach(function (feature) {
          var point = feature.geometry.coordinates;
          var span = document.createElement("span");
          span.textContent = element.dataset.pointsLabel + ": " + feature.properties.count;
          L.circleMarker([point[1], point[0]], { radius: 4, color: "#1d4f91", weight: 1, fillOpacity: 0.8 })
            .bindTooltip(span).addTo(points);
        });
      });
  }

  map.on("zoomend", load);
  load();
}());
