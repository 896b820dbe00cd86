"""schemathesis against the hub's own OpenAPI description, in-process (ASGI), with a valid rep token.

Every operation the description lists gets up to ``MAX_EXAMPLES`` generated requests; none may produce a
server error (5xx), a reply that breaks its declared schema, or a content type the description does not
declare. Bounded so the whole run stays well under a minute per backend.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from tests.hub.conftest import Hub

MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _run_operation(operation: Any, headers: dict[str, str], device_id: str) -> int:
    calls = 0

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        nonlocal calls
        if operation.path == "/v1/push" and isinstance(case.body, dict):
            case.body["device_id"] = device_id  # else every push stops at the device check
        case.call_and_validate(headers=headers, checks=CHECKS)
        calls += 1

    run()
    return calls


def test_no_operation_answers_a_server_error_or_breaks_its_schema(hub: Hub) -> None:
    rep = hub.rep()
    schema = schemathesis.openapi.from_asgi("/openapi.json", hub.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    started = time.monotonic()
    calls = {f"{op.method.upper()} {op.path}": _run_operation(op, rep.headers, rep.device_id) for op in operations}
    seconds = time.monotonic() - started
    print(f"schemathesis: {len(calls)} operations, {sum(calls.values())} examples, {seconds:.1f} s: {calls}")
    assert all(n > 0 for n in calls.values()), calls
    assert {"GET /v1/pull", "POST /v1/push", "POST /v1/auth/login"} <= set(calls)


@pytest.mark.parametrize("path", ["/v1/pull", "/v1/push"])
def test_the_token_used_is_valid(hub: Hub, path: str) -> None:
    rep = hub.rep()
    reply = hub.client.request(
        "GET" if path == "/v1/pull" else "POST",
        path,
        headers=rep.headers,
        json=None if path == "/v1/pull" else {"device_id": rep.device_id, "mutations": []},
    )
    assert reply.status_code == 200, reply.text
