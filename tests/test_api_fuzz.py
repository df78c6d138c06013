"""Property-based fuzzing of the HTTP API from its own OpenAPI document (schemathesis): no input, however odd,
makes the server answer 5xx, and every answer matches the documented schema."""

from __future__ import annotations

import dataclasses
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tradewinds.models import FakeChatModel, Gateway
from tradewinds.server import create_app

from conftest import api_key

# TRADEWINDS_FUZZ_EXAMPLES=500 for a deeper, randomised run (it found the 'File name too long' 500)
EXAMPLES = int(os.environ.get("TRADEWINDS_FUZZ_EXAMPLES", "40"))
# no 5xx; the status, the content type and the body as documented
# and no operation that needs a key answers without one (ignored_auth repeats the call with no credentials)
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance, schemathesis.checks.response_schema_conformance,
          schemathesis.checks.ignored_auth]
STATEFUL = [schemathesis.checks.ensure_resource_availability, schemathesis.checks.use_after_free]


@pytest.fixture
def api_schema(demo_services):  # a fresh app per test: its lifespan ends with each test's ASGI session
    # the in-process client calls itself 'testserver': allowed here, as a deployment allows its own host name
    settings_ = demo_services.settings.model_copy(update={"allowed_hosts": ["testserver"], "model_routes": {"default": ["fake:fuzz"]}})
    services = dataclasses.replace(demo_services, settings=settings_)
    # a model that never reads a need (the fallback path every time): the fuzz tests the API, deterministically and fast;
    # what the model adds is measured by benchmarks/sourcing.py
    services._gateway = Gateway(settings_, models={"fake:fuzz": FakeChatModel(lambda r: '{"lines": []}', model="fuzz")}, cache=False)
    app = create_app(services)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # with a valid key: an owner of a workspace of its own (what it creates or breaks stays there)
    schema.auth_headers = {"Authorization": f"Bearer {api_key(app, 'owner', 'fuzz', 'fuzz-owner')}"}
    return schema


def test_no_input_makes_the_server_fail_or_break_its_schema(api_schema):
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/events"):
            continue  # a stream, not one reply
        operations += 1

        # valid inputs, and inputs the schema forbids (out of range, wrong types, raw bodies): both must get a clean answer
        cases = operation.as_strategy(schemathesis.GenerationMode.POSITIVE) | operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)

        @given(case=cases)
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=EXAMPLES <= 40)  # make test: the same cases every run; a deeper run explores
        def check(case):
            case.call_and_validate(checks=CHECKS, headers=api_schema.auth_headers)

        try:
            check()
        except BaseException as exc:  # noqa: BLE001 - collected (hypothesis raises a group): every operation, then all failures
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{operation.method.upper()} {operation.path}: {exc!r}: {getattr(exc, 'exceptions', '')}"[:3000])
    assert operations >= 15
    assert not failures, "\n\n".join(failures)


def test_calls_chained_by_the_documents_links_reach_runs_jobs_and_keys(api_schema):
    """Stateful: a run, a bulk job or a key just created is fetched, followed up, cancelled, downloaded or revoked
    through the OpenAPI links, with generated inputs in between; no 5xx, every answer as documented, and what a 2xx
    created is there on the next call (schemathesis' stateful checks)."""
    machine = api_schema.as_state_machine()
    headers = api_schema.auth_headers
    paths = api_schema.raw_schema["paths"]
    assert {name for path, code in (("/v1/sourcing/runs", "202"), ("/v1/bulk", "202"), ("/v1/keys", "201"))
            for name in paths[path]["post"]["responses"][code].get("links", {})} >= {"GetRun", "GetBulkJob", "RevokeKey"}

    class WithKey(machine):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS + STATEFUL, headers=headers, transport_kwargs=kwargs)

    WithKey.run(settings=settings(max_examples=max(EXAMPLES // 4, 10), stateful_step_count=6, deadline=None, database=None,
                                  suppress_health_check=list(HealthCheck), derandomize=EXAMPLES <= 40))
