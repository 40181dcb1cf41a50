#!/bin/sh
# One image, three roles: web (migrates first), worker, beat. `manage ARGS` runs manage.py;
# anything else runs as given.
set -eu

case "${1:-web}" in
  web)
    # Several web containers may start together: the lock lets one migrate at a time.
    python manage.py migrate_safely
    # A lead search still waits for Marketo inside the request: up to 15 s for admission, then
    # 5 s to connect and 30 s to read (apps/marketo/timeouts.py). gunicorn's default 30 s
    # would kill the worker first and answer 502.
    # The workers add up their request metrics for /metrics in one directory, emptied at
    # each start (prometheus-client's multiprocess mode: apps/site/request_metrics.py).
    export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus-multiproc}"
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    exec gunicorn marketo_admin.wsgi:application \
      --bind "0.0.0.0:${PORT:-8000}" \
      --timeout "${WEB_TIMEOUT:-75}" \
      --workers "${WEB_CONCURRENCY:-3}" \
      --access-logfile - \
      --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}"
    ;;
  worker)
    exec celery -A marketo_admin worker \
      --queues "${WORKER_QUEUES:-interactive,background}" \
      --concurrency "${WORKER_CONCURRENCY:-8}" \
      --pool threads \
      --loglevel INFO
    ;;
  beat)
    exec celery -A marketo_admin beat --loglevel INFO
    ;;
  manage)
    shift
    exec python manage.py "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
