// Live inbox: listens for events of the member's organizations and updates the page in place.
// Events carry no report contents; rows and counts are fetched from tenant-scoped views.
// When the staff session ends (sign-out in any tab, idle timeout) the page says so plainly,
// closes its socket and stops: it never pretends to be live while nothing can arrive.
(function () {
  "use strict";
  const rows = document.getElementById("report-rows");
  const feed = document.getElementById("scan-feed");
  const status = document.getElementById("live-status");
  const ended = document.getElementById("session-ended");
  const alertsBox = document.getElementById("urgent-alerts");
  const textNode = document.getElementById("dashboard-text");
  const text = textNode ? JSON.parse(textNode.textContent) : {};
  const baseTitle = document.title;
  const ALERTS_KEY = "safepath.urgentAlerts";
  let delay = 1000;
  let pollTimer = null;
  let socket = null;
  let sessionOver = false;
  let urgentSeen = currentUrgent();

  function setStatus(label, on) {
    status.textContent = label;
    status.classList.toggle("on", on);
  }

  function SessionEnded() {}

  function endSession() {
    if (sessionOver) return;
    sessionOver = true;
    stopPolling();
    if (socket) {
      socket.onclose = null;
      socket.close();
      socket = null;
    }
    setStatus(text.signedOut || "signed out", false);
    ended.hidden = false;
    document.title = "⚠ " + baseTitle;
  }

  // Everything this page fetches it fetches by itself (catch-up after a reconnect, polling,
  // refreshes after an event): the header tells the server that is not activity, so a page
  // left open still ends with the idle timeout.
  async function fetchText(url) {
    const response = await fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-SafePath-Background": "1" },
    });
    // An ended session answers with the sign-in page (a redirect): never put that in the table.
    if (response.redirected || response.status === 401 || response.status === 403) {
      endSession();
      throw new SessionEnded();
    }
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.text();
  }

  async function refreshAll() {
    rows.innerHTML = await fetchText("/dashboard/?fragment=reports" + filterQuery());
    await refreshCounts();
  }

  function filterQuery() {
    const query = location.search.replace(/^\?/, "");
    return query ? "&" + query : "";
  }

  function currentUrgent() {
    const counts = document.getElementById("counts");
    return counts ? parseInt(counts.dataset.urgent || "0", 10) : 0;
  }

  async function refreshCounts() {
    const html = await fetchText("/dashboard/?fragment=counts");
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.firstElementChild;
    const old = document.getElementById("counts");
    if (!fresh || !old) return;
    old.replaceWith(fresh);
    const urgent = currentUrgent();
    if (urgent > urgentSeen) announceUrgent();
    urgentSeen = urgent;
    showTitle(urgent);
  }

  function showTitle(urgent) {
    if (sessionOver) return;
    document.title = urgent > 0 ? "(" + urgent + " " + (text.urgentTitle || "urgent") + ") " + baseTitle : baseTitle;
  }

  function alertsWanted() {
    try {
      return localStorage.getItem(ALERTS_KEY) === "on";
    } catch (error) {
      return false;
    }
  }

  function announceUrgent() {
    document.body.classList.add("urgent-arrived");
    if (!alertsWanted()) return;
    beep();
    if ("Notification" in window && Notification.permission === "granted") {
      // Says only that something arrived: a notification never carries report contents.
      new Notification(text.notificationTitle || "SafePath", {
        body: text.notificationBody || "",
        tag: "safepath-urgent",
        requireInteraction: true,
      });
    }
  }

  function beep() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    const audio = new Context();
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = 880;
    volume.gain.value = 0.2;
    tone.connect(volume).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.6);
    window.__safepathBeeps = (window.__safepathBeeps || 0) + 1;
  }

  if (alertsBox) {
    alertsBox.checked = alertsWanted();
    alertsBox.addEventListener("change", function () {
      try {
        localStorage.setItem(ALERTS_KEY, alertsBox.checked ? "on" : "off");
      } catch (error) {
        /* private mode: the choice lasts for this page only */
      }
      if (alertsBox.checked && "Notification" in window && Notification.permission === "default") {
        Notification.requestPermission();
      }
    });
  }

  async function showReport(reference) {
    const html = await fetchText("/dashboard/reports/" + encodeURIComponent(reference) + "/row/");
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const row = template.content.firstElementChild;
    if (!row || row.tagName !== "TR") return;
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
    const zone = text.timeZone ? { timeZone: text.timeZone } : {};
    const options = Object.assign({ hour: "2-digit", minute: "2-digit" }, zone);
    const start = event.hour ? new Date(event.hour) : new Date();
    const end = new Date(start.getTime() + 3600000);
    item.textContent = start.toLocaleTimeString(undefined, options) + "–" +
      end.toLocaleTimeString(undefined, options) + " · " +
      (text.scanned || "Code scanned at") + " " + event.placement;
    feed.prepend(item);
    while (feed.children.length > 30) feed.lastElementChild.remove();
  }

  function ignore() {
    // A failed fetch is retried by the next event or poll; an ended session has said so.
  }

  function connect() {
    if (sessionOver) return;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + location.host + "/ws/dashboard/");
    } catch (error) {
      startPolling();
      return;
    }
    socket.onopen = function () {
      delay = 1000;
      stopPolling();
      setStatus(text.live || "live", true);
      // Catch up on anything that happened while the socket was down.
      refreshAll().catch(ignore);
    };
    socket.onmessage = function (message) {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (event.kind === "session_ended") {
        endSession();
        return;
      }
      if (event.kind === "report") {
        showReport(event.report).then(refreshCounts).catch(ignore);
      }
      if (event.kind === "scan") showScan(event);
    };
    socket.onclose = function (closing) {
      socket = null;
      if (closing.code === 4401 || closing.code === 4403) {
        endSession();
        return;
      }
      setStatus(text.reconnecting || "reconnecting…", false);
      startPolling();
      // A refused reconnect may mean the session ended: the poll finds out and says so.
      refreshAll().catch(ignore);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  function startPolling() {
    if (pollTimer === null && !sessionOver) {
      pollTimer = setInterval(function () { refreshAll().catch(ignore); }, 10000);
    }
  }

  function stopPolling() {
    if (pollTimer !== null) {
      clearInterval(pollTimer);
      pollTimer = null;
    }
  }

  // Filters stay folded on a phone so the reports come first; a wide screen shows them.
  const filters = document.getElementById("filters");
  if (filters && window.matchMedia("(min-width: 50rem)").matches) filters.open = true;

  showTitle(urgentSeen);
  connect();
})();
