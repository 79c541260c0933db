#!/usr/bin/env bash
# Start the web server, a Celery worker with beat and the EOMS/SI stub service; stop all on Ctrl-C or TERM.
#
# Each service runs in a session (and process group) of its own, so that a signal to this script's group (Ctrl-C
# in a terminal, `kill -TERM -<pgid>` from a supervisor) reaches only this script, which then stops each service
# through its main process. Signalled directly, Celery's pool processes died under their tasks and the worker
# waited out billiard's lost-worker timeout (10 s) before its warm shutdown could finish.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin  # the Makefile's VENV
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-keyaccounts.settings.local}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
STUBS_PORT=${STUBS_PORT:-8100}
VAR_DIR=${KEYACCOUNTS_VAR_DIR:-var}
STOP_GRACE_SECONDS=${STOP_GRACE_SECONDS:-10}  # then whatever still runs is killed, with its whole group
export EOMS_BASE_URL=${EOMS_BASE_URL:-http://$HOST:$STUBS_PORT/eoms}
export SI_BASE_URL=${SI_BASE_URL:-http://$HOST:$STUBS_PORT/si}
export GATEWAY_BASE_URL=${GATEWAY_BASE_URL:-http://$HOST:$STUBS_PORT/gateway}
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://$HOST:$PORT}

groups=()  # each service's process group id (its main process's pid, as setsid leaves it)

alive() {
  local pgid
  for pgid in "${groups[@]}"; do kill -0 -- "-$pgid" 2>/dev/null && return 0; done
  return 1
}

stop_all() {
  trap - EXIT
  trap 'hard=1' INT TERM HUP  # a second Ctrl-C or TERM stops the rest at once
  hard=0
  [ "${#groups[@]}" -eq 0 ] && exit 0
  echo "Stopping..." >&2
  # The main process of each (gunicorn's master, Celery's worker) stops its own children: a warm shutdown.
  kill -TERM "${groups[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_GRACE_SECONDS))
  while alive && [ "$hard" -eq 0 ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  local pgid
  for pgid in "${groups[@]}"; do kill -KILL -- "-$pgid" 2>/dev/null || true; done
  exit 0
}
trap stop_all EXIT INT TERM HUP

start() {
  setsid "$@" &  # not a group leader here, so setsid execs in place: $! is the service's pid and group
  groups+=($!)
}

# Threads: a connection waits in a worker's poller until its request has arrived, not in a worker of its own.
start $BIN/gunicorn keyaccounts.wsgi --bind "$HOST:$PORT" --workers "${WEB_CONCURRENCY:-2}" \
  --threads "${WEB_THREADS:-2}" --access-logfile -
start $BIN/gunicorn stubs.wsgi --bind "$HOST:$STUBS_PORT" --workers 1 --threads 4 \
  --env DJANGO_SETTINGS_MODULE=stubs.settings
# The beat's periodic sweeps log at INFO every few seconds: the local settings keep those loggers at WARNING.
start $BIN/celery -A keyaccounts worker --beat --loglevel INFO --concurrency "${CELERY_CONCURRENCY:-2}" \
  --schedule "$VAR_DIR/celerybeat-schedule"

# /healthz answers 200 once the database, the broker and a worker's heartbeat are there: startup is over.
for _ in $(seq 1 90); do
  curl -fsS -o /dev/null "http://$HOST:$PORT/healthz" 2>/dev/null && break
  alive || exit 1
  sleep 1
done
for _ in $(seq 1 20); do
  $BIN/python manage.py subscribe_to_peers 2>/dev/null && break  # the stubs may still be starting
  sleep 0.5
done
logins=$($BIN/python manage.py seed_demo --print-logins)
echo
echo "================================================================================"
echo " keyaccounts is running at http://$HOST:$PORT/   (health: /healthz, admin: /admin/)"
echo " EOMS/SI/gateway stubs at http://$HOST:$STUBS_PORT/      Stop with Ctrl-C."
echo "$logins"
echo "================================================================================"
wait -n  # a service that exits stops the others (the EXIT trap)
