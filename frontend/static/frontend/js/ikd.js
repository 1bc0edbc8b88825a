/* IKD: progressive enhancement only; every page works without this file. */
(function () {
  "use strict";

  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Region picker: search the official list while typing; choosing fills the code and address fields.
  function regionPicker(input) {
    var list = document.querySelector("[data-region-results]");
    var target = document.getElementById(input.getAttribute("data-target"));
    var slug = document.getElementById("id_slug");
    var slugEdited = slug && slug.value !== "";
    var results = [], active = -1, timer = null;
    if (!list || !target) { return; }
    input.setAttribute("aria-controls", list.id);
    if (slug) { slug.addEventListener("input", function () { slugEdited = true; }); }

    function close() {
      list.hidden = true; list.innerHTML = ""; active = -1;
      input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
    }
    function choose(index) {
      var region = results[index];
      if (!region || region.taken) { return; }
      input.value = region.label;
      target.value = region.code;
      if (slug && !slugEdited) { slug.value = region.slug; }
      close();
    }
    function highlight(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      }
    }
    function render() {
      list.innerHTML = "";
      results.forEach(function (region, i) {
        var li = document.createElement("li");
        li.id = "region-option-" + i;
        li.setAttribute("role", "option");
        li.textContent = region.label + (region.taken ? " — " + (input.getAttribute("data-taken-label") || "sudah terdaftar") : "");
        if (region.taken) { li.setAttribute("aria-disabled", "true"); }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }
    function search() {
      var url = input.getAttribute("data-region-search") + "?q=" + encodeURIComponent(input.value);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { results = data.results || []; render(); })
        .catch(function () { results = []; render(); });
    }
    input.addEventListener("input", function () {
      target.value = "";
      clearTimeout(timer);
      if (input.value.trim().length < 2) { close(); return; }
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, results.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(active); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("[data-region-search]").forEach(regionPicker);
})();

/* Import progress: poll the job's status until it is done, then reload to show the outcome. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status]");
  if (!box) { return; }
  var bar = box.querySelector(".progress"), fill = box.querySelector(".progress > span");
  var text = box.querySelector("[data-progress-text]");
  function poll() {
    fetch(box.getAttribute("data-import-status"), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        var pct = s.total ? Math.round(100 * s.done / s.total) : 0;
        fill.style.width = pct + "%";
        bar.setAttribute("aria-valuenow", String(pct));
        text.textContent = s.label + " — " + pct + "%";
        if (s.state === "queued" || s.state === "running") { setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
