"""The environment's way in (``CMS_BRIDGE_TYPO3_CONTRACT``) works before anyone points it at a real
TYPO3: a JSON file naming the double's reactions loads as a target whose answers and effects are
read exactly as a real site's would be."""
from __future__ import annotations

import json

import pytest

from .cases import Case, cases
from .targets import ENV, REACTIONS, double_target, env_target, random_identifier
from .test_contract import run_case


@pytest.fixture
def double(tmp_path):
    target = double_target(tmp_path)
    yield target
    target.close()


def write_config(tmp_path, double, **extra) -> str:
    config = {"reactions": {name: {"url": r.url, "secret": r.secret} for name, r in double.reactions.items()},
              "comment_uid": double.comment_uid, **extra}
    path = tmp_path / "bridge-reactions.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_unset_environment_means_no_real_target(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert env_target() is None


def test_a_config_file_with_a_database_url_is_a_full_target(tmp_path, double, monkeypatch):
    db_file = next(tmp_path.glob("*.sqlite"))
    monkeypatch.setenv(ENV, write_config(tmp_path, double, database_url=f"sqlite://{db_file}"))
    target = env_target()
    try:
        by_id = {c.id: c for c in cases(random_identifier)}
        ctx = {"tag": "Tenv", "key": "Tenv-key", "comment": target.comment_uid}
        for case_id in ("C01", "U01", "U04", "U05", "R01"):
            run_case(target, by_id[case_id], ctx, lambda *a: None)
        assert len(double.rows("tx_news_domain_model_news", "notes = ?", ("Tenv-C01",))) == 1
    finally:
        target.close()


def test_without_a_database_comment_effects_come_from_the_connector(tmp_path, double, monkeypatch):
    monkeypatch.setenv(ENV, write_config(tmp_path, double))
    target = env_target()
    unread = []
    by_id = {c.id: c for c in cases(random_identifier)}
    ctx = {"tag": "Tnodb", "key": "Tnodb-key", "comment": target.comment_uid}
    run_case(target, by_id["R01"], ctx, lambda *a: None)  # a comment effect: read via bridge-list-comments
    run_case(target, by_id["M02"], ctx, lambda *a: None)
    run_case(target, by_id["U01"], ctx, lambda name, value: unread.append(value))  # a news row: not readable
    assert unread == ["U01: tx_news_domain_model_news rows need database_url"]


def test_a_config_missing_reactions_names_what_to_create(tmp_path, double, monkeypatch):
    path = write_config(tmp_path, double)
    config = json.loads(open(path).read())
    del config["reactions"]["bridge-upsert-news-restricted"]
    open(path, "w").write(json.dumps(config))
    monkeypatch.setenv(ENV, path)
    with pytest.raises(ValueError, match="bridge-upsert-news-restricted") as error:
        env_target()
    assert REACTIONS["bridge-upsert-news-restricted"] in str(error.value)


def test_every_case_names_a_reaction_the_target_must_offer():
    assert {c.reaction for c in cases(random_identifier)} <= set(REACTIONS)
    assert all(isinstance(c, Case) and c.id for c in cases(random_identifier))
