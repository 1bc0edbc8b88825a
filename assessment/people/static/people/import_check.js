/* An uploaded register is checked in the background (people/import_detail.html): poll the job's state
   and reload the page, which then shows the counts and problems, once the check is over. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-check]");
  if (!box) { return; }
  function poll() {
    fetch(box.getAttribute("data-import-check"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) { if (s.state === "checking") { setTimeout(poll, 1000); } else { window.location.reload(); } })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
