/* IKD: progressive enhancement only; every page works without this file. No framework, no build step. */
(function () {
  "use strict";

  var english = (document.documentElement.lang || "").slice(0, 2) === "en";
  function text(element, attribute, indonesian, englishText) {
    return (element && element.getAttribute(attribute)) || (english ? englishText : indonesian);
  }

  /* (a) [data-confirm]: ask before the form is sent. On a button (or link) the click asks; on a form
     the submit asks. Pressing Enter in a field "clicks" the form's default button, so it asks too. */
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (!trigger || trigger.tagName === "FORM") { return; }
    if (!window.confirm(trigger.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }, true);

  /* (b) Region picker: <input data-region-search="/api/wilayah/" data-target="id_code"> and a
     <ul data-region-results>. Typing searches the official list (debounced); choosing a region fills the
     search field with its label, the code field with its code and, until the user edits it, the address. */
  var pickerCount = 0;
  function regionPicker(input) {
    var scope = input.form || document;
    var list = (input.getAttribute("aria-controls") && document.getElementById(input.getAttribute("aria-controls"))) ||
      scope.querySelector("[data-region-results]") || document.querySelector("[data-region-results]");
    var target = document.getElementById(input.getAttribute("data-target"));
    if (!list || !target) { return; }
    var slug = document.getElementById("id_slug");
    var slugEdited = !!(slug && slug.value !== "");
    var url = input.getAttribute("data-region-search");
    var prefix = "region-option-" + (pickerCount += 1) + "-";
    var results = [], active = -1, timer = null, sequence = 0, lastQuery = null;

    if (!list.id) { list.id = prefix + "list"; }
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    var status = document.createElement("p");
    status.className = "sr-only";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    list.parentNode.insertBefore(status, list.nextSibling);
    if (slug) {
      slug.addEventListener("input", function (event) { if (event.isTrusted !== false) { slugEdited = slug.value !== ""; } });
    }

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function open() {
      if (!results.length) { return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function choose(index) {
      var region = results[index];
      if (!region || region.taken) { return; }
      input.value = region.label;
      target.value = region.code;
      target.dispatchEvent(new Event("change", { bubbles: true }));
      if (slug && !slugEdited && region.slug) { slug.value = region.slug; }
      close();
      status.textContent = region.label;
    }
    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      if (!items.length) { return; }
      index = (index + items.length) % items.length;
      for (var i = 0; i < items.length; i += 1) { items[i].setAttribute("aria-selected", i === index ? "true" : "false"); }
      active = index;
      input.setAttribute("aria-activedescendant", items[index].id);
      if (items[index].scrollIntoView) { items[index].scrollIntoView({ block: "nearest" }); }
    }
    function render() {
      list.textContent = "";
      results.forEach(function (region, i) {
        var li = document.createElement("li");
        li.id = prefix + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = region.label;
        if (region.taken) {
          li.setAttribute("aria-disabled", "true");
          var badge = document.createElement("span");
          badge.className = "badge badge-closed taken";
          badge.textContent = text(input, "data-taken-label", "sudah terdaftar", "already registered");
          li.appendChild(document.createTextNode(" "));
          li.appendChild(badge);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep the focus in the input
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (results.length) {
        open();
        status.textContent = english ? results.length + " regions found." : results.length + " daerah ditemukan.";
      } else {
        close();
        status.textContent = text(input, "data-empty-label", "Tidak ada daerah yang cocok.", "No region matches.");
      }
    }
    function search() {
      var query = input.value.trim();
      if (query === lastQuery) { open(); return; }
      lastQuery = query;
      var mine = (sequence += 1);
      fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (mine === sequence) { results = (data && data.results) || []; render(); } })
        .catch(function () { if (mine === sequence) { results = []; lastQuery = null; render(); } });
    }

    input.addEventListener("input", function () {
      target.value = "";
      clearTimeout(timer);
      if (input.value.trim().length < 2) { sequence += 1; results = []; lastQuery = null; list.textContent = ""; close(); return; }
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!results.length) { return; }
        event.preventDefault();
        if (list.hidden) { open(); }
        highlight(event.key === "ArrowDown" ? active + 1 : (active < 0 ? results.length - 1 : active - 1));
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();  // choose, do not send the form
        choose(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("[data-region-search]").forEach(regionPicker);
})();

/* Import progress (people/import_detail.html): poll the job's status until it is done, then reload to
   show the outcome. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status]");
  if (!box) { return; }
  var bar = box.querySelector(".progress"), fill = box.querySelector(".progress > span");
  var text = box.querySelector("[data-progress-text]");
  function poll() {
    fetch(box.getAttribute("data-import-status"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        var pct = s.total ? Math.round(100 * s.done / s.total) : 0;
        if (fill) { fill.style.width = pct + "%"; }
        if (bar) { bar.setAttribute("aria-valuenow", String(pct)); }
        if (text) { text.textContent = s.label + " — " + pct + "%"; }
        if (s.state === "queued" || s.state === "running") { setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
