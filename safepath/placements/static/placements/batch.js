// Poster batch progress: poll the small status endpoint and move the bar. Without JavaScript
// the page refreshes itself (a <noscript> meta refresh) and shows the same thing.
"use strict";
(function () {
  const box = document.getElementById("batch");
  if (!box) return;
  const url = box.dataset.statusUrl;
  const bar = document.getElementById("batch-progress");
  const label = document.getElementById("batch-status");
  const count = document.getElementById("batch-count");
  const download = document.getElementById("batch-download");
  const error = document.getElementById("batch-error");

  async function poll() {
    let state;
    try {
      // A poll is not activity: it never extends the staff session's idle timer.
      const response = await fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { "X-SafePath-Background": "1" },
      });
      if (!response.ok) throw new Error(String(response.status));
      state = await response.json();
    } catch (e) {
      setTimeout(poll, 5000);
      return;
    }
    bar.value = state.percent;
    label.textContent = state.status_label;
    count.textContent = state.done + " / " + state.total;
    error.textContent = state.error;
    error.hidden = !state.error;
    if (state.download_url) {
      download.href = state.download_url;
      download.hidden = false;
    }
    if (state.status === "pending" || state.status === "running") setTimeout(poll, 1500);
  }
  poll();
})();
