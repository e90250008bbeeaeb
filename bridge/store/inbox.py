"""The moderation inbox's read side: pages of comments, counts, context, history, audit.

Writes to comments and the moderation log belong to the moderation service
(``bridge.moderation``); this mixin only reads them, always restricted to the
sites the caller may see (``sites=None`` means every site).

Pages are keyset-paginated on ``(date_gmt, id)`` newest first: a page after
``(d, i)`` is a range seek on an index, never an OFFSET scan. For a user limited
to several sites the page is the merge of one short, index-ordered page per site
(a UNION ALL of per-site ``LIMIT n`` branches), so SQLite never has to sort every
pending comment of those sites. Status counts come from ``comment_counts``, a
table kept exact by triggers (migration 0003), because counting hundreds of
thousands of rows on every page view would cost more than the page itself.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .base import StoreBase, search_words
from .comments import decoded_comment

STATUSES = ("pending", "approved", "spam", "trash", "deleted")
#: the columns a page of the inbox needs (no commenter e-mail or IP)
COLUMNS = ("id", "site_id", "remote_id", "remote_parent_id", "parent_id", "post_id", "post_title", "post_url",
           "link", "type", "author_name", "author_url", "author_key", "content_html", "content_text", "status",
           "remote_status", "date_gmt", "first_seen_at", "updated_at", "version", "site_change", "site_change_at",
           "expected_status", "writeback_state", "writeback_error", "writeback_job_id", "held_because")
#: beyond this many per-site branches a single query is cheaper than the merge
MAX_BRANCHES = 64
#: a search matching fewer rows than this is read through the full-text index, not the date index
FEW_MATCHES = 5000


@dataclass
class InboxFilter:
    """What the editor asked to see. ``status='all'`` shows every status; ``status='flagged'``
    is the pending comments matching ``watch`` (an FTS5 expression of the watch-list words,
    set by the moderation service; none: nothing is flagged)."""

    status: str = "pending"
    site: str | None = None
    post: str | None = None
    author: str | None = None
    date_from: str | None = None   # inclusive, ISO date or datetime (UTC)
    date_to: str | None = None     # inclusive date: everything before the next day
    q: str | None = None
    ids: list[int] = field(default_factory=list)
    watch: str | None = None

    def as_dict(self) -> dict:
        out = {"status": self.status}
        for key in ("site", "post", "author", "date_from", "date_to", "q"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


def fts_query(text: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query: every word must occur
    (quoted, so FTS5 operators and punctuation in the input mean nothing);
    the last word also matches as a prefix."""
    words = search_words(text)
    words = [w.replace('"', '""') for w in words][:12]
    words = [w for w in words if re.search(r"\w", w)]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def fts_any(words: list[str]) -> str | None:
    """An FTS5 query matching any of ``words`` (each a word or a phrase, quoted so that
    nothing in it is an operator), or None when none has a letter or digit."""
    quoted = [f'"{w.replace(chr(34), chr(34) * 2)}"' for w in words if re.search(r"\w", w)]
    return " OR ".join(quoted) or None


def _date_end(value: str) -> str:
    """``date_to`` is inclusive: a bare date means up to the end of that day."""
    if len(value) == 10:
        return value + "T23:59:59.999999Z"
    return value


class InboxQueries(StoreBase):
    # -- the list ------------------------------------------------------------
    def _inbox_where(self, flt: InboxFilter, *, with_site: bool) -> tuple[list[str], list]:
        where: list[str] = []
        params: list = []
        if flt.status == "flagged":
            where.append("c.status = 'pending'")
            if flt.watch:
                where.append("c.id IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?)")
                params.append(flt.watch)
            else:
                where.append("0")
        elif flt.status and flt.status != "all":
            where.append("c.status = ?")
            params.append(flt.status)
        if with_site and flt.site:
            where.append("c.site_id = ?")
            params.append(flt.site)
        if flt.post:
            where.append("c.post_id = ?")
            params.append(flt.post)
        if flt.author:
            where.append("c.author_key = ?")
            params.append(flt.author)
        if flt.date_from:
            where.append("c.date_gmt >= ?")
            params.append(flt.date_from)
        if flt.date_to:
            where.append("c.date_gmt <= ?")
            params.append(_date_end(flt.date_to))
        if flt.q:
            match = fts_query(flt.q)
            if match is None:
                where.append("0")
            else:
                where.append("c.id IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?)")
                params.append(match)
        if flt.ids:
            where.append(f"c.id IN ({', '.join('?' for _ in flt.ids)})")
            params.extend(int(i) for i in flt.ids)
        return where, params

    def _branches(self, flt: InboxFilter, sites: list[str] | None) -> list[str] | None:
        """The site ids to query one by one, or None for "all sites in one go"."""
        if flt.site:
            return [flt.site] if sites is None or flt.site in sites else []
        if sites is None:
            return None
        return list(sites)

    def inbox_ids(self, flt: InboxFilter, sites: list[str] | None, *, after: tuple[str, int] | None = None,
                  limit: int = 50) -> list[tuple[str, int]]:
        """(date_gmt, id) of the next ``limit`` matching comments, newest first."""
        branches = self._branches(flt, sites)
        if branches == []:
            return []
        where, params = self._inbox_where(flt, with_site=False)
        if after is not None:
            where.append("(c.date_gmt, c.id) < (?, ?)")
            params.extend([after[0], int(after[1])])
        order = "ORDER BY c.date_gmt DESC, c.id DESC"
        driven = self._few_matches(flt.q) if flt.q else False
        if driven:
            # A rare word: walking the date index until 50 matches turn up would read
            # every row; fetch the few matches by rowid and sort them instead. (A common
            # word is the opposite case: the index walk finds 50 matches at once.)
            where = [_unindexed(w) for w in where]
            order = "ORDER BY +c.date_gmt DESC, +c.id DESC"
        if branches is None:
            sql = f"SELECT c.date_gmt, c.id FROM comments c {_w(where)} {order} LIMIT ?"
            rows = self.db.execute(sql, [*params, limit]).fetchall()
        elif len(branches) == 1 or flt.q or flt.ids or len(branches) > MAX_BRANCHES:
            # one site: one index range; FTS or explicit ids: the match set is small
            # already, and repeating it per site would cost more
            marks = ", ".join("?" for _ in branches)
            site_clause = "c.site_id = ?" if len(branches) == 1 else f"c.site_id IN ({marks})"
            if driven:
                site_clause = _unindexed(site_clause)
            sql = f"SELECT c.date_gmt, c.id FROM comments c {_w([site_clause, *where])} {order} LIMIT ?"
            rows = self.db.execute(sql, [*branches, *params, limit]).fetchall()
        else:
            parts, all_params = [], []
            for site in branches:
                parts.append(f"SELECT * FROM (SELECT c.date_gmt, c.id FROM comments c "
                             f"{_w(['c.site_id = ?', *where])} {order} LIMIT ?)")
                all_params.extend([site, *params, limit])
            sql = " UNION ALL ".join(parts) + " ORDER BY 1 DESC, 2 DESC LIMIT ?"
            rows = self.db.execute(sql, [*all_params, limit]).fetchall()
        return [(r[0], r[1]) for r in rows]

    def _few_matches(self, q: str) -> bool:
        match = fts_query(q)
        if match is None:
            return False
        n = self.scalar("SELECT count(*) FROM (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ? LIMIT ?)",
                        [match, FEW_MATCHES])
        return n < FEW_MATCHES

    def inbox_page(self, flt: InboxFilter, sites: list[str] | None, *, after: tuple[str, int] | None = None,
                   limit: int = 50) -> tuple[list[dict], tuple[str, int] | None]:
        """A page of comments and the cursor of the next page (None on the last)."""
        keys = self.inbox_ids(flt, sites, after=after, limit=limit + 1)
        more = len(keys) > limit
        keys = keys[:limit]
        rows = self.comments_by_ids([k[1] for k in keys])
        by_id = {r["id"]: r for r in rows}
        page = [by_id[k[1]] for k in keys if k[1] in by_id]
        return page, (keys[-1] if more and keys else None)

    def comments_by_ids(self, ids: list[int]) -> list[dict]:
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = self.query(f"SELECT {', '.join(COLUMNS)} FROM comments WHERE id IN ({marks})", [int(i) for i in ids])
        return [decoded_comment(row) for row in rows]

    def inbox_comment(self, comment_id: int, sites: list[str] | None) -> dict | None:
        """One comment, or None if it does not exist or lies outside ``sites``."""
        rows = self.comments_by_ids([comment_id])
        if not rows or (sites is not None and rows[0]["site_id"] not in sites):
            return None
        return rows[0]

    def count_matching(self, flt: InboxFilter, sites: list[str] | None) -> int:
        branches = self._branches(flt, sites)
        if branches == []:
            return 0
        where, params = self._inbox_where(flt, with_site=False)
        if branches is not None:
            where.insert(0, f"c.site_id IN ({', '.join('?' for _ in branches)})")
            params = [*branches, *params]
        return self.scalar(f"SELECT count(*) FROM comments c {_w(where)}", params)

    # -- counts --------------------------------------------------------------
    def inbox_counts(self, sites: list[str] | None) -> dict:
        """{"status": {status: n}, "site": {site_id: {status: n}}} over the visible sites."""
        sql = "SELECT site_id, status, n FROM comment_counts WHERE n > 0"
        params: list = []
        if sites is not None:
            if not sites:
                return {"status": {}, "site": {}}
            sql += f" AND site_id IN ({', '.join('?' for _ in sites)})"
            params = list(sites)
        by_status: dict[str, int] = {}
        by_site: dict[str, dict[str, int]] = {}
        for row in self.query(sql, params):
            by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
            by_site.setdefault(row["site_id"], {})[row["status"]] = row["n"]
        return {"status": by_status, "site": by_site}

    # -- context of a row ----------------------------------------------------
    def author_stats(self, author_keys: list[str], sites: list[str] | None = None) -> dict[str, dict[str, int]]:
        """{author_key: {"approved": n, "spam": n, <other statuses>: n, "total": n}} over ``sites``
        (None: all sites)."""
        keys = sorted({k for k in author_keys if k})
        if not keys or (sites is not None and not sites):
            return {}
        marks = ", ".join("?" for _ in keys)
        where = "" if sites is None else f" AND site_id IN ({', '.join('?' for _ in sites)})"
        rows = self.query(
            f"SELECT author_key, status, count(*) AS n FROM comments WHERE author_key IN ({marks}){where} "
            "GROUP BY author_key, status", [*keys, *(sites or [])])
        out: dict[str, dict[str, int]] = {}
        for row in rows:
            record = out.setdefault(row["author_key"], {"approved": 0, "spam": 0, "total": 0})
            record[row["status"]] = row["n"]
            record["total"] += row["n"]
        return out

    def parents_of(self, comments: list[dict]) -> dict[int, dict]:
        """{child id: parent comment} for the replies among ``comments``."""
        out: dict[int, dict] = {}
        by_local = {c["id"]: c["parent_id"] for c in comments if c.get("parent_id")}
        by_remote = {c["id"]: (c["site_id"], c["remote_parent_id"]) for c in comments
                     if not c.get("parent_id") and c.get("remote_parent_id") not in (None, "", "0")}
        cols = "id, site_id, remote_id, author_name, content_text, date_gmt, status"
        if by_local:
            ids = sorted(set(by_local.values()))
            rows = {r["id"]: r for r in self.query(
                f"SELECT {cols} FROM comments WHERE id IN ({', '.join('?' for _ in ids)})", ids)}
            for child, parent in by_local.items():
                if parent in rows:
                    out[child] = rows[parent]
        for child, (site, remote) in by_remote.items():
            row = self.query_one(f"SELECT {cols} FROM comments WHERE site_id = ? AND remote_id = ?", [site, remote])
            if row:
                out[child] = row
        return out

    def replies_to(self, comment: dict) -> list[dict]:
        """The direct replies to a comment (the thread below it), oldest first."""
        return self.query(
            "SELECT id, author_name, content_text, date_gmt, status, writeback_state FROM comments "
            "WHERE site_id = ? AND (parent_id = ? OR remote_parent_id = ?) ORDER BY date_gmt, id LIMIT 100",
            [comment["site_id"], comment["id"], comment["remote_id"]])

    def comment_history(self, comment_id: int) -> list[dict]:
        return self.query(
            "SELECT l.*, j.state AS job_state, j.last_error AS job_error FROM moderation_log l "
            "LEFT JOIN jobs j ON j.id = l.job_id WHERE l.comment_id = ? ORDER BY l.id", [comment_id])

    def job_comments(self, job_ids: list[int]) -> dict[int, dict]:
        """{job id: the comment it writes back} for moderation/reply jobs."""
        ids = sorted({int(i) for i in job_ids})
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        out: dict[int, dict] = {}
        for row in self.query(
                f"SELECT l.job_id, c.id, c.site_id, c.author_name, c.post_title, c.content_text, l.action "
                f"FROM moderation_log l JOIN comments c ON c.id = l.comment_id WHERE l.job_id IN ({marks}) "
                "ORDER BY l.id", ids):
            out[row["job_id"]] = row
        for row in self.query(
                f"SELECT writeback_job_id AS job_id, id, site_id, author_name, post_title, content_text, "
                f"NULL AS action FROM comments WHERE writeback_job_id IN ({marks})", ids):
            out.setdefault(row["job_id"], row)
        return out

    # -- audit -----------------------------------------------------------------
    def audit_page(self, *, actor: str | None = None, site: str | None = None, action: str | None = None,
                   before: int | None = None, limit: int = 100) -> tuple[list[dict], int | None]:
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("l.actor", actor), ("l.site_id", site), ("l.action", action)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if before is not None:
            where.append("l.id < ?")
            params.append(int(before))
        rows = self.query(
            "SELECT l.*, c.post_title, c.author_name, substr(c.content_text, 1, 120) AS excerpt, "
            "j.state AS job_state FROM moderation_log l LEFT JOIN comments c ON c.id = l.comment_id "
            f"LEFT JOIN jobs j ON j.id = l.job_id {_w(where)} ORDER BY l.id DESC LIMIT ?", [*params, limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1]["id"] if more and rows else None)

    def audit_facets(self) -> dict[str, list[str]]:
        return {
            "actors": [r["actor"] for r in self.query("SELECT DISTINCT actor FROM moderation_log ORDER BY actor")],
            "actions": [r["action"] for r in self.query("SELECT DISTINCT action FROM moderation_log ORDER BY action")],
        }


def _unindexed(clause: str) -> str:
    """The clause with its column references prefixed by unary ``+``: SQLite then
    cannot use an index for them, which leaves the FTS rowid lookup as the plan."""
    if clause.startswith("c.id IN (SELECT rowid"):
        return clause
    return re.sub(r"(?<![+\w.])c\.(status|site_id|post_id|author_key|date_gmt)\b", r"+c.\1", clause)


def _w(where: list[str]) -> str:
    return ("WHERE " + " AND ".join(where)) if where else ""
