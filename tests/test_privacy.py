"""Erasure requests and retention against the real WordPress of the harness: the
person's data is gone from the database *file* (grepped, WAL included) and, with
--at-origin, anonymised in WordPress the way its own eraser does; a site that is
down keeps the local copy so the same command finishes the job later."""
from __future__ import annotations

import json
import os
import sqlite3

import pytest

from adapters.wordpress.privacy import NO_IP
from tests.test_backup import run_cli, write_config

ANN = "ann.erasable@example.org"
SECRET_WORD = "Zanzibarquux"  # only in Ann's comments


def add_comment(wp, post_id: int, *, author: str, email: str, text: str, approved, date_gmt: str | None = None,
                url: str = "https://ann.example/") -> int:
    date = f", 'comment_date_gmt' => '{date_gmt}', 'comment_date' => '{date_gmt}'" if date_gmt else ""
    return int(wp.php(
        f"echo wp_insert_comment(['comment_post_ID' => {post_id}, 'comment_author' => '{author}', "
        f"'comment_author_email' => '{email}', 'comment_author_url' => '{url}', "
        f"'comment_author_IP' => '203.0.113.77', 'comment_agent' => 'Mozilla/5.0 (Ann phone)', "
        f"'comment_content' => '{text}', 'comment_approved' => '{approved}'{date}]);"))


def wp_comments(wp) -> list[dict]:
    return json.loads(wp.php("echo json_encode($GLOBALS['wpdb']->get_results(\"SELECT comment_ID, comment_author, "
                             "comment_author_email, comment_author_url, comment_author_IP, comment_content FROM "
                             "{$GLOBALS['wpdb']->comments}\", ARRAY_A));"))


def database_bytes(tmp_path) -> bytes:
    var = tmp_path / "var"
    return b"".join((var / name).read_bytes() for name in os.listdir(var) if name.startswith("bridge.db"))


@pytest.fixture
def seeded(wp):
    post = wp.seed_comments(1, status="approve")["post_id"]
    ids = [add_comment(wp, post, author="Ann Erasable", email=ANN, text=f"{SECRET_WORD} one", approved=1),
           add_comment(wp, post, author="Ann Erasable", email=ANN.upper(), text=f"{SECRET_WORD} two", approved=0),
           add_comment(wp, post, author="Ann Erasable", email=ANN, text=f"{SECRET_WORD} three", approved="spam"),
           add_comment(wp, post, author="Bob Keeps", email="bob@example.org", text="Bob stays", approved=1,
                       url="https://bob.example/")]
    return post, ids


@pytest.mark.parametrize("transport", ["rest", "xmlrpc"])
def test_erase_at_origin_leaves_no_trace_here_and_anonymises_wordpress(tmp_path, wp, seeded, transport):
    post, ids = seeded
    conf = write_config(tmp_path, wp, transport=transport)
    env = {"WP_PASSWORD": wp.app_password}
    run_cli(conf, "init", env=env)
    run_cli(conf, "sync", "--no-sources", env=env)
    assert ANN.encode() not in database_bytes(tmp_path)  # the address itself is never stored (hash only)
    assert b"Ann Erasable" in database_bytes(tmp_path) and SECRET_WORD.encode() in database_bytes(tmp_path)
    unpulled = add_comment(wp, post, author="Ann Erasable", email=ANN, text=f"{SECRET_WORD} late", approved=0)

    out = run_cli(conf, "erase", "--email", ANN, "--at-origin", env=env).stdout
    assert "wp: 3 comment(s) erased in cms-bridge" in out
    data = database_bytes(tmp_path)
    for trace in (b"Ann Erasable", SECRET_WORD.encode(), b"ann.example", b"203.0.113.77"):
        assert trace not in data, trace
    assert b"Bob Keeps" in data and b"Bob stays" in data

    on_site = {int(c["comment_ID"]): c for c in wp_comments(wp)}
    anonymised = ids[:3] + ([unpulled] if transport == "rest" else [])
    assert f"wp: {len(anonymised)} comment(s) anonymised on the site" in out
    for comment_id in anonymised:
        row = on_site[comment_id]
        assert (row["comment_author"], row["comment_author_email"], row["comment_author_url"]) == ("Anonymous", "", "")
        assert SECRET_WORD in row["comment_content"]  # WordPress's eraser keeps the text too
    if transport == "rest":
        assert {on_site[i]["comment_author_IP"] for i in anonymised} == {NO_IP}
    else:
        assert on_site[unpulled]["comment_author"] == "Ann Erasable"
        assert "XML-RPC: the IP address and user agent stay on the site" in out
    assert on_site[ids[3]]["comment_author"] == "Bob Keeps"

    again = run_cli(conf, "erase", "--email", ANN, env=env).stdout
    assert again.strip() == "nothing found: cms-bridge holds no comment of that person"


def test_a_site_that_is_down_keeps_the_local_copy_until_the_erase_is_run_again(tmp_path, wp, seeded):
    conf = write_config(tmp_path, wp, transport="rest")
    env = {"WP_PASSWORD": wp.app_password}
    run_cli(conf, "init", env=env)
    run_cli(conf, "sync", "--no-sources", env=env)
    wp.stop_server()
    try:
        down = run_cli(conf, "erase", "--email", ANN, "--at-origin", env=env, check=False)
    finally:
        wp.start_server()
    assert down.returncode == 1, down.stdout + down.stderr
    assert "NOT anonymised on the site" in down.stdout and "run the same erase again" in down.stdout
    assert b"Ann Erasable" in database_bytes(tmp_path)

    done = run_cli(conf, "erase", "--email", ANN, "--at-origin", env=env)
    assert "wp: 3 comment(s) erased in cms-bridge" in done.stdout
    assert b"Ann Erasable" not in database_bytes(tmp_path)
    conn = sqlite3.connect(tmp_path / "var" / "bridge.db")
    audit = [row[0] for row in conn.execute("SELECT detail FROM moderation_log WHERE action = 'erase'")]
    conn.close()
    assert len(audit) == 2 and "NOT anonymised" in audit[0] and "3 comment(s) anonymised on the site" in audit[1]
    assert not any("Ann" in line or "ann." in line for line in audit)  # the audit says what, never whose


def test_erase_refuses_unclear_requests(tmp_path):
    conf = write_config(tmp_path)
    run_cli(conf, "init")
    nobody = run_cli(conf, "erase", check=False)
    assert nobody.returncode == 2 and "--email ADDRESS or --author-key KEY" in nobody.stderr
    typo = run_cli(conf, "erase", "--email", "ann.example.org", check=False)
    assert typo.returncode == 2 and "'ann.example.org' is not an e-mail address" in typo.stderr


def test_retention_removes_the_text_of_old_decided_comments_only(tmp_path, wp):
    post = wp.seed_comments(1, status="approve")["post_id"]
    old_decided = add_comment(wp, post, author="Old", email="o@example.org", text="Ancient words",
                              approved=1, date_gmt="2020-01-01 10:00:00")
    old_pending = add_comment(wp, post, author="Waiting", email="w@example.org", text="Still waiting words",
                              approved=0, date_gmt="2020-01-01 10:00:00")
    conf = write_config(tmp_path, wp)
    with open(conf, "a") as fh:
        fh.write("\n[privacy]\nretention_days = 365\n")
    env = {"WP_PASSWORD": wp.app_password}
    run_cli(conf, "init", env=env)
    first = run_cli(conf, "sync", "--no-sources", env=env).stdout
    second = run_cli(conf, "sync", "--no-sources", env=env).stdout
    assert "privacy: removed the text of" in first + second
    data = database_bytes(tmp_path)
    assert b"Ancient words" not in data
    assert b"Still waiting words" in data  # pending: an editor still has to read it
    assert old_decided and old_pending
