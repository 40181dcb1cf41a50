#!/bin/sh
# One image, three roles: web (migrates first), worker, beat. `manage ARGS` runs manage.py;
# anything else runs as given.
set -eu

case "${1:-web}" in
  web)
    # Several web containers may start together: the lock lets one migrate at a time.
    python manage.py migrate_safely
    exec gunicorn marketo_admin.wsgi:application \
      --bind "0.0.0.0:${PORT:-8000}" \
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
