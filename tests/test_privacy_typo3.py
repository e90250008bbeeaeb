"""Erasure requests on TYPO3 (issue 16 item 4), end to end: ``cms-bridge erase --email … --at-origin``
as a subprocess against the project's TYPO3 double with the connector's bridge-erase-commenter
reaction (1.3.0). The person's pw_comments and EXT:blog comments are anonymised on the site through
DataHandler (name "Anonymous", e-mail, URL and visitor ids emptied, the text kept, as WordPress's own
eraser keeps it), including one cms-bridge never pulled; nothing of them is left in the database file;
a reaction-mode site says plainly that it cannot erase."""
from __future__ import annotations

import json

from tests.test_backup import run_cli
from tests.test_privacy import database_bytes

ANN = "ann.erasable@example.org"
SECRET_WORD = "Zanzibarquux"  # only in Ann's comments
PW = "tx_pwcomments_domain_model_comment"
BLOG = "tx_blog_domain_model_comment"
CAPABILITIES = {"list_comments": "bridge-list-comments", "moderate_comment": "bridge-moderate-comment",
                "reply": "bridge-reply", "erase_commenter": "bridge-erase-commenter"}
REACTION_FIELDS = {"title": "${title}", "bodytext": "${html}", "datetime": "${datetime}"}


def write_config(tmp_path, typo3) -> tuple[str, dict]:
    lines = ['[server]', 'database = "var/bridge.db"', 'media_dir = "var/media"', 'workers = 1', '',
             '[[sites]]', 'id = "t3"', 'kind = "typo3"', f'url = "{typo3.base_url}"', 'mode = "connector"',
             'timeout = 5.0']
    env = {}
    for name, reaction_type in CAPABILITIES.items():
        url, secret = typo3.add_reaction(reaction_type, storage_pid=12)
        lines += [f"[sites.connector.{name}]", f'url = "{url}"', f'secret_env = "T3_{name.upper()}"']
        env[f"T3_{name.upper()}"] = secret
    url, secret = typo3.add_reaction("create-record", table="tx_news_domain_model_news", fields=REACTION_FIELDS)
    lines += ['', '[[sites]]', 'id = "t3-reaction"', 'kind = "typo3"', f'url = "{typo3.base_url}"',
              'mode = "reaction"', '[sites.reaction]', f'url = "{url}"', 'secret_env = "T3_REACTION"']
    env["T3_REACTION"] = secret
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path), env


def test_erase_at_origin_anonymises_the_persons_typo3_comments_and_leaves_no_trace_here(tmp_path, typo3):
    post = typo3.add_page("Blog post")
    ann = [typo3.add_pw_comment(f"{SECRET_WORD} one", author_name="Ann Erasable", author_mail=ANN,
                                author_ident="ahash-ann", hidden=0),
           typo3.add_pw_comment(f"{SECRET_WORD} two", author_name="Ann Erasable", author_mail=ANN.upper())]
    ann_blog = typo3.add_blog_comment(f"{SECRET_WORD} blog", post=post, name="Ann Erasable", email=ANN,
                                      url="https://ann.example/", status=10)
    bob = typo3.add_pw_comment("Bob stays", author_name="Bob Keeps", author_mail="bob@example.org", hidden=0)
    conf, env = write_config(tmp_path, typo3)
    run_cli(conf, "init", env=env)
    run_cli(conf, "sync", "--no-sources", env=env)
    assert b"Ann Erasable" in database_bytes(tmp_path) and SECRET_WORD.encode() in database_bytes(tmp_path)
    unpulled = typo3.add_pw_comment(f"{SECRET_WORD} late", author_name="Ann Erasable", author_mail=ANN)

    out = run_cli(conf, "erase", "--email", ANN, "--at-origin", env=env).stdout
    assert "t3: 3 comment(s) erased in cms-bridge" in out
    assert "t3: 4 comment(s) anonymised on the site" in out
    data = database_bytes(tmp_path)
    for trace in (b"Ann Erasable", SECRET_WORD.encode(), b"ann.example"):
        assert trace not in data, trace
    assert b"Bob Keeps" in data

    for uid in [*ann, unpulled]:
        row = typo3.row(PW, uid)
        assert (row["author_name"], row["author_mail"], row["author_ident"], row["author"]) == ("Anonymous", "", "",
                                                                                                0)
        assert SECRET_WORD in row["message"]  # the text stays, as WordPress's eraser keeps it
    row = typo3.row(BLOG, ann_blog)
    assert (row["name"], row["email"], row["url"]) == ("Anonymous", "", "") and SECRET_WORD in row["comment"]
    assert typo3.row(PW, bob)["author_name"] == "Bob Keeps"
    # every write went through DataHandler as the service user (one run, the two comment tables)
    erase_runs = [run for run in typo3.db.runs if PW in run["data"] and "author_name" in
                  next(iter(run["data"][PW].values()))]
    assert len(erase_runs) == 1 and set(erase_runs[0]["data"]) == {PW, BLOG} and erase_runs[0]["errors"] == []
    (request,) = [r["body"] for r in typo3.requests if isinstance(r["body"], dict) and "email" in r["body"]]
    assert request["email"] == ANN and len(request["ids"]) == 3

    # the reaction-mode site cannot erase, and the report says so instead of skipping it
    assert "t3-reaction: note: nothing was anonymised on the site: TYPO3 site 't3-reaction' uses reaction mode" in out
    assert "anonymise the person's comments in the TYPO3 backend" in out

    again = run_cli(conf, "erase", "--email", ANN, "--at-origin", env=env).stdout
    assert not any(line.startswith("t3: ") for line in again.splitlines())  # nothing of Ann is left anywhere
    assert json.dumps(typo3.row(PW, ann[0]))  # still there: anonymised, not deleted
