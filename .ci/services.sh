#!/usr/bin/env bash
# Installs (Debian packages) and starts PostgreSQL 15 and Redis on loopback,
# on unusual ports, in a temporary directory; prints the environment for the
# tests. Used by .ci/run; usable by hand: eval "$(bash .ci/services.sh start)".
set -euo pipefail
dir="${KWHUB_SERVICES_DIR:-/tmp/kwhub-ci-services}"
pg_port="${KWHUB_PG_PORT:-55432}"
redis_port="${KWHUB_REDIS_PORT:-56379}"

install_packages() {
  local missing=()
  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${missing[@]}" >&2
  fi
}

start() {
  install_packages
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [ ! -d "$dir/pg" ]; then
    install -d -o postgres -g postgres "$dir/pg"
    su postgres -c "/usr/lib/postgresql/15/bin/initdb -D '$dir/pg/data' -A trust -U postgres" >&2
  fi
  if ! su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$dir/pg/data' status" >/dev/null 2>&1; then
    su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$dir/pg/data' -w -l '$dir/pg/log' -o \"-p $pg_port -k '$dir/pg' -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start" >&2
  fi
  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no --daemonize yes --logfile "$dir/redis.log" >&2
  fi
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "export KWHUB_TEST_PG_URL=postgres://postgres@127.0.0.1:$pg_port/postgres"
  echo "export KWHUB_TEST_REDIS_URL=redis://127.0.0.1:$redis_port"
}

stop() {
  su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$dir/pg/data' -m fast stop" >&2 2>/dev/null || true
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$dir"
}

"${1:-start}"
