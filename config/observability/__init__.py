"""Observability: Prometheus metrics, JSON logs with request and region ids, liveness and readiness.

Design, and the reasons for it:

- **One metrics endpoint, never public.** ``/metrics`` is answered by :mod:`.middleware` before the
  region is resolved, so it is the same on every host the app serves (the public host, any region's,
  a pod's address) and costs no database query. It is refused unless the request carries
  ``Authorization: Bearer $METRICS_TOKEN`` or comes straight (no ``X-Forwarded-For``: not through the
  public proxy) from one of ``METRICS_ALLOWED_NETWORKS``; with neither configured it does not exist (404).
- **Bounded labels.** Requests are counted by route (the resolver's ``url_name``, else the route
  pattern, never the raw path) and status class; the latency histogram by route only. A region label
  appears only where it is cheap: on the test-day save counter (552 regions x 3 outcomes) and on the
  scoring and import counters (rare events).
- **Values read at scrape time** where they live elsewhere: the Celery queue depth is Redis ``LLEN``
  of the queue's lists, read when Prometheus asks (:mod:`.metrics`).
- **Several processes.** gunicorn's workers and Celery's pool children each count in their own
  memory; with ``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory, emptied at each start, shared by
  the processes of one host) prometheus_client writes the values to files there and ``/metrics``
  adds them up. See docs in :mod:`.metrics`.
- **JSON logs** (``LOG_FORMAT=json``, :mod:`.jsonlog`): one object per line, with the request id (the
  client's or proxy's ``X-Request-ID`` when sane, else generated; sent back in the response header), the
  region's schema and the Celery task id. The redaction filter (config.logredact) still runs first.
- **Liveness is not readiness.** ``/healthz`` says the process answers and calls nothing (a liveness
  probe that fails when PostgreSQL is down would restart every pod at once, which cures nothing);
  ``/readyz`` (:mod:`.probes`) checks PostgreSQL, the cache's Redis and the broker, and says which
  failed (503), so that a load balancer stops sending traffic to a pod that cannot serve it.
"""
