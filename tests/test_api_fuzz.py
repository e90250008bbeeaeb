"""Property-based fuzzing of /api/v1 from its own OpenAPI document (schemathesis).

Every operation of the document is called with generated requests — valid ones and
ones the document says are invalid — as an admin and as an editor limited to one
site, against a database holding comments and items on two sites. Checks:
no answer is a 5xx, every status code, content type, header and body is the one the
document declares, and input the document forbids is refused.

The run is reproducible (a fixed seed, ``derandomize``) and bounded
(``EXAMPLES`` per operation) so CI stays short; ``bench/bench_reliability.py`` runs
the same test with many more examples.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bridge import security
from bridge.app import create_app
from bridge.security import hash_password
from tests.conftest import ADMIN_PASSWORD, EDITOR_PASSWORD
from tests.curation_helpers import CURATION, add_item
from tests.inbox_helpers import add_comment

#: generated examples per operation; bench/bench_reliability.py raises it for the long run
EXAMPLES = int(os.environ.get("CMS_BRIDGE_FUZZ_EXAMPLES", "10"))
SEED = 20261202


pytestmark = pytest.mark.bridge_config(*CURATION)


def _token(store, username: str) -> str:
    token, prefix, hashed = security.new_api_token()
    store.create_token(store.get_user_by_name(username)["id"], "fuzz", prefix, hashed)
    return token


def _seed(store) -> None:
    """Something for every operation to find: comments with a thread on both sites,
    items in each state, on one site and the other."""
    for site in ("corp", "shop"):
        parent = add_comment(store, site=site, text=f"first on {site}", status="approved")
        add_comment(store, site=site, text="a reply", parent_id=parent)
        add_comment(store, site=site, text="spammy", status="spam")
    for state in ("pending", "approved", "rejected"):
        add_item(store, state=state, target_sites=["corp"])
    add_item(store, state="pending", target_sites=["shop"])


@pytest.fixture
def fuzz_app(bridge):
    bridge.store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
    bridge.store.create_user("eva", hash_password(EDITOR_PASSWORD), "editor", ["corp"])
    _seed(bridge.store)
    return create_app(bridge=bridge, testing=True)


def _schema(app):
    config = SchemathesisConfig.from_dict({
        "seed": SEED,
        # OpenAPI does not forbid query parameters a document leaves out, and the API
        # ignores them as HTTP APIs do; only declared parameters are made invalid
        "generation": {"allow-extra-parameters": False},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    })
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


def _fuzz(operation, headers: dict, mode: GenerationMode) -> None:
    """Up to EXAMPLES generated requests to one operation, valid (POSITIVE) or
    invalid by the document (NEGATIVE), each checked against the document."""

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        # Every default check but "schema-valid input is accepted": a schema cannot say
        # which cursor strings this server handed out or which ids exist, and a 400 or
        # 422 for those is the right answer.
        # A negative case may leave the credentials out on purpose (the security
        # requirement negated): it is sent without them and must get the documented 401.
        send = headers if "Authorization" in (case.headers or {}) else None
        case.call_and_validate(headers=send, excluded_checks=[positive_data_acceptance])

    run()


@pytest.mark.parametrize("username", ["admin", "eva"])
def test_api_answers_as_documented(fuzz_app, username):
    """eva is an editor limited to corp: she gets 404s where the admin gets 200s, and
    both must be what the document says."""
    headers = {"Authorization": f"Bearer {_token(fuzz_app.extensions['bridge'].store, username)}"}
    schema = _schema(fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = {f"{m.upper()} {p}" for p, ops in schema.raw_schema["paths"].items() for m in ops}
    # schemathesis leaves out the document's own path
    assert {op.label for op in operations} == documented - {"GET /openapi.json"}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, headers, mode)
