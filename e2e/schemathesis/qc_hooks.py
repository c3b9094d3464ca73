"""Schemathesis hooks for the contract fuzzing of `e2e/tests/mesh/fuzz.rs`.

Each request goes out as the next caller of QC_SCHEMATHESIS_TOKENS (a JSON
list of bearer tokens, one per role, "" for an anonymous caller), so every
operation is tried with every role and without a token. The employment
tracker's contribution upload is NDJSON: one generated line per request.
"""

import itertools
import json
import os

import schemathesis

_CALLERS = itertools.cycle(json.loads(os.environ["QC_SCHEMATHESIS_TOKENS"]))


@schemathesis.hook
def before_call(ctx, case, kwargs):
    token = next(_CALLERS)
    headers = dict(case.headers or {})
    headers.pop("Authorization", None)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    case.headers = headers


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    return {"data": (json.dumps(value, ensure_ascii=False) + "\n").encode("utf-8")}
