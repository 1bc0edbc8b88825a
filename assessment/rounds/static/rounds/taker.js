/* IKD test taking: one item per screen, every answer saved at once, nothing lost offline.
 *
 * Each change gets a sequence number (growing, kept in localStorage) and a random key, and goes into a
 * queue in localStorage before it is sent; it leaves the queue only when the server acknowledged it.
 * The last state from the server is cached too, so a reload while offline shows the test and the
 * answers given. The server keeps the deadline; the timer only shows it.
 *
 * The page also reports which items it showed (scoring tells an item never reached from one seen and
 * skipped). Codes shown go into their own queue in localStorage; they ride along with the next answer
 * sent, or go on their own after SEEN_DELAY without one (most items are answered within it, so this
 * rarely costs a request), before submitting, and when the page is hidden. The server keeps the union,
 * so sending a code twice is harmless.
 *
 * Without going back (state.allow_back false) the reports also say, when the taker moves on, which items
 * were left and the sequence numbers their changes could carry: above the counter when the item was
 * first shown here, up to the counter when it was left (an item jumped over from the overview and never
 * shown: none), and the item the page is now at. The server refuses ("locked", 409) a change outside its
 * item's numbers: one this page never sends, since it never goes back. Answers still queued when the
 * report overtakes them carry the numbers they were given, inside their items' windows. A refused change
 * leaves the queue like any other refusal and the next one is sent. Without going back the test resumes
 * no earlier than the furthest item the server knows of (another device, a cleared storage).
 *
 * Signing out from the test page sends what is queued first; what cannot be sent stays queued on the
 * device (nothing is deleted) and the taker is asked before leaving.
 *
 * An ordering item is answered by moving its options or, when the order shown is already right, by
 * confirming it with its own button: either way the whole order is saved.
 */
(function () {
  "use strict";
  var root = document.getElementById("taker");
  if (!root) { return; }
  var L = function (name) { return root.getAttribute("data-l-" + name) || name; };
  var attemptId = root.getAttribute("data-attempt");
  var K = function (name) { return "ikd:" + attemptId + ":" + name; };
  var state = null, index = 0, offset = 0, finished = false, flushing = false;
  var SEEN_DELAY = 20000;
  var focusNext = null;  // what to focus after the next render: keyboard users keep their place

  function load(name, fallback) {
    try { var v = localStorage.getItem(K(name)); return v === null ? fallback : JSON.parse(v); } catch (e) { return fallback; }
  }
  function store(name, value) { localStorage.setItem(K(name), JSON.stringify(value)); }
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0; return (c === "x" ? r : (r & 3 | 8)).toString(16);
    });
  }

  var answers = {};   // item code -> {response, flagged, seq}
  var queue = load("queue", []);
  var seenQueue = load("seen", []);  // item codes shown and not yet acknowledged, in the order shown
  var seenDone = {};  // item codes the server has recorded as seen
  var shownAt = load("shown", {});  // item code -> the sequence counter when first shown on this device
  var leftQueue = load("left", {});  // without going back: items left, not yet acknowledged -> [after, upto]
  var atSent = load("at", "");  // without going back: the item the server was last told the page is at
  var seenTimer = null, seenInFlight = null;

  function reportSoon() {
    if (!seenTimer) { seenTimer = setTimeout(function () { seenTimer = null; flushSeen(); }, SEEN_DELAY); }
  }

  function markSeen(code) {
    if (typeof shownAt[code] !== "number") {
      shownAt[code] = load("seq", 0);  // every change made so far has this number or a lower one
      store("shown", shownAt);
    }
    if (!state.allow_back && code !== atSent) { reportSoon(); }
    if (seenDone[code] || seenQueue.indexOf(code) >= 0) { return; }
    seenQueue.push(code);
    store("seen", seenQueue);
    reportSoon();
  }

  // Without going back: moving on from the current item to a later one leaves the items in between.
  function leave(next) {
    if (state.allow_back || next <= index) { return; }
    var counter = load("seq", 0);
    for (var k = index; k < next; k++) {
      var code = state.items[k].code;
      if (!leftQueue[code]) {
        var after = typeof shownAt[code] === "number" ? shownAt[code] : counter;  // never shown: none
        leftQueue[code] = [after, counter];
      }
    }
    store("left", leftQueue);
    reportSoon();
  }

  // What the page has to report: the items shown and, without going back, the items left and the item
  // it is at; empty when there is nothing new.
  function report() {
    var body = {};
    if (seenQueue.length) { body.seen = seenQueue.slice(); }
    if (state && !state.allow_back) {
      var codes = Object.keys(leftQueue);
      if (codes.length) {
        body.left = {};
        codes.forEach(function (c) { body.left[c] = leftQueue[c]; });
      }
      if (current().code !== atSent) { body.at = current().code; }
    }
    return body;
  }

  function reportAcknowledged(body) {
    (body.seen || []).forEach(function (c) { seenDone[c] = true; });
    seenQueue = seenQueue.filter(function (c) { return !seenDone[c]; });
    store("seen", seenQueue);
    Object.keys(body.left || {}).forEach(function (c) { delete leftQueue[c]; });
    store("left", leftQueue);
    if (body.at) { atSent = body.at; store("at", atSent); }
  }

  function flushSeen() {
    if (seenInFlight) { return seenInFlight; }
    var body = report();
    if (!Object.keys(body).length) { return Promise.resolve(); }
    seenInFlight = post(root.getAttribute("data-seen-url"), body).then(function (r) {
      seenInFlight = null;
      if (r.status === 401) { window.location.reload(); return; }
      if (r.status === 200 || (r.status >= 400 && r.status < 500)) {
        // Recorded, or refused for good (submitted, time up): either way not to be sent again.
        reportAcknowledged(body);
      }
    }).catch(function () {
      seenInFlight = null;
      if (!seenTimer) { seenTimer = setTimeout(function () { seenTimer = null; flushSeen(); }, 5000); }
    });
    return seenInFlight;
  }

  function nextSeq() {
    var seq = load("seq", 0) + 1;
    store("seq", seq);
    return seq;
  }

  function record(code, response, flagged) {
    var seq = nextSeq();
    answers[code] = { response: response, flagged: flagged, seq: seq };
    store("answers", answers);
    queue = queue.filter(function (q) { return q.item !== code; });  // only the newest per item is needed
    queue.push({ item: code, response: response, flagged: flagged, seq: seq, key: uuid() });
    store("queue", queue);
    showStatus();
    flush();
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body || {})
    });
  }

  function flush() {
    if (flushing || !queue.length) { return Promise.resolve(); }
    flushing = true;
    var entry = queue[0];
    var told = report();  // piggybacked: what is new since the last report
    var body = Object.assign({}, told, entry);
    return post(root.getAttribute("data-answer-url"), body).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      flushing = false;
      if (res.status === 200) {
        reportAcknowledged(told);
        queue = queue.filter(function (q) { return q.key !== entry.key; });
        store("queue", queue);
        setOnline(true);
        showStatus();
        return flush();
      }
      if (res.status === 409 && (res.data.code === "deadline" || res.data.code === "submitted")) {
        finish(res.data.error);
        return null;
      }
      if (res.status === 401) { window.location.reload(); return null; }
      if (res.status === 409 && res.data.code === "locked") {
        // An item already left, in a test without going back: refused for good. The server's answer
        // stands, so this device forgets its own (a reload shows the server's); the queue goes on.
        if (answers[entry.item] && answers[entry.item].seq === entry.seq) {
          delete answers[entry.item];
          store("answers", answers);
        }
      }
      // Any other refusal: drop this entry (it cannot succeed) and tell the taker.
      queue = queue.filter(function (q) { return q.key !== entry.key; });
      store("queue", queue);
      showStatus(res.data.error);
      return flush();
    }).catch(function () {
      flushing = false;
      setOnline(false);
      setTimeout(flush, 3000);
    });
  }

  function setOnline(online) {
    var box = document.getElementById("connection");
    box.hidden = online;
    box.textContent = online ? "" : L("offline");
  }

  function showStatus(message) {
    var el = document.getElementById("save-status");
    var waiting = queue.length + " " + L(queue.length === 1 ? "pending1" : "pending");
    el.textContent = message || (queue.length ? waiting : L("saved"));
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function renderStimulus(s) {
    var box = el("div", { "class": "stimulus stimulus-" + s.kind });
    if (s.kind === "chat") {
      box.appendChild(el("p", { "class": "muted" }, s.app || "Chat"));
      (s.messages || []).forEach(function (m) {
        var p = el("p", { "class": "chat-message" });
        p.appendChild(el("strong", {}, m.from + (m.time ? " · " + m.time : "")));
        p.appendChild(el("span", {}, " " + m.text));
        box.appendChild(p);
      });
    } else if (s.kind === "email") {
      box.appendChild(el("p", {}, (s.from ? "Dari: " + s.from : "") + (s.to ? " · Kepada: " + s.to : "")));
      box.appendChild(el("p", {}, s.subject ? "Perihal: " + s.subject : ""));
      box.appendChild(el("pre", { "class": "stimulus-body" }, s.body || ""));
      (s.links || []).forEach(function (link) { box.appendChild(el("p", { "class": "code" }, typeof link === "string" ? link : (link.text || "") + " → " + (link.url || ""))); });
    } else if (s.kind === "table") {
      var table = el("table", { "class": "table" });
      if (s.caption) { table.appendChild(el("caption", {}, s.caption)); }
      var head = el("tr");
      (s.columns || []).forEach(function (c) { head.appendChild(el("th", { scope: "col" }, c)); });
      table.appendChild(head);
      (s.rows || []).forEach(function (row) {
        var tr = el("tr");
        row.forEach(function (cell) { tr.appendChild(el("td", {}, cell === null ? "" : String(cell))); });
        table.appendChild(tr);
      });
      var wrap = el("div", { "class": "table-wrap" }); wrap.appendChild(table); box.appendChild(wrap);
    } else {
      if (s.url) { box.appendChild(el("p", { "class": "code" }, s.url)); }
      if (s.title) { box.appendChild(el("p", {}, s.title)).style.fontWeight = "700"; }
      box.appendChild(el("pre", { "class": "stimulus-body" }, s.body || s.text || ""));
    }
    return box;
  }

  function current() { return state.items[index]; }

  function render() {
    var item = current();
    var saved = answers[item.code] || { response: [], flagged: false };
    var section = document.getElementById("item");
    section.innerHTML = "";
    section.appendChild(el("h2", { "class": "item-number" }, L("question") + " " + (index + 1)));
    if (item.stimulus) { section.appendChild(renderStimulus(item.stimulus)); }
    section.appendChild(el("p", { "class": "stem" }, item.stem));
    var fieldset = el("fieldset", { "class": "options" });
    fieldset.appendChild(el("legend", { "class": "sr-only" }, item.stem));
    if (item.type === "ordering") {
      var answered = saved.response.length > 0;
      var order = answered ? saved.response.slice() : item.options.map(function (o) { return o.id; });
      var text = {}; item.options.forEach(function (o) { text[o.id] = o.text; });
      var hintId = "order-hint-" + item.code;
      section.appendChild(el("p", { "class": "muted", id: hintId }, L("orderhint")));
      var list = el("ol", { "class": "ordering" });
      order.forEach(function (id, pos) {
        var li = el("li", { "data-option": id });
        li.appendChild(el("span", {}, text[id]));
        var up = el("button", { type: "button", "class": "btn btn-secondary btn-small", "data-move": "up", "aria-label": L("up") + ": " + text[id] }, "↑");
        var down = el("button", { type: "button", "class": "btn btn-secondary btn-small", "data-move": "down", "aria-label": L("down") + ": " + text[id] }, "↓");
        up.disabled = pos === 0; down.disabled = pos === order.length - 1;
        up.addEventListener("click", function () { move(order, pos, -1); });
        down.addEventListener("click", function () { move(order, pos, 1); });
        li.appendChild(up); li.appendChild(down);
        list.appendChild(li);
      });
      fieldset.appendChild(list);
      if (answered) {
        fieldset.appendChild(el("p", { "class": "alert alert-success order-saved", id: "order-saved", tabindex: "-1" }, L("ordersaved")));
      } else {
        // Without this, an order that is already right could only be given by moving an option away and back.
        var keep = el("button", { type: "button", "class": "btn btn-primary confirm-order", id: "confirm-order", "aria-describedby": hintId }, L("keeporder"));
        keep.addEventListener("click", function () {
          record(item.code, order.slice(), (answers[item.code] || {}).flagged || false);
          focusNext = function (s) { return s.querySelector("#order-saved"); };
          render();
        });
        fieldset.appendChild(keep);
      }
    } else {
      var multiple = item.type === "multiple_response";
      item.options.forEach(function (o) {
        var id = "opt-" + item.code + "-" + o.id;
        var label = el("label", { "class": "option", "for": id });
        var input = el("input", { type: multiple ? "checkbox" : "radio", name: "answer", id: id, value: o.id });
        input.checked = saved.response.indexOf(o.id) >= 0;
        input.addEventListener("change", function () {
          var chosen = Array.prototype.filter.call(fieldset.querySelectorAll("input"), function (i) { return i.checked; })
            .map(function (i) { return i.value; });
          record(item.code, chosen, (answers[item.code] || {}).flagged || false);
        });
        label.appendChild(input);
        label.appendChild(el("span", {}, o.text));
        fieldset.appendChild(label);
      });
    }
    section.appendChild(fieldset);
    document.getElementById("progress").textContent = L("question") + " " + (index + 1) + " " + L("of") + " " + state.items.length;
    document.getElementById("prev").disabled = index === 0 || !state.allow_back;
    // On the last item "Next" becomes "Review and submit": submitting is one tap away from there.
    var last = index === state.items.length - 1;
    document.getElementById("next").hidden = last;
    document.getElementById("finish").hidden = !last;
    var flag = document.getElementById("flag");
    flag.setAttribute("aria-pressed", saved.flagged ? "true" : "false");
    flag.hidden = !state.allow_back;
    store("index", index);
    markSeen(item.code);
    if (focusNext) {
      var target = focusNext(section);
      focusNext = null;
      if (target) { target.focus(); }
    }
  }

  function move(order, pos, delta) {
    var item = current();
    var copy = order.slice();
    var tmp = copy[pos]; copy[pos] = copy[pos + delta]; copy[pos + delta] = tmp;
    record(item.code, copy, (answers[item.code] || {}).flagged || false);
    // Keep the focus on the option moved (its other arrow at either end), to press again from the keyboard.
    var moved = pos + delta, last = copy.length - 1;
    focusNext = function (s) {
      var buttons = s.querySelectorAll(".ordering li")[moved].querySelectorAll("button");
      return (delta < 0 ? moved > 0 : moved < last) ? buttons[delta < 0 ? 0 : 1] : buttons[delta < 0 ? 1 : 0];
    };
    render();
  }

  function renderSummary() {
    var list = document.getElementById("summary-list");
    list.innerHTML = "";
    state.items.forEach(function (item, i) {
      var a = answers[item.code];
      var li = el("li");
      var b = el("button", { type: "button", "class": "btn-link" }, L("question") + " " + (i + 1) + ": " +
        (a && a.response.length ? L("answered") : L("unanswered")) + (a && a.flagged ? " · " + L("flagged") : ""));
      b.disabled = !state.allow_back && i < index;
      b.addEventListener("click", function () {
        leave(i);
        index = i;
        document.getElementById("summary").hidden = true;
        render();
      });
      li.appendChild(b);
      list.appendChild(li);
    });
    var answered = state.items.filter(function (item) {
      var a = answers[item.code]; return a && a.response.length;
    }).length;
    document.getElementById("summary-count").textContent = L("count")
      .replace("ANSWERED", String(answered)).replace("TOTAL", String(state.items.length));
    document.getElementById("summary").hidden = false;
    document.getElementById("summary").scrollIntoView();
    document.getElementById("summary-title").focus({ preventScroll: true });
  }

  function tick() {
    if (!state || finished) { return; }
    var left = Math.max(0, Math.round((Date.parse(state.deadline) - (Date.now() + offset)) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    var timer = document.getElementById("timer");
    timer.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    timer.classList.toggle("timer-low", left <= 300);
    if (left === 0) { finish(L("timeup")); return; }
    setTimeout(tick, 1000);
  }

  function finish(message) {
    if (finished) { return; }
    finished = true;
    document.getElementById("save-status").textContent = message || "";
    var go = function () {
      post(root.getAttribute("data-submit-url"), {}).then(function () {
        localStorage.removeItem(K("state"));
        window.location.href = root.getAttribute("data-done-url");
      }).catch(function () { setTimeout(go, 3000); });
    };
    // Answers first, then the last items shown: the server takes neither after submission.
    var afterAnswers = function () { return flushSeen().then(go, go); };
    flush().then(afterAnswers, afterAnswers);
  }

  // The furthest item the server knows the taker reached (shown, answered): without going back, the
  // test resumes there even on another device or after the storage was cleared.
  function furthest() {
    var known = {};
    (state.seen || []).forEach(function (code) { known[code] = true; });
    Object.keys(state.answers || {}).forEach(function (code) { known[code] = true; });
    if (state.reached) { known[state.reached] = true; }
    var last = 0;
    state.items.forEach(function (item, i) { if (known[item.code]) { last = i; } });
    return last;
  }

  function start(data, fromServer) {
    state = data;
    if (fromServer) {
      offset = Date.parse(data.server_now) - Date.now();
      store("offset", offset);
      store("state", data);
    } else {
      offset = load("offset", 0);
    }
    if (state.state === "submitted") { window.location.href = root.getAttribute("data-done-url"); return; }
    (state.seen || []).forEach(function (code) { seenDone[code] = true; });
    reportAcknowledged({});
    var local = load("answers", {});
    answers = {};
    var maxSeq = load("seq", 0);
    Object.keys(state.answers || {}).forEach(function (code) {
      answers[code] = state.answers[code];
      maxSeq = Math.max(maxSeq, state.answers[code].seq);
    });
    Object.keys(local).forEach(function (code) {  // answers given here and not yet acknowledged win
      if (!answers[code] || local[code].seq > answers[code].seq) { answers[code] = local[code]; }
    });
    store("seq", maxSeq);
    store("answers", answers);
    index = Math.min(load("index", 0), state.items.length - 1);
    if (!state.allow_back) { index = Math.max(index, furthest()); }
    render();
    showStatus();
    tick();
    flush();
  }

  document.getElementById("next").addEventListener("click", function () {
    if (index < state.items.length - 1) { leave(index + 1); index += 1; render(); window.scrollTo(0, 0); }
  });
  document.getElementById("prev").addEventListener("click", function () {
    if (index > 0 && state.allow_back) { index -= 1; render(); window.scrollTo(0, 0); }
  });
  document.getElementById("flag").addEventListener("click", function () {
    var item = current(); var a = answers[item.code] || { response: [], flagged: false };
    record(item.code, a.response, !a.flagged);
    render();
  });
  document.getElementById("show-summary").addEventListener("click", renderSummary);
  document.getElementById("finish").addEventListener("click", renderSummary);
  // Signing out: the answers go first. Unsent ones (offline) stay in localStorage under this attempt,
  // and are sent when the taker signs in again on this device; the taker is told before leaving.
  var signout = document.getElementById("taker-signout");
  var signingOut = false;
  if (signout) {
    signout.addEventListener("submit", function (event) {
      if (signingOut) { return; }
      event.preventDefault();
      if (navigator.onLine === false) { window.alert(L("signoutoffline")); return; }
      var go = function () {
        if (queue.length && !window.confirm(L("signoutpending"))) { return; }
        signingOut = true;
        signout.submit();
      };
      var afterAnswers = function () { return flushSeen().then(go, go); };
      flush().then(afterAnswers, afterAnswers);
    });
  }
  document.getElementById("submit").addEventListener("click", function () {
    if (window.confirm(L("confirm"))) { finish(""); }
  });
  window.addEventListener("online", function () { setOnline(true); flush(); flushSeen(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && state && !finished) { flushSeen(); }
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: "/tes/" }).catch(function () {});
    navigator.serviceWorker.ready.then(function (registration) {
      var urls = [window.location.pathname];
      document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon], img[src]").forEach(function (n) {
        urls.push(n.getAttribute("src") || n.getAttribute("href"));
      });
      if (registration.active) { registration.active.postMessage({ cache: urls }); }
    });
  }
  window.addEventListener("offline", function () { setOnline(false); });

  fetch(root.getAttribute("data-state-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) {
      if (r.status === 401) { window.location.href = "/tes/"; throw new Error("login"); }
      return r.json();
    })
    .then(function (data) { start(data, true); })
    .catch(function (e) {
      if (e && e.message === "login") { return; }
      var cached = load("state", null);
      if (cached) { setOnline(false); start(cached, false); }
    });
})();
