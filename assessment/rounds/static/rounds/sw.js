/* IKD test service worker: the test page and its assets stay available when the connection drops,
 * so a reload while offline still shows the test (answers wait in localStorage; see taker.js).
 * Network first for every GET it sees, keeping a copy of what succeeded; the cache only answers
 * when the network does not. Answers (POST) are never cached. */
var CACHE = "ikd-taker-v1";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
// The page sends the URLs it was built from (itself, its scripts and styles) to keep for offline.
self.addEventListener("message", function (event) {
  if (event.data && event.data.cache) {
    event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(event.data.cache); }));
  }
});
self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (!(url.pathname.indexOf("/tes/") === 0 || url.pathname.indexOf("/static/") === 0)) { return; }
  // A result is never kept on the device: after signing out it must not open offline for the next user.
  if (url.pathname.indexOf("/tes/hasil") === 0 || url.pathname.indexOf("/tes/keluar") === 0) { return; }
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) {
        return hit || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
      });
    })
  );
});
