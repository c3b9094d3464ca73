# Shared by the Makefile's scripts: find or install, then start, what the
# platform needs on this machine. Sourced, not run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR="$ROOT/.run"
mkdir -p "$RUN_DIR"
export PATH="$HOME/.cargo/bin:$PATH"

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379
KAFKA_PORT=${QC_KAFKA_PORT:-9092}
ADMIN_URL=${QC_ADMIN_DATABASE_URL:-postgres://postgres:postgres@$PG_HOST:$PG_PORT/postgres}
TANSU_VERSION=0.6.0

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[33mwarning:\033[0m %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() { # host port what [seconds]
  local i
  for ((i = 0; i < ${4:-30} * 10; i++)); do
    port_open "$1" "$2" && return 0
    sleep 0.1
  done
  echo "$3 did not open $1:$2" >&2
  return 1
}

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if port_open $PG_HOST $PG_PORT; then return 0; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql postgresql-client
  fi
  say "starting PostgreSQL"
  local version
  version=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_port $PG_HOST $PG_PORT PostgreSQL
  # A fresh install asks for passwords over TCP: give the admin one.
  runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
}

ensure_redis() {
  if port_open $PG_HOST $REDIS_PORT; then return 0; fi
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port $REDIS_PORT --save "" --appendonly no \
    --logfile "$RUN_DIR/redis.log" --pidfile "$RUN_DIR/redis.pid"
  wait_port $PG_HOST $REDIS_PORT Redis
}

ensure_tansu_installed() {
  if command -v tansu >/dev/null && tansu --version 2>/dev/null | grep -q "$TANSU_VERSION"; then return 0; fi
  command -v cc >/dev/null || apt_install build-essential
  say "installing the Tansu broker (cargo install, about 8 minutes on 2 cores)"
  cargo install tansu --version "$TANSU_VERSION" --locked --features dynostore,postgres
}

# start_tansu STORAGE: a broker on 127.0.0.1:$KAFKA_PORT unless one answers.
start_tansu() {
  if port_open $PG_HOST "$KAFKA_PORT"; then return 0; fi
  ensure_tansu_installed
  say "starting Tansu on 127.0.0.1:$KAFKA_PORT ($1)"
  nohup tansu broker \
    --listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
    --storage-engine "$1" >"$RUN_DIR/tansu.log" 2>&1 &
  echo $! >"$RUN_DIR/tansu.pid"
  wait_port $PG_HOST "$KAFKA_PORT" Tansu
}

stop_pidfile() { # file
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

psql_admin() { psql "$ADMIN_URL" -v ON_ERROR_STOP=1 -qAtc "$1"; }
