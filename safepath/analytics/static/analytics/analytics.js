// Analytics page: draws the map (Leaflet, served by SafePath itself) and adds live counter
// bumps to the heat grids and totals. Events carry a counter and an hour, nothing else.
(function () {
  "use strict";
  const status = document.getElementById("live-status");
  const organization = Number(status.dataset.org);
  const zone = status.dataset.zone;
  const data = JSON.parse(document.getElementById("map-data").textContent);

  function drawMap() {
    const element = document.getElementById("map");
    if (!window.L || !element) return;
    const map = window.L.map(element, { scrollWheelZoom: false });
    // The view is set before any layer is added: Leaflet draws vectors against it.
    const bounds = [];
    data.cells.forEach(function (cell) { cell.boundary.forEach(function (p) { bounds.push(p); }); });
    data.points.forEach(function (p) { bounds.push([p.lat, p.lon]); });
    if (bounds.length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 });
    else map.setView([39.8, -98.6], 4);
    if (data.tiles) {
      window.L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
    }
    data.areas.forEach(function (area) {
      window.L.geoJSON(area.geometry, { style: { color: "#555", weight: 2, fill: false, dashArray: "4" } })
        .bindTooltip(area.name).addTo(map);
    });
    data.cells.forEach(function (cell) {
      const strength = { 99: 0.6, 95: 0.45, 90: 0.3 }[cell.confidence] || 0.05;
      const color = cell.kind === "hot" ? "#c62828" : cell.kind === "cold" ? "#1565c0" : "#777";
      window.L.polygon(cell.boundary, {
        color: color, weight: 1, fillColor: color, fillOpacity: strength,
        className: "hex " + (cell.kind || "plain"),
      }).bindPopup(cell.words + " (" + cell.count + ", z = " + cell.z + ")").addTo(map);
    });
    const top = Math.max(1, ...data.points.map(function (p) { return p.scans; }));
    data.points.forEach(function (p) {
      window.L.circleMarker([p.lat, p.lon], {
        radius: 4 + 10 * Math.sqrt(p.scans / top), color: "#1d2b3a", weight: 1,
        fillColor: "#1d4f91", fillOpacity: 0.8, className: "placement",
      }).bindTooltip(p.name + ": " + p.scans).addTo(map);
    });
    element.dataset.ready = "1";
  }

  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, weekday: "short", hour: "numeric", hourCycle: "h23",
  });
  const weekdays = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

  function bump(event) {
    if (event.organization !== organization) return;
    const total = document.getElementById("total-" + event.counter);
    if (total) total.textContent = String(Number(total.textContent) + 1);
    const grid = document.querySelector('table.heat[data-counter="' + event.counter + '"]');
    if (!grid) return;
    const found = {};
    parts.formatToParts(new Date(event.hour)).forEach(function (p) { found[p.type] = p.value; });
    const row = grid.tBodies[0].rows[weekdays[found.weekday]];
    const cell = row && row.cells[Number(found.hour) + 1];
    if (!cell) return;
    cell.textContent = String(Number(cell.textContent) + 1);
    cell.classList.add("bump");
  }

  let delay = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/analytics/");
    socket.onopen = function () {
      delay = 1000;
      status.textContent = "live";
      status.classList.add("on");
    };
    socket.onmessage = function (message) {
      const event = JSON.parse(message.data);
      if (event.kind === "count") bump(event);
    };
    socket.onclose = function () {
      status.textContent = "reconnecting…";
      status.classList.remove("on");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  drawMap();
  connect();
})();
