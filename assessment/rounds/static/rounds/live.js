/* Test day, live: refresh the counts every 10 seconds without reloading the page. Numbers in the page's
   language (10.303 in Indonesian); each unit's row links to who has not started and its code sheets. */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) { return; }
  var locale = root.getAttribute("data-locale") || "id-ID";
  function number(n) { return Number(n).toLocaleString(locale); }
  function link(href, text) {
    var a = document.createElement("a"); a.href = href; a.textContent = text; return a;
  }
  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) {
      var td = document.createElement("td");
      if (typeof c === "number") { td.textContent = number(c); td.className = "num"; }
      else if (Array.isArray(c)) { c.forEach(function (part) { td.appendChild(part); }); }
      else { td.textContent = c; }
      tr.appendChild(td);
    });
    return tr;
  }
  function refresh() {
    fetch(root.getAttribute("data-url"), { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
      ["invited", "started", "submitted"].forEach(function (k) { document.getElementById("t-" + k).textContent = number(d.totals[k]); });
      var units = document.getElementById("units"); units.innerHTML = "";
      var label = units.getAttribute("data-list-label") || "list";
      d.units.forEach(function (u) {
        // The unit's links under its name, so that a phone shows them without scrolling sideways.
        var name = document.createElement("span"), links = document.createElement("span");
        name.textContent = u.unit;
        links.className = "unit-links";
        [link(u.links.not_started, number(u.invited - u.started) + " " + label),
         link(u.links.pdf, "PDF"), link(u.links.xlsx, "XLSX")].forEach(function (a, j) {
          if (j) { links.appendChild(document.createTextNode(" · ")); }
          links.appendChild(a);
        });
        units.appendChild(row([[name, document.createElement("br"), links], u.invited, u.started, u.submitted]));
      });
      var rate = document.getElementById("rate"); rate.innerHTML = "";
      d.rate.forEach(function (b) { rate.appendChild(row([b.time, b.started, b.submitted])); });
    }).catch(function () {}).then(function () { setTimeout(refresh, 10000); });
  }
  refresh();
})();
