#!/usr/bin/env bash
# `make openapi-check`: the checked-in contracts are what the code generates
# and fit for an integrator (the drift tests, which also run our own lint:
# operation names, summaries, descriptions, examples), valid by the
# specification (openapi-spec-validator) and clean by Redocly's recommended
# rules made stricter in redocly.yaml; the AsyncAPI documents likewise
# current and valid by AsyncAPI's parser. The checkers are installed here
# (PyPI, npm) when missing.
source "$(dirname "$0")/common.sh"
cd "$ROOT"

say "drift and lint"
cargo test --workspace --test service --test mesh the_checked_in_

validator=$(ensure_spec_validator) || { echo "installing openapi-spec-validator failed" >&2; exit 1; }
redocly=$(ensure_redocly) || { echo "installing @redocly/cli failed" >&2; exit 1; }
say "specification validator"
for doc in openapi/*.json; do "$validator" "$doc"; done
say "redocly lint"
# (Its banner about Node.js versions is noise here.)
lint_status=0
lint=$("$redocly" lint --config redocly.yaml --format stylish openapi/*.json 2>&1) || lint_status=$?
grep -v "Node.js\|nodejs.org\|[║╔╚]" <<<"$lint" || true
[ "$lint_status" -eq 0 ] || { echo "redocly lint failed" >&2; exit 1; }
ensure_npm_tool @asyncapi/parser "$ASYNCAPI_PARSER_VERSION" || { echo "installing @asyncapi/parser failed" >&2; exit 1; }
say "asyncapi parser"
node scripts/asyncapi-validate.mjs "$ROOT/.tools/node" asyncapi/*.json
