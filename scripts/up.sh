#!/usr/bin/env bash
# `make up`: everything the platform needs, installed if missing, started,
# migrated and seeded with a demo city (Fuzhou, 350100).
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ensure_postgres
ensure_redis

# A durable broker: topics and messages in .run/tansu/tansu.db survive
# `make down`, `make up` and a crash (e2e's broker test shows it).
start_tansu "sqlite://tansu.db"

say "building the services"
cargo build --bins
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
# The local identity provider: a signing key and its JWKS, which every
# service's config/local file names (no shared secret anywhere).
"$BIN/demand-catalog" dev-keys --dir "$RUN_DIR/keys" >/dev/null
# Bank files are signed both ways: the city's key, and a stand-in bank's.
"$BIN/demand-catalog" dev-keys --dir "$RUN_DIR/keys/bank-file" >/dev/null
"$BIN/demand-catalog" dev-keys --dir "$RUN_DIR/keys/bank" >/dev/null

if [ -z "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = 'qiancheng'")" ]; then
  psql_admin "CREATE DATABASE qiancheng"
fi

SERVICES=(demand-catalog:8101 institution-registry:8102 training-delivery:8103 skill-assessment:8104
  employment-tracking:8105 subsidy-payment:8106 performance-evaluation:8107)

prepare_service() { # name
  local bin="$BIN/$1" cfg="$ROOT/config/local/$1.toml"
  say "preparing $1"
  "$bin" --config "$cfg" provision --admin-url "${ADMIN_URL%/*}/qiancheng"
  "$bin" --config "$cfg" migrate
  "$bin" --config "$cfg" topics
}

start_service() { # name port
  local name=$1 port=$2 bin="$BIN/$1" cfg="$ROOT/config/local/$1.toml"
  if port_open 127.0.0.1 "$port"; then
    say "$name already answers on :$port"
    return 0
  fi
  nohup "$bin" --config "$cfg" serve >"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
  wait_port 127.0.0.1 "$port" "$name"
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "$name did not become ready; see $RUN_DIR/$name.log" >&2
  return 1
}

# Every owner declares its topics before any consumer starts.
for service in "${SERVICES[@]}"; do prepare_service "${service%%:*}"; done
for service in "${SERVICES[@]}"; do start_service "${service%%:*}" "${service##*:}"; done
"$BIN/demand-catalog" --config config/local/demand-catalog.toml load-occupations

say "seeding the demo city (Fuzhou, 350100)"
token() { "$BIN/demand-catalog" --config config/local/demand-catalog.toml dev-token --city 350100 "$@"; }
"$BIN/qc-seed" --catalog http://127.0.0.1:8101 --registry http://127.0.0.1:8102 --delivery http://127.0.0.1:8103 \
  --token "$(token --role bureau_officer --sub demo-officer)" \
  --checker-token "$(token --role bureau_officer --sub demo-checker)" \
  --operator-token "$(token --role institution_operator --org 91350100M000100Y43 --sub demo-school)" \
  --base-operator-token "$(token --role institution_operator --org 91110000100000000R --sub demo-base)" \
  --assessment http://127.0.0.1:8104 --assessor-token "$(token --role assessor --org 12350100MB0000001Y --sub demo-assessor)" \
  --employment http://127.0.0.1:8105 --employer-token "$(token --role enterprise --org 91350100MA0000002T --sub demo-employer)" \
  --subsidy http://127.0.0.1:8106 --evaluation http://127.0.0.1:8107


cat <<MSG

Qiancheng is up for Fuzhou (350100).
  demand-catalog        http://127.0.0.1:8101   docs http://127.0.0.1:8101/docs/   spec /openapi.json
  institution-registry  http://127.0.0.1:8102   docs http://127.0.0.1:8102/docs/   spec /openapi.json
  training-delivery     http://127.0.0.1:8103   docs http://127.0.0.1:8103/docs/   spec /openapi.json
  skill-assessment      http://127.0.0.1:8104   docs http://127.0.0.1:8104/docs/   spec /openapi.json
  employment-tracking   http://127.0.0.1:8105   docs http://127.0.0.1:8105/docs/   spec /openapi.json
  subsidy-payment       http://127.0.0.1:8106   docs http://127.0.0.1:8106/docs/   spec /openapi.json
  performance-evaluation http://127.0.0.1:8107  docs http://127.0.0.1:8107/docs/   spec /openapi.json
  city dashboard    curl -H "Authorization: Bearer \$(make -s dev-token)" 'http://127.0.0.1:8107/v1/dashboard/figures?year=$(( $(TZ=Asia/Shanghai date +%Y) + ($(TZ=Asia/Shanghai date +%-m) == 12) ))'
  fund-use disclosure   curl http://127.0.0.1:8106/v1/public/fund-use
  public directory  curl http://127.0.0.1:8102/v1/public/directory/350100/2026
  public catalogue  curl http://127.0.0.1:8101/v1/public/catalogues/350100/2026
  verify a certificate  curl 'http://127.0.0.1:8104/v1/public/certificates/verify?number=<number above>&holder_name=<name>'
  a token          make dev-token ROLE=bureau_officer CITY=350100
  logs             .run/*.log        stop: make down
MSG
