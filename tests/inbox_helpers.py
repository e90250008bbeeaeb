"""Comments straight into the store for the inbox tests (no site needed to read them)."""
from __future__ import annotations

import itertools

from bridge.security import hash_password
from tests.conftest import EDITOR_PASSWORD

_ids = itertools.count(1000)


def add_comment(store, *, site="a", status="pending", text="hello", html=None, author="Ann", author_url="",
                author_key="k-ann", post_id="1", post_title="A post", post_url="https://a.example/p/1",
                date="2026-01-01T10:00:00.000000Z", parent_id=None, remote_id=None, version=1, **extra) -> int:
    remote_id = remote_id or str(next(_ids))
    row = dict(site_id=site, remote_id=remote_id, parent_id=parent_id, post_id=post_id, post_title=post_title,
               post_url=post_url, author_name=author, author_url=author_url, author_key=author_key,
               content_html=html if html is not None else f"<p>{text}</p>", content_text=text, status=status,
               remote_status=status, date_gmt=date, first_seen_at=date, updated_at=date, version=version, **extra)
    cols = ", ".join(row)
    with store.write() as db:
        cur = db.execute(f"INSERT INTO comments ({cols}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))
        return cur.lastrowid


def add_editor(store, name="ed", sites=("a",), password=EDITOR_PASSWORD):
    return store.create_user(name, hash_password(password), "editor", list(sites) if sites is not None else None)
