// Live inbox: listens for events of the member's organizations and updates the page in place.
// Events carry no report contents; rows are fetched from tenant-scoped views.
(function () {
  "use strict";
  const rows = document.getElementById("report-rows");
  const feed = document.getElementById("scan-feed");
  const status = document.getElementById("live-status");
  let delay = 1000;
  let pollTimer = null;

  function setStatus(text, on) {
    status.textContent = text;
    status.classList.toggle("on", on);
  }

  async function fetchText(url) {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.text();
  }

  async function refreshAll() {
    rows.innerHTML = await fetchText("/dashboard/?fragment=reports");
  }

  async function showReport(reference) {
    const html = await fetchText("/dashboard/reports/" + encodeURIComponent(reference) + "/row/");
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const row = template.content.firstElementChild;
    if (!row) return;
    const old = document.getElementById(row.id);
    if (old) old.remove();
    const empty = rows.querySelector("tr.empty");
    if (empty) empty.remove();
    row.classList.add("fresh");
    rows.prepend(row);
  }

  function showScan(event) {
    const item = document.createElement("li");
    // Events carry the hour of the scan, never its minute (see docs/analytics.md).
    const start = event.hour ? new Date(event.hour) : new Date();
    const from = start.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const end = new Date(start.getTime() + 3600000);
    const to = end.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    item.textContent = from + "–" + to + " · Code scanned at " + event.placement;
    feed.prepend(item);
    while (feed.children.length > 30) feed.lastElementChild.remove();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let socket;
    try {
      socket = new WebSocket(scheme + location.host + "/ws/dashboard/");
    } catch (error) {
      startPolling();
      return;
    }
    socket.onopen = function () {
      delay = 1000;
      stopPolling();
      setStatus("live", true);
      // Catch up on anything that happened while the socket was down.
      refreshAll().catch(function () {});
    };
    socket.onmessage = function (message) {
      const event = JSON.parse(message.data);
      if (event.kind === "report") showReport(event.report).catch(function () {});
      if (event.kind === "scan") showScan(event);
    };
    socket.onclose = function () {
      setStatus("reconnecting…", false);
      startPolling();
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  function startPolling() {
    if (pollTimer === null) {
      pollTimer = setInterval(function () { refreshAll().catch(function () {}); }, 10000);
    }
  }

  function stopPolling() {
    if (pollTimer !== null) {
      clearInterval(pollTimer);
      pollTimer = null;
    }
  }

  connect();
})();
