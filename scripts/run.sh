#!/usr/bin/env bash
# Start the web server, a Celery worker with beat and the EOMS/SI stub service; stop all on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
STUBS_PORT=${STUBS_PORT:-8100}
export EOMS_BASE_URL=${EOMS_BASE_URL:-http://$HOST:$STUBS_PORT/eoms}
export SI_BASE_URL=${SI_BASE_URL:-http://$HOST:$STUBS_PORT/si}

trap 'trap - EXIT; kill 0 2>/dev/null' EXIT INT TERM

$BIN/gunicorn keyaccounts.wsgi --bind "$HOST:$PORT" --workers "${WEB_CONCURRENCY:-2}" --access-logfile - &
$BIN/gunicorn stubs.wsgi --bind "$HOST:$STUBS_PORT" --workers 1 --env DJANGO_SETTINGS_MODULE=stubs.settings &
$BIN/celery -A keyaccounts worker --beat --loglevel INFO --concurrency "${CELERY_CONCURRENCY:-2}" \
  --schedule var/celerybeat-schedule &

for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://$HOST:$PORT/login/" 2>/dev/null && break
  sleep 0.5
done
echo
echo "================================================================================"
echo " keyaccounts is running at http://$HOST:$PORT/   (health: /healthz, admin: /admin/)"
echo " EOMS/SI stubs at http://$HOST:$STUBS_PORT/      Stop with Ctrl-C."
$BIN/python manage.py seed_demo --print-logins
echo "================================================================================"
wait -n
