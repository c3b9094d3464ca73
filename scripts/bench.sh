#!/usr/bin/env bash
# `make bench`: prints figures, asserts nothing.
#   1. cached public read of demand-catalog vs a bare actix handler serving the
#      same bytes (both one worker, same wrk load): requests/s, p50, p99, ratio
#   2. outbox-to-topic: events/s the relay moves from Postgres to the broker
#   3. delivery: enrolments and check-ins through the API, next to pgbench
#   4. public certificate verification (cached): requests/s, p50, p99
#   5. social-insurance matching: a 100,000-record batch, records and matches/s
#   6. subsidy: claims evaluated and paid per second end to end, next to
#      pgbench running a transaction of as many row writes as one claim made
#   7. the city dashboard over 100,000 completed trainings: requests/s, p99
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
cargo build --release -q -p demand-catalog -p institution-registry -p training-delivery -p skill-assessment -p employment-tracking -p subsidy-payment -p performance-evaluation -p e2e --bins
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"

cleanup() {
  stop_pidfile "$RUN_DIR/bench-service.pid"
  stop_pidfile "$RUN_DIR/bench-bare.pid"
  stop_pidfile "$RUN_DIR/bench-traced.pid"
  stop_pidfile "$RUN_DIR/bench-registry.pid"
  stop_pidfile "$RUN_DIR/bench-delivery.pid"
  stop_pidfile "$RUN_DIR/bench-assessment.pid"
  stop_pidfile "$RUN_DIR/bench-employment.pid"
  stop_pidfile "$RUN_DIR/bench-subsidy.pid"
  stop_pidfile "$RUN_DIR/bench-evaluation.pid"
  [ -z "$started_broker" ] || stop_pidfile "$RUN_DIR/tansu.pid"
}
trap cleanup EXIT

psql_admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
psql_admin "CREATE DATABASE $DB"
export QC_DEMAND_CATALOG_HTTP__BIND="127.0.0.1:$SERVICE_PORT"
export QC_DEMAND_CATALOG_HTTP__WORKERS=1
export QC_DEMAND_CATALOG_DATABASE__URL="postgres://demand_catalog_app:demand_catalog_app@127.0.0.1:5432/$DB"
export QC_DEMAND_CATALOG_DATABASE__OWNER_URL="postgres://demand_catalog:demand_catalog@127.0.0.1:5432/$DB"
export QC_DEMAND_CATALOG_DATABASE__SSLMODE=disable
export QC_DEMAND_CATALOG_KAFKA__SECURITY_PROTOCOL=plaintext
export QC_DEMAND_CATALOG_KAFKA__TOPIC_PREFIX="bench."
export QC_DEMAND_CATALOG_REDIS__KEY_PREFIX="bench:$(date +%s):"
"$BIN/demand-catalog" dev-keys --dir "$RUN_DIR/keys" >/dev/null
export QC_DEMAND_CATALOG_AUTH__ISSUER="https://id.local.qiancheng/350100"
export QC_DEMAND_CATALOG_AUTH__JWKS_URL="file://$RUN_DIR/keys/jwks.json"
export QC_DEMAND_CATALOG_AUTH__LOCAL_SIGNING_KEY="$RUN_DIR/keys/signing-key.pem"
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
# Registry and delivery on the same database (their own schemas), for the seed
# and the delivery figures.
start_other() { # name port pidfile [SECTION__KEY=value ...]
  local prefix="QC_$(tr 'a-z-' 'A-Z_' <<<"$1")_" schema="${1//-/_}" extra=()
  for setting in "${@:4}"; do extra+=("$prefix$setting"); done
  env "${extra[@]}" "${prefix}HTTP__BIND=127.0.0.1:$2" "${prefix}HTTP__WORKERS=1" \
    "${prefix}DATABASE__URL=postgres://${schema}_app:${schema}_app@127.0.0.1:5432/$DB" \
    "${prefix}DATABASE__OWNER_URL=postgres://$schema:$schema@127.0.0.1:5432/$DB" "${prefix}DATABASE__SSLMODE=disable" \
    "${prefix}KAFKA__SECURITY_PROTOCOL=plaintext" \
    "${prefix}KAFKA__TOPIC_PREFIX=bench." "${prefix}REDIS__KEY_PREFIX=$QC_DEMAND_CATALOG_REDIS__KEY_PREFIX" \
    "${prefix}AUTH__ISSUER=$QC_DEMAND_CATALOG_AUTH__ISSUER" "${prefix}AUTH__JWKS_URL=$QC_DEMAND_CATALOG_AUTH__JWKS_URL" \
    "${prefix}TELEMETRY__LOG_LEVEL=warn" \
    "${prefix}TELEMETRY__SAMPLE_RATIO=$QC_DEMAND_CATALOG_TELEMETRY__SAMPLE_RATIO" \
    bash -c "'$BIN/$1' provision --admin-url '${ADMIN_URL%/*}/$DB' >/dev/null && '$BIN/$1' migrate >/dev/null && '$BIN/$1' topics >/dev/null && exec '$BIN/$1' serve" \
    >"$RUN_DIR/$3.log" 2>&1 &
  echo $! >"$RUN_DIR/$3.pid"
  wait_port 127.0.0.1 "$2" "$1"
}
REGISTRY_PORT=8194
DELIVERY_PORT=8195
ASSESSMENT_PORT=8196
EMPLOYMENT_PORT=8197
SUBSIDY_PORT=8198
EVALUATION_PORT=8199
BENCH_PERSON_ID_KEY=YmVuY2gtcGVyc29uLWlkLWtleS0zMi1ieXRlcy0hISE=
start_other institution-registry $REGISTRY_PORT bench-registry
start_other training-delivery $DELIVERY_PORT bench-delivery \
  SERVICE__PII_ENCRYPTION_KEYS=bench1:YmVuY2gtcGlpLWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM= \
  SERVICE__PII_LOOKUP_KEY=YmVuY2gtcGlpLWxvb2t1cC1rZXktMzItYnl0ZXMtISE= \
  SERVICE__PERSON_ID_KEY=YmVuY2gtcGVyc29uLWlkLWtleS0zMi1ieXRlcy0hISE=
start_other skill-assessment $ASSESSMENT_PORT bench-assessment \
  SERVICE__PII_ENCRYPTION_KEYS=bench1:YmVuY2gtcGlpLWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM= \
  SERVICE__PII_LOOKUP_KEY=YmVuY2gtcGlpLWxvb2t1cC1rZXktMzItYnl0ZXMtISE= \
  SERVICE__PERSON_ID_KEY=YmVuY2gtcGVyc29uLWlkLWtleS0zMi1ieXRlcy0hISE= \
  SERVICE__CREDENTIAL_SECRET=YmVuY2gtY3JlZGVudGlhbC1zZWNyZXQtMzItYnl0ZXM= \
  PUBLIC__RATE_LIMIT_PER_MINUTE=4000000000
start_other employment-tracking $EMPLOYMENT_PORT bench-employment SERVICE__PERSON_ID_KEY=$BENCH_PERSON_ID_KEY
"$BIN/demand-catalog" dev-keys --dir "$RUN_DIR/keys/bank-file" >/dev/null
"$BIN/demand-catalog" dev-keys --dir "$RUN_DIR/keys/bank" >/dev/null
start_other subsidy-payment $SUBSIDY_PORT bench-subsidy \
  SERVICE__PII_ENCRYPTION_KEYS=bench1:YmVuY2gtcGlpLWVuY3J5cHRpb24ta2V5LTMyYnl0ZXM= \
  SERVICE__PII_LOOKUP_KEY=YmVuY2gtcGlpLWxvb2t1cC1rZXktMzItYnl0ZXMtISE= \
  SERVICE__BANK__SIGNING_KEY="$RUN_DIR/keys/bank-file/signing-key.pem" \
  SERVICE__BANK__RESULT_KEYS="$RUN_DIR/keys/bank/jwks.json"
start_other performance-evaluation $EVALUATION_PORT bench-evaluation PUBLIC__RATE_LIMIT_PER_MINUTE=4000000000
token=$("$BIN/demand-catalog" dev-token --role bureau_officer --city 350100)
school=$("$BIN/demand-catalog" dev-token --role institution_operator --city 350100 --org 91350100M000100Y43)
base=$("$BIN/demand-catalog" dev-token --role institution_operator --city 350100 --org 91110000100000000R)
"$BIN/qc-seed" --catalog "http://127.0.0.1:$SERVICE_PORT" --registry "http://127.0.0.1:$REGISTRY_PORT" \
  --delivery "http://127.0.0.1:$DELIVERY_PORT" --token "$token" --operator-token "$school" --base-operator-token "$base" \
  --assessment "http://127.0.0.1:$ASSESSMENT_PORT" \
  --assessor-token "$("$BIN/demand-catalog" dev-token --role assessor --city 350100 --org 12350100MB0000001Y)" \
  --employment "http://127.0.0.1:$EMPLOYMENT_PORT" \
  --employer-token "$("$BIN/demand-catalog" dev-token --role enterprise --city 350100 --org 91350100MA0000002T)" \
  --subsidy "http://127.0.0.1:$SUBSIDY_PORT" >/dev/null

year=$(TZ=Asia/Shanghai date +%Y)
url="http://127.0.0.1:$SERVICE_PORT/v1/public/catalogues/350100/$year"
curl -fsS "$url" >"$RUN_DIR/bench-body.json"   # fills the cache
[ "$(curl -fsS -o /dev/null -w '%header{x-cache}' "$url")" = hit ] || { echo "the cache is not answering" >&2; exit 1; }
nohup "$BIN/qc-bench-bare" --bind "127.0.0.1:$BARE_PORT" --body-file "$RUN_DIR/bench-body.json" >"$RUN_DIR/bench-bare.log" 2>&1 &
echo $! >"$RUN_DIR/bench-bare.pid"
wait_port 127.0.0.1 $BARE_PORT bare

measure() { # name url [header] -> "rps p50 p99"
  local out rps p50 p99 header=()
  [ -z "${3:-}" ] || header=(-H "$3")
  out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${header[@]}" "$2")
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
say "certificate verification: one certificate, verified by number and holder name"
assessor=$("$BIN/demand-catalog" dev-token --role assessor --city 350100 --org 12350100MB00000022)
verify_path=$("$BIN/qc-bench-assessment" --assessment "http://127.0.0.1:$ASSESSMENT_PORT" --officer-token "$token" \
  --body-token "$assessor" --credit-code 12350100MB00000022)
curl -fsS "http://127.0.0.1:$ASSESSMENT_PORT$verify_path" >/dev/null   # fills the cache
read -r cert_rps cert_p50 cert_p99 < <(measure verification "http://127.0.0.1:$ASSESSMENT_PORT$verify_path")
say "delivery: ${BENCH_TRAINEES:-1000} enrolments and check-ins through the API"
delivery=$("$BIN/qc-bench-delivery" --registry "http://127.0.0.1:$REGISTRY_PORT" --delivery "http://127.0.0.1:$DELIVERY_PORT" \
  --officer-token "$token" --operator-token "$school" --trainees "${BENCH_TRAINEES:-1000}")
say "social insurance: ${BENCH_COMPLETERS:-5000} completers seeded, then one batch of ${BENCH_RECORDS:-100000} records"
# The city's social-insurance agency's system (the one caller that may upload).
integrator=$("$BIN/demand-catalog" dev-token --role integrator --city 350100 --org 12350100MB00000048 --scope employment:social_insurance)
matching=$("$BIN/qc-bench-social-insurance" --service "http://127.0.0.1:$EMPLOYMENT_PORT" --integrator-token "$integrator" \
  --officer-token "$token" --database-url "postgres://training_delivery:training_delivery@127.0.0.1:5432/$DB" \
  --brokers "127.0.0.1:$KAFKA_PORT" --topic-prefix bench. --person-id-key "$BENCH_PERSON_ID_KEY" \
  --records "${BENCH_RECORDS:-100000}" --completers "${BENCH_COMPLETERS:-5000}")
say "pgbench: a comparable single-row insert transaction, 16 clients"
psql "${ADMIN_URL%/*}/$DB" -qc "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, class uuid, person text, payload jsonb, at timestamptz)"
echo "INSERT INTO bench_insert (class, person, payload, at) VALUES (gen_random_uuid(), md5(random()::text), '{\"target_group\": \"registered_unemployed\"}', now());" >"$RUN_DIR/bench-insert.sql"
pg_tps=$(pgbench -n -c 16 -j 2 -T "$DURATION" -f "$RUN_DIR/bench-insert.sql" "${ADMIN_URL%/*}/$DB" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3; exit}')

say "subsidy: ${BENCH_CLAIMS:-2000} trainees' completions and certificates → claims approved → batch → bank result"
checker=$("$BIN/demand-catalog" dev-token --role bureau_officer --city 350100 --sub bench-checker)
subsidy_figures=$("$BIN/qc-bench-subsidy" --service "http://127.0.0.1:$SUBSIDY_PORT" --officer-token "$token" \
  --checker-token "$checker" --bank-key "$RUN_DIR/keys/bank/signing-key.pem" \
  --outbox-url "postgres://training_delivery:training_delivery@127.0.0.1:5432/$DB" \
  --subsidy-url "postgres://subsidy_payment:subsidy_payment@127.0.0.1:5432/$DB" \
  --brokers "127.0.0.1:$KAFKA_PORT" --topic-prefix bench. --person-id-key "$BENCH_PERSON_ID_KEY" \
  --claims "${BENCH_CLAIMS:-2000}" --writes-file "$RUN_DIR/bench-writes")
writes=$(cat "$RUN_DIR/bench-writes")
say "pgbench: one transaction of $writes single-row writes (what one claim wrote), 16 clients"
{ echo "BEGIN;"; for _ in $(seq "$writes"); do cat "$RUN_DIR/bench-insert.sql"; done; echo "COMMIT;"; } >"$RUN_DIR/bench-claim.sql"
pg_claim_tps=$(pgbench -n -c 16 -j 2 -T "$DURATION" -f "$RUN_DIR/bench-claim.sql" "${ADMIN_URL%/*}/$DB" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3; exit}')

# The other consumers of delivery's completions would spend the two cores
# on 100,000 events of their own while the dashboard is measured.
for other in bench-subsidy bench-employment bench-assessment; do stop_pidfile "$RUN_DIR/$other.pid"; done
say "dashboard: ${BENCH_TRAININGS:-100000} completed trainings this year"
dashboard_seed=$("$BIN/qc-bench-dashboard" --service "http://127.0.0.1:$EVALUATION_PORT" --officer-token "$token" \
  --outbox-url "postgres://training_delivery:training_delivery@127.0.0.1:5432/$DB" \
  --brokers "127.0.0.1:$KAFKA_PORT" --topic-prefix bench. --trainings "${BENCH_TRAININGS:-100000}")
stat_year=$(awk -F'year=' '{print $2}' <<<"$dashboard_seed")
read -r dash_rps dash_p50 dash_p99 < <(measure dashboard \
  "http://127.0.0.1:$EVALUATION_PORT/v1/dashboard/figures?year=$stat_year" "Authorization: Bearer $token")

# The service's own relay would share the outbox table: stop it first.
stop_pidfile "$RUN_DIR/bench-service.pid"
say "outbox to topic"
outbox=$("$BIN/qc-bench-outbox" --database-url "$QC_DEMAND_CATALOG_DATABASE__URL" --brokers "127.0.0.1:$KAFKA_PORT" --topic-prefix bench. --events "${BENCH_EVENTS:-20000}")

printf '\n%-36s %12s %10s %10s\n' "benchmark" "requests/s" "p50" "p99"
printf '%-36s %12s %10s %10s\n' "bare actix handler (1 worker)" "$bare_rps" "$bare_p50" "$bare_p99"
printf '%-36s %12s %10s %10s\n' "cached public catalogue (1 worker)" "$svc_rps" "$svc_p50" "$svc_p99"
printf '%-36s %12s %10s %10s\n' "  same, every request traced" "$all_rps" "$all_p50" "$all_p99"
printf '%-36s %12s %10s %10s\n' "certificate verification (1 worker)" "$cert_rps" "$cert_p50" "$cert_p99"
printf '%-36s %12s %10s %10s\n' "city dashboard, 100k trainings (1 w.)" "$dash_rps" "$dash_p50" "$dash_p99"
awk -v s="$svc_rps" -v t="$all_rps" -v b="$bare_rps" 'BEGIN {
  printf "cached read / bare handler            %.2f  (target >= 0.50)\n", s / b
  printf "  every request traced / bare         %.2f\n", t / b }'
echo "$outbox"
echo "$delivery"
echo "$matching"
echo "pgbench insert transactions/s (16 clients, same database): $pg_tps"
echo "$subsidy_figures"
echo "pgbench transactions of $writes inserts/s (16 clients, same database): $pg_claim_tps"
echo "$dashboard_seed"
