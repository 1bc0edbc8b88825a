/* Test day, live: refresh the counts every 10 seconds without reloading the page. */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) { return; }
  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c, i) { var td = document.createElement("td"); td.textContent = c; if (i) { td.className = "num"; } tr.appendChild(td); });
    return tr;
  }
  function refresh() {
    fetch(root.getAttribute("data-url"), { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
      ["invited", "started", "submitted"].forEach(function (k) { document.getElementById("t-" + k).textContent = d.totals[k].toLocaleString("id-ID"); });
      var units = document.getElementById("units"); units.innerHTML = "";
      d.units.forEach(function (u) { units.appendChild(row([u.unit, u.invited, u.started, u.submitted])); });
      var rate = document.getElementById("rate"); rate.innerHTML = "";
      d.rate.forEach(function (b) { rate.appendChild(row([b.time, b.started, b.submitted])); });
    }).catch(function () {}).then(function () { setTimeout(refresh, 10000); });
  }
  refresh();
})();
