#!/usr/bin/env bash
# Local PostgreSQL, Redis and NATS (with JetStream) for development and tests.
#
#   bash scripts/infra.sh up      start whichever is not answering on its default port,
#                                 installing it from Debian's packages first when root
#   bash scripts/infra.sh status  say which ones answer
#
# A service that already answers is left alone, so this is safe to run again and never
# touches infrastructure someone else started. Set DATABASE_URL, REDIS_URL or NATS_URL to use
# servers elsewhere; the ones set are not checked or started here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_postgres() {
  ensure_debs postgresql
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || die "PostgreSQL is installed but has no cluster in /etc/postgresql"
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  wait_port 127.0.0.1 5432 PostgreSQL
  # A cluster we installed authenticates TCP clients by password: give the development user the
  # password that .env.example documents (local development only).
  if is_root && command -v runuser >/dev/null; then
    runuser -u postgres -- psql -q -c "ALTER USER postgres PASSWORD 'postgres'" >/dev/null 2>&1 || true
  fi
}

start_redis() {
  ensure_debs redis-server
  mkdir -p "$CASCADE_STATE_DIR/redis"
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
    --dir "$CASCADE_STATE_DIR/redis" --logfile "$CASCADE_STATE_DIR/redis/redis.log" >&2
  wait_port 127.0.0.1 6379 Redis
}

start_nats() {
  ensure_debs nats-server
  mkdir -p "$CASCADE_STATE_DIR/nats"
  log "starting NATS with JetStream"
  nohup nats-server -a 127.0.0.1 -p 4222 -js -sd "$CASCADE_STATE_DIR/nats" \
    >"$CASCADE_STATE_DIR/nats/nats.log" 2>&1 &
  disown || true
  wait_port 127.0.0.1 4222 NATS
}

up() {
  [ -n "${DATABASE_URL:-}" ] || port_open 127.0.0.1 5432 || start_postgres
  [ -n "${REDIS_URL:-}" ] || port_open 127.0.0.1 6379 || start_redis
  [ -n "${NATS_URL:-}" ] || port_open 127.0.0.1 4222 || start_nats
  log "infrastructure is up (PostgreSQL, Redis, NATS)"
}

status() {
  local name port
  for pair in PostgreSQL:5432 Redis:6379 NATS:4222; do
    name=${pair%%:*} port=${pair##*:}
    if port_open 127.0.0.1 "$port"; then echo "$name: up on 127.0.0.1:$port"; else echo "$name: down"; fi
  done
}

case "${1:-up}" in
  up) up ;;
  status) status ;;
  *) die "usage: $0 [up|status]" ;;
esac
