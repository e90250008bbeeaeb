"""The site's own reason for holding a comment (``comments.held_because``) as the inbox row says it,
in English and German, for every code the adapters give (adapters.types.HoldReason), and through the
API. The real sites that produce them: tests/test_wordpress_hold_reasons.py (WordPress) and
tests/test_typo3_adapter.py (pw_comments' AI moderation, through the TYPO3 double)."""
from __future__ import annotations

import re

from bridge.store.base import dumps
from tests.inbox_helpers import add_comment

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
WORDPRESS = [{"code": "manual", "detail": ""}, {"code": "max_links", "detail": "3 of 2"},
             {"code": "moderation_keys", "detail": "casino"}, {"code": "previously_approved", "detail": ""},
             {"code": "disallowed_keys", "detail": ""}, {"code": "plugin", "detail": ""},
             {"code": "wordpress", "detail": ""}, {"code": "akismet", "detail": "spam"},
             {"code": "akismet", "detail": "ham"}, {"code": "akismet", "detail": "error"},
             {"code": "a_future_code", "detail": "its detail"}]
PW = [{"code": "ai_moderation", "detail": "harassment"}]


def _held(html: str, comment_id: int) -> str:
    row = html[html.index(f'id="c-{comment_id}"'):]
    row = row[:row.index("</article>")]
    match = re.search(r'<p class="c-why c-held">(.*?)</p>', row, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""


def test_each_reason_in_the_row_in_english_and_german(app, bridge, client, auth):
    store = bridge.store
    wp = add_comment(store, text="held on WordPress", held_because=dumps(WORDPRESS))
    pw = add_comment(store, site="news", text="held by pw_comments", held_because=dumps(PW))
    none = add_comment(store, text="no reason given")
    auth.login()
    html = client.get("/inbox").get_data(as_text=True)
    assert _held(html, wp) == (
        "Held by WordPress: every comment must be approved by hand · more links than allowed (3; the site holds "
        "comments with 2 or more) · a word of the Comment Moderation list (“casino”) · first comment by this "
        "author · a word of the Disallowed Comment Keys · held by a plugin · by a check of its own · Akismet: "
        "spam · Akismet: not spam · Akismet: could not check it · a_future_code (its detail)")
    assert _held(html, pw) == "Held by pw_comments: its AI moderation flagged it (“harassment”)"
    assert _held(html, none) == ""
    german = client.get("/inbox", headers=GERMAN).get_data(as_text=True)
    assert _held(german, wp).startswith(
        "Von WordPress zurückgehalten: jeder Kommentar muss manuell freigegeben werden · mehr Links als erlaubt "
        "(3; die Website hält Kommentare ab 2 Links zurück) · ein Wort der Liste „Kommentarmoderation“ "
        "(„casino“) · erster Kommentar dieses Autors")
    assert _held(german, pw) == "Von pw_comments zurückgehalten: seine KI-Moderation hat ihn markiert („harassment“)"


def test_the_api_gives_the_reasons(app, bridge, client, auth):
    comment = add_comment(bridge.store, held_because=dumps(PW))
    auth.login()
    body = client.get(f"/api/v1/comments/{comment}").get_json()
    assert body["held_because"] == PW
    listed = client.get("/api/v1/comments").get_json()["comments"]
    assert [c["held_because"] for c in listed] == [PW]
