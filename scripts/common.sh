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
SCHEMATHESIS_VERSION=4.32.5
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
REDOCLY_VERSION=2.77.0
ASYNCAPI_PARSER_VERSION=3.6.6

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

# ensure_schemathesis: the contract fuzzer (PyPI) in .tools/venv, the
# venv the chart checks use too; prints its CLI's path.
ensure_schemathesis() {
  local venv="$ROOT/.tools/venv"
  if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2 || return 1
    say "installing schemathesis $SCHEMATHESIS_VERSION" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "schemathesis==$SCHEMATHESIS_VERSION" >&2 || return 1
  fi
  [ -x "$venv/bin/st" ] || return 1
  echo "$venv/bin/st"
}

# ensure_spec_validator: openapi-spec-validator (PyPI) in .tools/venv;
# prints its CLI's path.
ensure_spec_validator() {
  local venv="$ROOT/.tools/venv" cli="$ROOT/.tools/venv/bin/openapi-spec-validator"
  # (Read whole: grep -q closing the pipe early would fail pip under pipefail.)
  local shown
  shown=$("$venv/bin/pip" show openapi-spec-validator 2>/dev/null || true)
  if [[ "$shown" != *"Version: $OPENAPI_SPEC_VALIDATOR_VERSION"* ]]; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2 || return 1
    say "installing openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION" >&2 || return 1
  fi
  [ -x "$cli" ] || return 1
  echo "$cli"
}

# ensure_npm_tool PACKAGE VERSION: an npm package in .tools/node, installed
# when missing or of another version.
ensure_npm_tool() {
  local dir="$ROOT/.tools/node"
  if ! node -e "process.exit(require('$dir/node_modules/$1/package.json').version === '$2' ? 0 : 1)" 2>/dev/null; then
    command -v npm >/dev/null || apt_install nodejs npm >&2
    mkdir -p "$dir"
    say "installing $1 $2" >&2
    npm install --silent --no-audit --no-fund --prefix "$dir" "$1@$2" >&2 || return 1
  fi
}

# ensure_redocly: Redocly's CLI (npm) in .tools/node; prints its path.
ensure_redocly() {
  ensure_npm_tool @redocly/cli "$REDOCLY_VERSION" || return 1
  [ -x "$ROOT/.tools/node/node_modules/.bin/redocly" ] || return 1
  echo "$ROOT/.tools/node/node_modules/.bin/redocly"
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
  if command -v tansu >/dev/null && tansu --version 2>/dev/null | grep -q "$TANSU_VERSION" \
    && tansu --help 2>/dev/null | grep -q "Storage engines:.*libsql"; then return 0; fi
  command -v cc >/dev/null || apt_install build-essential
  say "installing the Tansu broker (cargo install, about 13 minutes on 2 cores)"
  # libsql: sqlite:// storage, for `make up`'s durable broker and the one
  # that demands SCRAM in the tests.
  cargo install tansu --version "$TANSU_VERSION" --locked --features libsql,dynostore
}

# start_tansu STORAGE: a broker on 127.0.0.1:$KAFKA_PORT unless one answers,
# working in $RUN_DIR/tansu (where a sqlite:// path lies).
start_tansu() {
  if port_open $PG_HOST "$KAFKA_PORT"; then return 0; fi
  ensure_tansu_installed
  say "starting Tansu on 127.0.0.1:$KAFKA_PORT ($1)"
  mkdir -p "$RUN_DIR/tansu"
  (cd "$RUN_DIR/tansu" && exec nohup tansu broker \
    --listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$KAFKA_PORT" \
    --storage-engine "$1") >"$RUN_DIR/tansu.log" 2>&1 &
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

# --- TLS for the tests: one test CA, a certificate for `localhost`, and the
# local Postgres, a Redis and the broker serving TLS with it.

TEST_PKI=${QC_TEST_PKI:-/var/lib/qiancheng-test-pki}
REDIS_TLS_PORT=${QC_REDIS_TLS_PORT:-6380}
# The ACL user the TLS Redis admits (the default user is switched off there).
REDIS_TLS_USER=qiancheng
REDIS_TLS_PASSWORD=test-redis-password

# ensure_test_pki: the CA and a server certificate naming `localhost` only
# (so a test can show that another name for the same server is refused).
# Made once per machine and kept while valid for another day.
ensure_test_pki() {
  if [ -f "$TEST_PKI/localhost.crt" ] && openssl x509 -checkend 86400 -noout -in "$TEST_PKI/localhost.crt" >/dev/null 2>&1 \
    && openssl x509 -checkend 86400 -noout -in "$TEST_PKI/ca.crt" >/dev/null 2>&1; then
    return 0
  fi
  say "making the test CA and a certificate for localhost ($TEST_PKI)"
  mkdir -p "$TEST_PKI"
  chmod 755 "$TEST_PKI"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$TEST_PKI/ca.key" -out "$TEST_PKI/ca.crt" -days 825 \
    -subj "/CN=Qiancheng test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req "${ec[@]}" -keyout "$TEST_PKI/localhost.key" -out "$TEST_PKI/localhost.csr" \
    -subj "/CN=localhost" 2>/dev/null
  openssl x509 -req -in "$TEST_PKI/localhost.csr" -CA "$TEST_PKI/ca.crt" -CAkey "$TEST_PKI/ca.key" \
    -CAcreateserial -days 825 -out "$TEST_PKI/localhost.crt" -extfile <(printf '%s\n' \
      "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth") 2>/dev/null
  rm -f "$TEST_PKI/localhost.csr"
  chmod 644 "$TEST_PKI/ca.crt" "$TEST_PKI/localhost.crt"
  chmod 600 "$TEST_PKI/ca.key" "$TEST_PKI/localhost.key"
}

# ensure_postgres_tls: the local cluster serves TLS with the test
# certificate (Debian's is a snakeoil one no client can verify).
ensure_postgres_tls() {
  ensure_test_pki
  local dir=/var/lib/postgresql/qiancheng-test-tls
  if ! cmp -s "$TEST_PKI/localhost.crt" "$dir/server.crt" 2>/dev/null; then
    mkdir -p "$dir"
    install -m 644 "$TEST_PKI/localhost.crt" "$dir/server.crt"
    install -m 600 "$TEST_PKI/localhost.key" "$dir/server.key"
    chown -R postgres:postgres "$dir"
  fi
  if [ "$(psql_admin "SHOW ssl_cert_file")" != "$dir/server.crt" ] || [ "$(psql_admin "SHOW ssl")" != on ]; then
    say "PostgreSQL serves TLS with the test certificate"
    psql_admin "ALTER SYSTEM SET ssl = on"
    psql_admin "ALTER SYSTEM SET ssl_cert_file = '$dir/server.crt'"
    psql_admin "ALTER SYSTEM SET ssl_key_file = '$dir/server.key'"
    psql_admin "SELECT pg_reload_conf()" >/dev/null
    sleep 1
  fi
}

# start_redis_tls: a Redis for the TLS tests on $REDIS_TLS_PORT (TLS only,
# an ACL user with a password, the default user off), beside the plain one.
start_redis_tls() {
  ensure_test_pki
  if port_open 127.0.0.1 "$REDIS_TLS_PORT"; then return 0; fi
  say "starting a TLS Redis on 127.0.0.1:$REDIS_TLS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port 0 --tls-port "$REDIS_TLS_PORT" \
    --tls-cert-file "$TEST_PKI/localhost.crt" --tls-key-file "$TEST_PKI/localhost.key" \
    --tls-ca-cert-file "$TEST_PKI/ca.crt" --tls-auth-clients no \
    --user default off --user "$REDIS_TLS_USER" on ">$REDIS_TLS_PASSWORD" '~*' '&*' '+@all' \
    --save "" --appendonly no --logfile "$RUN_DIR/redis-tls.log" --pidfile "$RUN_DIR/redis-tls.pid"
  wait_port 127.0.0.1 "$REDIS_TLS_PORT" "TLS Redis"
}

# The broker with SCRAM over TLS: Tansu demanding SASL/SCRAM-SHA-512 on
# $KAFKA_SASL_PORT (loopback only), with stunnel terminating TLS on
# $KAFKA_TLS_PORT in front of it (Tansu 0.6 cannot take --cert and --key
# together), advertised as localhost:$KAFKA_TLS_PORT so clients check the
# certificate's name. One SCRAM user per service, and one for the tests.
KAFKA_SASL_PORT=${QC_KAFKA_SASL_PORT:-9093}
KAFKA_TLS_PORT=${QC_KAFKA_TLS_PORT:-9094}
SCRAM_USERS=(qc-test demand-catalog institution-registry training-delivery skill-assessment
  employment-tracking subsidy-payment performance-evaluation)
scram_password() { echo "$1-scram-test-password"; }

start_tansu_secure() {
  if port_open 127.0.0.1 "$KAFKA_TLS_PORT"; then return 0; fi
  ensure_test_pki
  ensure_tansu_installed
  command -v stunnel4 >/dev/null || apt_install stunnel4
  local dir="$RUN_DIR/tansu-secure"
  rm -rf "$dir"
  mkdir -p "$dir"
  # Tansu 0.6 reads a sqlite:// path as relative to its working directory.
  local broker=(tansu broker --listener-url "tcp://127.0.0.1:$KAFKA_SASL_PORT"
    --advertised-listener-url "tcp://localhost:$KAFKA_TLS_PORT" --storage-engine "sqlite://tansu.db")
  say "starting Tansu with SCRAM behind TLS on localhost:$KAFKA_TLS_PORT"
  # Users are made while the broker, on loopback, admits anyone; then it
  # restarts demanding them.
  (cd "$dir" && exec "${broker[@]}") >"$dir/setup.log" 2>&1 &
  local setup=$!
  wait_port 127.0.0.1 "$KAFKA_SASL_PORT" "Tansu (setting up users)"
  local user
  for user in "${SCRAM_USERS[@]}"; do
    tansu user create --broker "tcp://127.0.0.1:$KAFKA_SASL_PORT" "$user" "$(scram_password "$user")" >/dev/null
  done
  kill "$setup"
  wait "$setup" 2>/dev/null || true
  (cd "$dir" && exec nohup "${broker[@]}" --authentication) >"$RUN_DIR/tansu-secure.log" 2>&1 &
  echo $! >"$RUN_DIR/tansu-secure.pid"
  wait_port 127.0.0.1 "$KAFKA_SASL_PORT" "Tansu (SCRAM)"
  cat >"$dir/stunnel.conf" <<CONF
foreground = no
pid = $RUN_DIR/stunnel.pid
output = $RUN_DIR/stunnel.log
[kafka]
accept = 127.0.0.1:$KAFKA_TLS_PORT
connect = 127.0.0.1:$KAFKA_SASL_PORT
cert = $TEST_PKI/localhost.crt
key = $TEST_PKI/localhost.key
CONF
  stunnel4 "$dir/stunnel.conf"
  wait_port 127.0.0.1 "$KAFKA_TLS_PORT" "stunnel"
}

# The environment the tests read to reach the TLS parts.
export_tls_test_env() {
  export QC_TEST_PKI_CA="$TEST_PKI/ca.crt"
  export QC_TEST_PG_CA="$TEST_PKI/ca.crt"
  export QC_TEST_KAFKA_TLS="localhost:$KAFKA_TLS_PORT"
  export QC_TEST_REDIS_TLS="rediss://$REDIS_TLS_USER:$REDIS_TLS_PASSWORD@localhost:$REDIS_TLS_PORT"
  export QC_TEST_SCRAM_PASSWORD_SUFFIX="-scram-test-password"
}
