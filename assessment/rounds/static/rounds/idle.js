/* Pages that show an employee's result sign out after a few idle minutes: phones and lab computers are
 * passed on. The sign-out form (#taker-signout) carries the limit (data-idle-seconds) and a key new with
 * every sign-in (data-idle-key). The last tap, key or scroll is kept in sessionStorage under that key,
 * so a reload (the page waiting for a score refreshes itself) does not count as activity. A minute
 * before the limit a warning shows; at the limit the form is sent with reason=idle. The server keeps
 * the same limit on its side (rounds.taker_views.idle_expired), should this script not run. */
(function () {
  "use strict";
  var form = document.getElementById("taker-signout");
  if (!form || !form.getAttribute("data-idle-seconds")) { return; }
  var limit = parseInt(form.getAttribute("data-idle-seconds"), 10) * 1000;
  var warnAt = Math.max(limit - 60000, limit / 2);
  var key = "ikd:idle:" + (form.getAttribute("data-idle-key") || "");
  var warning = document.getElementById("idle-warning");
  var memory = 0, written = 0, done = false;

  function read() {
    try { return parseInt(sessionStorage.getItem(key) || "0", 10) || memory; } catch (e) { return memory; }
  }
  function write(time) {
    memory = time;
    try { sessionStorage.setItem(key, String(time)); } catch (e) { /* private mode: memory only */ }
  }
  function active() {
    var now = Date.now();
    if (now - written < 1000) { return; }  // at most once a second: scrolling fires often
    written = now;
    write(now);
    if (warning) { warning.hidden = true; }
  }
  function check() {
    if (done) { return; }
    var idle = Date.now() - read();
    if (idle >= limit) {
      done = true;
      var reason = document.createElement("input");
      reason.type = "hidden"; reason.name = "reason"; reason.value = "idle";
      form.appendChild(reason);
      form.submit();
    } else if (warning) {
      warning.hidden = idle < warnAt;
    }
  }
  if (!read()) { write(Date.now()); }
  ["pointerdown", "keydown", "touchstart", "wheel", "scroll"].forEach(function (name) {
    window.addEventListener(name, active, { passive: true, capture: true });
  });
  // Timers sleep while a phone is locked: the check on waking counts the time it slept.
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { check(); } });
  window.setInterval(check, 1000);
})();
