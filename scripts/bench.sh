#!/usr/bin/env bash
# `make bench`: prints figures, asserts nothing.
#   1. cached public read of demand-catalog vs a bare actix handler serving the
#      same bytes (both one worker, same wrk load): requests/s, p50, p99, ratio
#   2. outbox-to-topic: events/s the relay moves from Postgres to the broker
source "$(dirname "$0")/common.sh"
cd "$ROOT"

DURATION=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
SERVICE_PORT=8191
BARE_PORT=8192
TRACED_PORT=8193
DB=qc_bench

ensure_postgres
ensure_redis
command -v wrk >/dev/null || apt_install wrk
started_broker=""
if ! port_open 127.0.0.1 "$KAFKA_PORT"; then start_tansu "memory://tansu/"; started_broker=1; fi

say "building (release)"
cargo build --release -q -p demand-catalog -p e2e --bins
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"

cleanup() {
  stop_pidfile "$RUN_DIR/bench-service.pid"
  stop_pidfile "$RUN_DIR/bench-bare.pid"
  stop_pidfile "$RUN_DIR/bench-traced.pid"
  [ -z "$started_broker" ] || stop_pidfile "$RUN_DIR/tansu.pid"
}
trap cleanup EXIT

psql_admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
psql_admin "CREATE DATABASE $DB"
export QC_DEMAND_CATALOG_HTTP__BIND="127.0.0.1:$SERVICE_PORT"
export QC_DEMAND_CATALOG_HTTP__WORKERS=1
export QC_DEMAND_CATALOG_DATABASE__URL="postgres://demand_catalog:demand_catalog@127.0.0.1:5432/$DB"
export QC_DEMAND_CATALOG_KAFKA__TOPIC_PREFIX="bench."
export QC_DEMAND_CATALOG_REDIS__KEY_PREFIX="bench:$(date +%s):"
export QC_DEMAND_CATALOG_AUTH__JWT_SECRET="bench-secret-bench-secret-bench-secret"
export QC_DEMAND_CATALOG_PUBLIC__RATE_LIMIT_PER_MINUTE=4000000000
export QC_DEMAND_CATALOG_TELEMETRY__LOG_LEVEL=warn
# Trace sampling as a city runs it at volume (charts: 5 %); 1 % here.
export QC_DEMAND_CATALOG_TELEMETRY__SAMPLE_RATIO=${BENCH_SAMPLE_RATIO:-0.01}
"$BIN/demand-catalog" provision --admin-url "${ADMIN_URL%/*}/$DB" >/dev/null
"$BIN/demand-catalog" migrate >/dev/null
"$BIN/demand-catalog" topics >/dev/null
"$BIN/demand-catalog" load-occupations >/dev/null
nohup "$BIN/demand-catalog" serve >"$RUN_DIR/bench-service.log" 2>&1 &
echo $! >"$RUN_DIR/bench-service.pid"
wait_port 127.0.0.1 $SERVICE_PORT demand-catalog
token=$("$BIN/demand-catalog" dev-token --role bureau_officer --city 350100)
"$BIN/qc-seed" --catalog "http://127.0.0.1:$SERVICE_PORT" --token "$token" >/dev/null

year=$(TZ=Asia/Shanghai date +%Y)
url="http://127.0.0.1:$SERVICE_PORT/v1/public/catalogues/350100/$year"
curl -fsS "$url" >"$RUN_DIR/bench-body.json"   # fills the cache
[ "$(curl -fsS -o /dev/null -w '%header{x-cache}' "$url")" = hit ] || { echo "the cache is not answering" >&2; exit 1; }
nohup "$BIN/qc-bench-bare" --bind "127.0.0.1:$BARE_PORT" --body-file "$RUN_DIR/bench-body.json" >"$RUN_DIR/bench-bare.log" 2>&1 &
echo $! >"$RUN_DIR/bench-bare.pid"
wait_port 127.0.0.1 $BARE_PORT bare

measure() { # name url -> "rps p50 p99"
  local out rps p50 p99
  out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$2")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then echo "$1: non-2xx answers during the run" >&2; exit 1; fi
  echo "$rps $p50 $p99"
}

say "wrk: $CONNECTIONS connections, ${DURATION}s each, body $(wc -c <"$RUN_DIR/bench-body.json") bytes, new traces sampled at $QC_DEMAND_CATALOG_TELEMETRY__SAMPLE_RATIO"
read -r bare_rps bare_p50 bare_p99 < <(measure bare "http://127.0.0.1:$BARE_PORT/bare")
read -r svc_rps svc_p50 svc_p99 < <(measure service "$url")
# The same read with every request traced, for comparison.
QC_DEMAND_CATALOG_TELEMETRY__SAMPLE_RATIO=1 QC_DEMAND_CATALOG_HTTP__BIND="127.0.0.1:$TRACED_PORT" \
  nohup "$BIN/demand-catalog" serve >"$RUN_DIR/bench-traced.log" 2>&1 &
echo $! >"$RUN_DIR/bench-traced.pid"
wait_port 127.0.0.1 $TRACED_PORT demand-catalog
curl -fsS "http://127.0.0.1:$TRACED_PORT/v1/public/catalogues/350100/$year" >/dev/null
read -r all_rps all_p50 all_p99 < <(measure traced "http://127.0.0.1:$TRACED_PORT/v1/public/catalogues/350100/$year")
stop_pidfile "$RUN_DIR/bench-traced.pid"
# The service's own relay would share the outbox table: stop it first.
stop_pidfile "$RUN_DIR/bench-service.pid"
say "outbox to topic"
outbox=$("$BIN/qc-bench-outbox" --database-url "$QC_DEMAND_CATALOG_DATABASE__URL" --brokers "127.0.0.1:$KAFKA_PORT" --topic-prefix bench. --events "${BENCH_EVENTS:-20000}")

printf '\n%-36s %12s %10s %10s\n' "benchmark" "requests/s" "p50" "p99"
printf '%-36s %12s %10s %10s\n' "bare actix handler (1 worker)" "$bare_rps" "$bare_p50" "$bare_p99"
printf '%-36s %12s %10s %10s\n' "cached public catalogue (1 worker)" "$svc_rps" "$svc_p50" "$svc_p99"
printf '%-36s %12s %10s %10s\n' "  same, every request traced" "$all_rps" "$all_p50" "$all_p99"
awk -v s="$svc_rps" -v t="$all_rps" -v b="$bare_rps" 'BEGIN {
  printf "cached read / bare handler            %.2f  (target >= 0.50)\n", s / b
  printf "  every request traced / bare         %.2f\n", t / b }'
echo "$outbox"
