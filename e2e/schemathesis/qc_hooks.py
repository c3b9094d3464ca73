"""Schemathesis hooks for the contract fuzzing of `e2e/tests/mesh/fuzz.rs`.

Each request goes out as one of the callers of QC_SCHEMATHESIS_TOKENS (a
JSON list of bearer tokens, one per role, "" for an anonymous caller),
chosen by the case's own content, so the cases of an operation spread over
the roles and the anonymous caller and a failure replays as the same one. The employment
tracker's contribution upload is NDJSON: one generated line per request.
Citizen ID numbers and credit codes carry a check character no pattern can
state; their formats (`citizen-id`, `credit-code`) generate valid ones, as
an integrator's real data is.
"""

import datetime
import json
import os
import zlib

import schemathesis
from hypothesis import strategies as st

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


# GB 11643: a Fujian district, a birth date, a sequence, the check character.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _citizen_id(district, born, sequence):
    first17 = f"{district}{born:%Y%m%d}{sequence:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]
    return first17 + check


schemathesis.openapi.format(
    "citizen-id",
    st.builds(
        _citizen_id,
        st.sampled_from(["350102", "350203", "350304", "350502", "350902"]),
        st.dates(min_value=datetime.date(1960, 1, 1), max_value=datetime.date(2008, 12, 31)),
        st.integers(min_value=0, max_value=999),
    ),
)

# GB 32100: 17 characters of its alphabet, then the check character.
_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _credit_code(region, body):
    first17 = f"91{region}{body}"
    total = sum(_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CODE_WEIGHTS))
    return first17 + _CODE_ALPHABET[(31 - total % 31) % 31]


schemathesis.openapi.format(
    "credit-code",
    st.builds(
        _credit_code,
        st.sampled_from(["350100", "350200", "350500"]),
        st.text(alphabet=_CODE_ALPHABET, min_size=9, max_size=9),
    ),
)
