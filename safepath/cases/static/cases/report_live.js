// Live report page: when the dashboard socket says this report changed (a new answer, a
// message from the reporter, a routing or workflow step), fetch the page's changing parts
// from a tenant-scoped view and swap them in by id. Events carry no contents. After a
// reconnect the page catches up the same way; while the socket is down it polls.
// Without JavaScript the page is complete as served; a reload shows what is new.
(function () {
  "use strict";
  const title = document.getElementById("report-title");
  const status = document.getElementById("live-status");
  if (!title || !status) return;
  const reference = title.dataset.reference;
  const url = "/dashboard/reports/" + encodeURIComponent(reference) + "/live/";
  let delay = 1000;
  let pollTimer = null;
  let pending = null;
  let again = false;

  function setStatus(text, on) {
    status.textContent = text;
    status.classList.toggle("on", on);
  }

  async function refresh() {
    // A refresh the page makes by itself is not activity: it never extends the idle timer.
    const response = await fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-SafePath-Background": "1" },
    });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    for (const fresh of Array.from(template.content.children)) {
      const old = fresh.id ? document.getElementById(fresh.id) : null;
      if (old) {
        if (old.innerHTML !== fresh.innerHTML) fresh.classList.add("fresh");
        old.replaceWith(fresh);
      }
    }
  }

  // One fetch at a time; events that arrive meanwhile cause exactly one more.
  function schedule() {
    if (pending) {
      again = true;
      return;
    }
    pending = refresh()
      .catch(function () {})
      .finally(function () {
        pending = null;
        if (again) {
          again = false;
          schedule();
        }
      });
  }

  function startPolling() {
    if (pollTimer === null) pollTimer = setInterval(schedule, 10000);
  }

  function stopPolling() {
    if (pollTimer !== null) {
      clearInterval(pollTimer);
      pollTimer = null;
    }
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
      schedule(); // catch up on anything that happened while the socket was down
    };
    socket.onmessage = function (message) {
      const event = JSON.parse(message.data);
      if (event.kind === "report" && event.report === reference) schedule();
    };
    socket.onclose = function () {
      setStatus("reconnecting…", false);
      startPolling();
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  setStatus("connecting…", false);
  connect();
})();
