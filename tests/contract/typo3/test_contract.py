"""Runs the TYPO3 contract (cases.py) against every target: always the project's TYPO3 double,
and a real TYPO3 too when ``CMS_BRIDGE_TYPO3_CONTRACT`` names one (README.md here). The real
target is a parametrization that exists only then; nothing is skipped.

One test per case, in sequence per target: later cases use what earlier ones made.
"""
from __future__ import annotations

import os
import secrets

import pytest

from .cases import Case, cases
from .targets import ENV, EffectUnavailable, Target, double_target, env_target, random_identifier

CASES = cases(random_identifier)
TARGETS = ["double"] + (["real"] if os.environ.get(ENV) else [])
_state: dict[str, dict] = {}


@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    made: dict[str, Target] = {}
    yield made
    for target in made.values():
        target.close()


def _target(targets: dict, name: str, tmp_path_factory) -> Target:
    if name not in targets:
        targets[name] = double_target(tmp_path_factory.mktemp("typo3-contract")) if name == "double" else env_target()
        tag = "T" + secrets.token_hex(4)
        _state[name] = {"tag": tag, "key": f"{tag}-key", "comment": targets[name].comment_uid}
    return targets[name]


def _resolve(value, ctx):
    return value(ctx) if callable(value) else value


def run_case(target: Target, case: Case, ctx: dict, record) -> None:
    before = None
    if case.count is not None:
        table, where, params = case.count(target, ctx)
        before = len(target.rows(table, where, params))
    body = _resolve(case.body, ctx)
    raw = _resolve(case.raw, ctx)
    url = case.url(target, ctx) if case.url else None
    response = target.post(case.reaction, body, raw=raw, method=case.method, url=url, credential=case.credential,
                           header=case.header)
    assert response.status_code == case.status, (case.id, response.status_code, response.text[:500])
    assert response.headers.get("X-TYPO3-Reaction-Success") == case.success_header, (case.id, response.headers)
    if case.status in (302, 405):
        assert response.text == "" and response.headers.get("Content-Type", "").startswith("text/html"), case.id
        if case.status == 302:
            assert response.headers["Location"].endswith("/typo3/login"), response.headers
    answer = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else None
    expected_body = _resolve(case.response, ctx)
    if expected_body is not None:
        assert answer is not None, (case.id, response.text[:300])
        _assert_subset(expected_body, answer, case.id)
    if case.check is not None:
        case.check(ctx, answer)
    if case.keep is not None:
        case.keep(ctx, answer)
    expected = dict(_resolve(case.expect, ctx))
    observed: dict = {}
    try:
        if case.count is not None:
            table, where, params = case.count(target, ctx)
            observed["records_created"] = len(target.rows(table, where, params)) - before
        if case.effect is not None:
            observed.update(case.effect(target, ctx))
    except EffectUnavailable as unavailable:
        record("effects_unread", f"{case.id}: {unavailable}")
        return
    assert observed == expected, (case.id, case.title)


def _assert_subset(expected: dict, actual: dict, where: str) -> None:
    for key, value in expected.items():
        assert key in actual, (where, key, actual)
        if isinstance(value, dict) and isinstance(actual[key], dict) and value:
            _assert_subset(value, actual[key], f"{where}.{key}")
        else:
            assert actual[key] == value, (where, key, actual[key], value)


@pytest.mark.parametrize(("target_name", "case"), [(t, c) for t in TARGETS for c in CASES],
                         ids=[f"{t}-{c.id}" for t in TARGETS for c in CASES])
def test_case(targets, tmp_path_factory, target_name, case, record_property):
    target = _target(targets, target_name, tmp_path_factory)
    run_case(target, case, _state[target_name], record_property)
