/* The public map: draws /api/v1/stats/areas as shaded areas or circles; regions, then districts when zoomed in.
   Under them a basemap shipped with Ovoz (country borders from Natural Earth, region boundaries where imported,
   place names in the page's language), so no tile server learns who looks at the map.
   Without JavaScript the table under the map shows the same numbers. */
(function () {
  "use strict";
  var element = document.getElementById("map");
  var textsElement = document.getElementById("map-texts");
  if (!element || !textsElement || !window.L || !window.fetch) { return; }
  var texts = JSON.parse(textsElement.textContent);
  element.hidden = false;
  var frame = L.latLngBounds(texts.bounds);
  var map = L.map(element, {
    zoomSnap: 0.5, maxZoom: 12, maxBounds: frame.pad(0.1), zoomControl: false, attributionControl: false
  }).setView([41.5, 68.5], 5);
  map.setMinZoom(Math.max(3, Math.ceil(map.getBoundsZoom(frame, true) * 2) / 2)); /* never past the basemap's edge */
  L.control.zoom({ zoomInTitle: texts.zoomIn, zoomOutTitle: texts.zoomOut }).addTo(map);

  function escaped(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }
  var attribution = L.control.attribution({
    prefix: '<a href="https://leafletjs.com" title="' + escaped(texts.leaflet).replace(/"/g, "&quot;") + '">Leaflet</a>'
  }).addTo(map);
  attribution.addAttribution(escaped(texts.borders));
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 12, attribution: element.dataset.attribution || "" }).addTo(map);
  }

  /* Panes: land and borders at the bottom, the counts above them, names above the counts (never in the way). */
  map.createPane("basemap").style.zIndex = 250;
  map.createPane("labels").style.zIndex = 450;
  var labels = [];

  function addLabel(name, latLng, kind) {
    var text = document.createElement("span");
    text.textContent = name; /* names are never read as HTML */
    var marker = L.marker(latLng, {
      pane: "labels", interactive: false, keyboard: false,
      icon: L.divIcon({ className: "map-label map-label-" + kind, html: text, iconSize: null })
    }).addTo(map);
    labels.push({ marker: marker, kind: kind });
  }

  /* Hide a name that would overlap one already shown: regions first, countries where there is room. */
  function placeLabels() {
    var shown = [];
    var zoom = map.getZoom();
    labels.forEach(function (label) {
      var icon = label.marker.getElement();
      if (!icon) { return; }
      if (label.kind === "region" && zoom < 5) { icon.style.visibility = "hidden"; return; }
      icon.style.visibility = "";
      var box = icon.firstChild.getBoundingClientRect();
      var overlaps = shown.some(function (other) {
        return box.left < other.right && other.left < box.right && box.top < other.bottom && other.top < box.bottom;
      });
      if (overlaps) { icon.style.visibility = "hidden"; } else { shown.push(box); }
    });
  }

  texts.regions.forEach(function (region) { addLabel(region[0], [region[1], region[2]], "region"); });

  fetch(element.dataset.basemapUrl)
    .then(function (response) { return response.json(); })
    .then(function (countries) {
      L.geoJSON(countries, {
        pane: "basemap", interactive: false,
        style: function (feature) {
          return { color: "#7d8590", weight: 1, fillColor: texts.countries[feature.id] ? "#fbfaf6" : "#eceae4", fillOpacity: 1 };
        }
      }).addTo(map);
      countries.features.forEach(function (feature) {
        var label = feature.properties.label;
        if (texts.countries[feature.id]) { addLabel(texts.countries[feature.id], [label[1], label[0]], "country"); }
      });
      element.dataset.basemap = String(countries.features.length);
      placeLabels();
    });

  if (element.dataset.outlinesUrl) {
    fetch(element.dataset.outlinesUrl, { credentials: "omit" })
      .then(function (response) { return response.json(); })
      .then(function (outlines) {
        L.geoJSON(outlines, {
          pane: "basemap", interactive: false,
          style: function () { return { color: "#a39e93", weight: 1, dashArray: "3 3", fill: false }; }
        }).addTo(map);
      });
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
  map.on("zoomend moveend", placeLabels);
  load();
  placeLabels();
}());
