"""The inbox screen, read side: what is listed, filtered, counted and how it is shown."""
from __future__ import annotations

import re

from tests.conftest import EDITOR_PASSWORD
from tests.inbox_helpers import add_comment, add_editor


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="c[^"]*" id="c-(\d+)"', html)]


def test_inbox_lists_pending_newest_first_with_context(app, bridge, client, auth):
    store = bridge.store
    parent = add_comment(store, text="the parent", author="Pat", status="approved", date="2026-01-01T00:00:00Z")
    old = add_comment(store, text="older", date="2026-01-02T00:00:00Z")
    new = add_comment(store, text="newer reply", parent_id=parent, date="2026-01-03T00:00:00Z")
    add_comment(store, text="spammy", status="spam", date="2026-01-04T00:00:00Z")
    auth.login()
    html = client.get("/inbox").get_data(as_text=True)
    assert _ids(html) == [new, old]
    assert "in reply to <strong>Pat</strong>" in html and "the parent" in html
    assert 'href="https://a.example/p/1"' in html  # post title linked to the post
    # the commenter's record: Ann (author_key k-ann) had one approved and one spam comment, no trash;
    # it links to her comments (the commenter drawer), and the spam is a reason to look twice
    assert "1 approved · 1 spam · 0 trash before" in html
    assert 'class="c-record" href="/inbox/commenter?key=k-ann&amp;back=/inbox"' in html
    assert "Why look twice:</span> 1 spam before" in html
    # counts per status
    assert re.search(r'pending <span class="n">2</span>', html)
    assert re.search(r'spam <span class="n">1</span>', html)


def test_filters_search_and_keyset_pagination(app, bridge, client, auth):
    store = bridge.store
    ids = [add_comment(store, text=f"note number {i}", site="a" if i % 2 else "b", post_id=str(i % 3),
                       date=f"2026-02-{1 + i:02d}T00:00:00Z") for i in range(25)]
    add_comment(store, text="a rare kumquat remark", site="b", author="Kim", author_key="k-kim",
                date="2026-01-15T00:00:00Z")
    auth.login()
    html = client.get("/inbox?site=a").get_data(as_text=True)
    assert _ids(html) == [i for i in reversed(ids) if (ids.index(i)) % 2]
    html = client.get("/inbox?q=kumquat").get_data(as_text=True)
    assert len(_ids(html)) == 1 and "kumquat" in html
    html = client.get("/inbox?q=kum").get_data(as_text=True)  # prefix of the last word
    assert len(_ids(html)) == 1
    html = client.get('/inbox?q="OR" NEAR(') .get_data(as_text=True)  # FTS syntax is just text
    assert _ids(html) == []
    html = client.get("/inbox?author=k-kim&status=all").get_data(as_text=True)
    assert len(_ids(html)) == 1
    html = client.get("/inbox?from=2026-02-10&to=2026-02-12").get_data(as_text=True)
    assert _ids(html) == [ids[11], ids[10], ids[9]]
    html = client.get("/inbox?site=b&post=0").get_data(as_text=True)
    assert _ids(html) == [i for n, i in reversed(list(enumerate(ids))) if n % 2 == 0 and n % 3 == 0]
    # pages of 50 with a cursor: 26 pending comments fit one page; make more
    more = [add_comment(store, text=f"bulk {i}", date=f"2025-12-{1 + i % 28:02d}T{i % 24:02d}:00:00Z")
            for i in range(60)]
    first = client.get("/inbox").get_data(as_text=True)
    page1 = _ids(first)
    assert len(page1) == 50
    next_url = re.search(r'href="([^"]+)" id="next-page"', first).group(1).replace("&amp;", "&")
    page2 = _ids(client.get(next_url).get_data(as_text=True))
    assert len(page1) + len(page2) == len(ids) + 1 + len(more)
    assert not set(page1) & set(page2)
    assert client.get("/inbox?after=garbage").status_code == 400
    assert client.get("/inbox?status=bogus").status_code == 400
    assert client.get("/inbox?from=yesterday").status_code == 400


def test_hostile_comment_is_shown_inert(app, bridge, client, auth):
    add_comment(bridge.store, text="<script>alert(1)</script>",
                html='<p onmouseover="alert(1)">hi <a href="javascript:alert(2)">click</a>'
                     '<img src=x onerror="alert(3)"><script>alert(4)</script>'
                     '<a href="https://ok.example/">fine</a></p>',
                author='<img src=x onerror="alert(5)">Eve', author_url="javascript:alert(6)")
    auth.login()
    html = client.get("/inbox").get_data(as_text=True)
    body = html[html.index('<div class="comments"'):html.index("</main>")]
    assert "<script" not in body and "<img" not in body
    assert "javascript:" not in re.sub(r'<span class="muted">\(javascript:alert\(6\)\)</span>', "", body)
    assert not re.search(r'href="javascript:', html)
    assert not re.search(r"<[^>]+\son\w+=", body)
    assert '&lt;img src=x onerror=&#34;alert(5)&#34;&gt;Eve' in body  # the name is text
    assert 'href="https://ok.example/"' in body
    assert "Content-Security-Policy" in client.get("/inbox").headers


def test_editor_sees_only_their_sites(app, bridge, client, auth):
    mine = add_comment(bridge.store, site="a", text="on a")
    theirs = add_comment(bridge.store, site="b", text="on b")
    add_comment(bridge.store, site="b", text="spam on b", status="spam")  # same commenter, another site
    add_editor(bridge.store, "ed", sites=["a"])
    auth.login("ed", EDITOR_PASSWORD)
    html = client.get("/inbox").get_data(as_text=True)
    assert _ids(html) == [mine]
    assert "on b" not in html
    assert "0 approved · 0 spam · 0 trash before" in html  # her record counts site a only
    assert client.get("/inbox?site=b").status_code == 404
    assert client.get(f"/inbox/{theirs}").status_code == 404
    assert client.get(f"/inbox/{theirs}/row").status_code == 404
    assert client.get(f"/inbox/{mine}").status_code == 200
    html = client.get("/inbox?q=on").get_data(as_text=True)
    assert _ids(html) == [mine]
    assert client.get("/audit").status_code == 403


def test_counts_follow_status_changes(bridge):
    store = bridge.store
    cid = add_comment(store, site="a")
    add_comment(store, site="b", status="spam")
    assert store.inbox_counts(None) == {"status": {"pending": 1, "spam": 1},
                                        "site": {"a": {"pending": 1}, "b": {"spam": 1}}}
    with store.write() as db:
        db.execute("UPDATE comments SET status = 'approved' WHERE id = ?", [cid])
    assert store.inbox_counts(["a"]) == {"status": {"approved": 1}, "site": {"a": {"approved": 1}}}
    with store.write() as db:
        db.execute("DELETE FROM comments WHERE id = ?", [cid])
    assert store.inbox_counts(["a"])["status"] == {}


def test_multi_site_editor_pages_merge_in_order(bridge):
    from bridge.store.inbox import InboxFilter

    store = bridge.store
    made = [add_comment(store, site=s, date=f"2026-03-{d:02d}T00:00:00Z") for d in range(1, 21) for s in "abc"]
    page, cursor = store.inbox_page(InboxFilter(), ["a", "c"], limit=7)
    rows = [r for r in store.comments_by_ids(made) if r["site_id"] in ("a", "c")]
    expected = [r["id"] for r in sorted(rows, key=lambda r: (r["date_gmt"], r["id"]), reverse=True)]
    got = [r["id"] for r in page]
    while cursor:
        page, cursor = store.inbox_page(InboxFilter(), ["a", "c"], after=cursor, limit=7)
        got += [r["id"] for r in page]
    assert got == expected
