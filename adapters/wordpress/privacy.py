"""Erasure requests on a WordPress site: a commenter's comments anonymised the way
WordPress's own personal-data eraser does it.

``wp_comments_personal_data_eraser()`` (wp-includes/comment.php, WordPress 4.9.6+)
sets ``comment_author`` to "Anonymous", empties ``comment_author_email`` and
``comment_author_url``, anonymises ``comment_author_IP`` and empties
``comment_agent``; it keeps the text. Neither transport can call it, so we write
the same fields:

* REST (``POST /wp/v2/comments/<id>``): name, e-mail and URL as the eraser does;
  the IP becomes ``0.0.0.0`` (the eraser keeps a network prefix — we keep none).
  The user agent cannot be emptied over REST: ``prepare_item_for_database()``
  ignores an empty ``author_user_agent`` and takes the request's User-Agent, so it
  becomes cms-bridge's own, which says nothing about the person.
  ``GET /wp/v2/comments?author_email=…`` (allowed to ``edit_posts``) also finds
  the person's comments cms-bridge never pulled, in every status.
* XML-RPC (``wp.editComment``): name, e-mail and URL only; the IP and user agent
  stay (said in the report), and only the comments cms-bridge knows are found.
"""
from __future__ import annotations

from wordpress_xmlrpc.methods import comments as xc
from wordpress_xmlrpc.wordpress import WordPressComment

from ..base import AdapterError, NotFound
from ..types import Anonymized
from ..words import N_

ANONYMOUS = "Anonymous"
NO_IP = "0.0.0.0"  # noqa: S104 - an anonymised address written into a comment, not a socket binding
#: the statuses a REST comment query must name to see every comment
#: (WP_Comment_Query's "all" is approved + hold only)
REST_STATUSES = ("all", "spam", "trash")


def rest_comment_ids_by_email(rest, email: str) -> list[str]:
    found: list[str] = []
    for status in REST_STATUSES:
        page = 1
        while True:
            rows = rest.json("GET", "/wp/v2/comments", params={
                "author_email": email, "status": status, "per_page": 100, "page": page,
                "context": "edit", "_fields": "id"})
            found.extend(str(row["id"]) for row in rows)
            if len(rows) < 100:
                break
            page += 1
    return found


def rest_anonymize(rest, email: str, remote_ids: list[str]) -> Anonymized:
    result = Anonymized()
    ids = list(dict.fromkeys([*rest_comment_ids_by_email(rest, email), *remote_ids]))
    for comment_id in ids:
        try:
            rest.json("POST", f"/wp/v2/comments/{comment_id}", params={"context": "edit", "_fields": "id"},
                      json={"author_name": ANONYMOUS, "author_email": "", "author_url": "",
                            "author_ip": NO_IP})
            result.done.append(comment_id)
        except NotFound:
            result.done.append(comment_id)  # gone from the site: nothing of the person is left there
        except AdapterError as exc:
            result.failed[comment_id] = str(exc)
    result.notes.append(N_("REST: the user agent is replaced by cms-bridge's own (REST cannot empty it)"))
    return result


def xmlrpc_anonymize(xmlrpc, remote_ids: list[str]) -> Anonymized:
    result = Anonymized()
    for comment_id in remote_ids:
        comment = WordPressComment()
        comment.author, comment.author_email, comment.author_url = ANONYMOUS, "", ""
        try:
            xmlrpc.call(xc.EditComment(int(comment_id), comment))
            result.done.append(comment_id)
        except NotFound:
            result.done.append(comment_id)
        except AdapterError as exc:
            result.failed[comment_id] = str(exc)
    result.notes.append(N_("XML-RPC: the IP address and user agent stay on the site (wp.editComment cannot change "
                           "them), and comments cms-bridge never pulled are not found; use REST or WordPress's "
                           "Tools → Erase Personal Data for those"))
    return result
