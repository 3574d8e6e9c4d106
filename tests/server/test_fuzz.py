"""The JSON API fuzzed from its own OpenAPI schema (schemathesis) with a student's token: no request a client can
make gets a 500, and every refusal is JSON with a one-line message (what ``grader`` prints as ``Error: ...``).

Every operation gets requests that fit the schema and requests that do not (schemathesis'
positive and negative modes), with generated path parameters and again with the course's real
competition in ``{name}``, so the generated files and forms reach the validation behind the
routes. Hypothesis is driven directly (``as_strategy``) and bounded per operation.
"""

from __future__ import annotations

import pytest
from server_fixtures import make_server_course

EXAMPLES_PER_OPERATION = 10


def failures_of(operation, mode, token: str, path_parameters: dict | None) -> list[str]:
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable

    found: list[str] = []

    @given(case=operation.as_strategy(mode, path_parameters=path_parameters))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def probe(case):
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        where = f"{case.method} {case.formatted_path} ({mode}): {response.status_code}"
        if response.status_code >= 500:
            found.append(f"{where} {response.text[:200]}")
        elif response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                found.append(f"{where}: not JSON: {response.text[:200]}")
                return
            message = body.get("message") if isinstance(body, dict) else None
            if not isinstance(message, str) or not message.strip() or "\n" in message:
                found.append(f"{where}: no one-line message: {str(body)[:200]}")

    try:
        probe()
    except Unsatisfiable:  # nothing to get wrong (negative mode on an operation without parameters)
        assert not mode.is_positive, f"no request fits {operation.method} {operation.path}"
    return found


@pytest.mark.timeout(300)
def test_no_request_gets_a_500_and_every_error_is_json_with_a_message(tmp_path):
    import schemathesis
    from schemathesis.generation.modes import GenerationMode

    from grader.server import create_app

    made = make_server_course(tmp_path / "course", daily_limit=1000)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(made.course))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [f"{o.method} {o.path}" for o in operations]
    found = []
    for operation in operations:
        named = "{name}" in operation.path
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for path_parameters in ([None, {"name": "toy"}] if named else [None]):
                found += failures_of(operation, mode, made.tokens["ann"], path_parameters)
    assert not found, "\n".join(found[:20])
