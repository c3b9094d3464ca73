"""Schemathesis hooks for the contract fuzzing of `e2e/tests/mesh/fuzz.rs`.

Each request goes out as one of the callers of QC_SCHEMATHESIS_TOKENS (a
JSON list of bearer tokens, one per role, "" for an anonymous caller),
chosen by the case's own content, so the cases of an operation spread over
the roles and the anonymous caller and a failure replays as the same one. The employment
tracker's contribution upload is NDJSON: one generated line per request.
"""

import json
import os
import zlib

import schemathesis

_CALLERS = json.loads(os.environ["QC_SCHEMATHESIS_TOKENS"])


def _caller(case):
    """The caller follows from the case itself, so a replayed or shrunk
    case goes out as the same role."""
    seen = repr((case.method, case.path, case.path_parameters, case.query, case.body))
    return _CALLERS[zlib.crc32(seen.encode("utf-8")) % len(_CALLERS)]


@schemathesis.hook
def before_call(ctx, case, kwargs):
    token = _caller(case)
    headers = dict(case.headers or {})
    headers.pop("Authorization", None)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    case.headers = headers


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    return (json.dumps(value, ensure_ascii=False) + "\n").encode("utf-8")
