// Progress of a round's scoring: polls the status until it is done, then reloads the page.
(function () {
  "use strict";
  var box = document.getElementById("scoring");
  if (!box || box.dataset.state === "done" || box.dataset.state === "failed") return;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-status]");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.total) { bar.max = s.total; bar.value = s.done; }
        if (text && s.total) text.textContent = s.done + " / " + s.total;
        if (s.state === "done" || s.state === "failed") { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
