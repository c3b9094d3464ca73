#!/usr/bin/env bash
# `make test`: every test that must pass, against real Postgres, Redis and a
# Kafka-protocol broker (a Tansu started here if none answers).
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ensure_postgres
ensure_redis
# TLS where production has it: Postgres with the test CA's certificate, a
# TLS Redis with an ACL user, and a broker demanding SCRAM over TLS.
ensure_postgres_tls
started=()
if ! port_open 127.0.0.1 "$KAFKA_PORT"; then
  # Durable storage, a fresh file each run: Tansu 0.6's memory:// engine
  # answers nothing to a fetch that starts inside a batch, which a consumer
  # resuming a paused partition (or restarting mid-batch) does.
  rm -f "$RUN_DIR/tansu/tansu-test.db"
  start_tansu "sqlite://tansu-test.db"
  started+=(tansu)
fi
if ! port_open 127.0.0.1 "$KAFKA_TLS_PORT"; then
  start_tansu_secure
  started+=(stunnel tansu-secure)
fi
if ! port_open 127.0.0.1 "$REDIS_TLS_PORT"; then
  start_redis_tls
  started+=(redis-tls)
fi
cleanup() { for name in "${started[@]}"; do stop_pidfile "$RUN_DIR/$name.pid"; done; }
trap cleanup EXIT
export_tls_test_env

# Leftovers of interrupted runs (each test drops its own database); one
# still in use belongs to a run going on beside this one and is left alone.
for db in $(psql_admin "SELECT datname FROM pg_database d WHERE datname LIKE 'qc\_test\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)"); do
  psql_admin "DROP DATABASE IF EXISTS $db" || true
done

# By name: the test server's certificate names localhost only.
export QC_TEST_ADMIN_URL="${ADMIN_URL/@127.0.0.1:/@localhost:}"
export QC_TEST_KAFKA="127.0.0.1:$KAFKA_PORT"
QC_SCHEMATHESIS=$(ensure_schemathesis) || { echo "installing schemathesis failed" >&2; exit 1; }
export QC_SCHEMATHESIS
say "building"
cargo build --workspace --bins --tests
say "testing"
fault_table="${CARGO_TARGET_DIR:-$ROOT/target}/tmp/fault-suite.txt"
rm -f "$fault_table"
status=0
if [ $# -gt 0 ]; then cargo test --no-fail-fast "$@" || status=$?; else cargo test --workspace --no-fail-fast || status=$?; fi
if [ -f "$fault_table" ]; then
  say "fault suite (e2e/tests/mesh/faults.rs)"
  cat "$fault_table"
fi
exit "$status"
