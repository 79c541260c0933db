#!/usr/bin/env bash
# Start the web server, a Celery worker with beat and the EOMS/SI stub service; stop all on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-keyaccounts.settings.local}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
STUBS_PORT=${STUBS_PORT:-8100}
export EOMS_BASE_URL=${EOMS_BASE_URL:-http://$HOST:$STUBS_PORT/eoms}
export SI_BASE_URL=${SI_BASE_URL:-http://$HOST:$STUBS_PORT/si}
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://$HOST:$PORT}

pids=()
stop_all() {
  trap - EXIT INT TERM
  kill -TERM "${pids[@]}" 2>/dev/null
  for _ in $(seq 1 20); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && exit 0
    sleep 0.5
  done
  kill -KILL "${pids[@]}" 2>/dev/null  # a worker still finishing a task after 10 s is stopped hard
  exit 0
}
trap stop_all EXIT INT TERM HUP

# Threads: a connection waits in a worker's poller until its request has arrived, not in a worker of its own.
$BIN/gunicorn keyaccounts.wsgi --bind "$HOST:$PORT" --workers "${WEB_CONCURRENCY:-2}" --threads "${WEB_THREADS:-2}" \
  --access-logfile - &
pids+=($!)
$BIN/gunicorn stubs.wsgi --bind "$HOST:$STUBS_PORT" --workers 1 --threads 4 \
  --env DJANGO_SETTINGS_MODULE=stubs.settings &
pids+=($!)
$BIN/celery -A keyaccounts worker --beat --loglevel INFO --concurrency "${CELERY_CONCURRENCY:-2}" \
  --schedule var/celerybeat-schedule &
pids+=($!)

for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://$HOST:$PORT/login/" 2>/dev/null && break
  sleep 0.5
done
for _ in $(seq 1 20); do
  $BIN/python manage.py subscribe_to_peers 2>/dev/null && break  # the stubs may still be starting
  sleep 0.5
done
echo
echo "================================================================================"
echo " keyaccounts is running at http://$HOST:$PORT/   (health: /healthz, admin: /admin/)"
echo " EOMS/SI stubs at http://$HOST:$STUBS_PORT/      Stop with Ctrl-C."
$BIN/python manage.py seed_demo --print-logins
echo "================================================================================"
wait -n
