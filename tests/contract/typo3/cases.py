"""The TYPO3 contract: one sequence of requests and the effect each must have, written once.

The cases and their ids are those of the fidelity replay against real TYPO3 13.4.9 / 12.4.45
(C = core create-record, P = probes, U = upsert, N = unpublish, L = list comments, R = reply,
M = moderate, X = transport) plus the facts F1–F7 of the same check. Expected values are what
the real 13.4.9 answered; the I (images list) and E (erase) cases are connector 1.3.0's and L01's
``held_because`` key 1.4.0's, not yet replayed against a real site. Except where connector 1.2.0
fixes a finding: U05–U07 now leave 1, 1 and 0 live image references (1.1.0: 2, 3, 3) and an
upsert whose fields the service user may not write is refused with 403 before anything is
written (F2; 1.1.0: 201 and the fields lost).

Each case names a reaction of the target, what to send, and what must come back and be in the
tables afterwards. Later cases use what earlier ones made (``ctx``), so they run in order.
"""
from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from .targets import OWN

NEWS = "tx_news_domain_model_news"
PW = "tx_pwcomments_domain_model_comment"
LEDGER = "tx_cmsbridgeconnector_reply"
LITERAL = "${item_id}"
RESOLVER_400 = {"success": False, "error": "Invalid information"}
NOT_FOUND_404 = {"success": False, "error": "No reaction found for given identifier"}
WRONG_SECRET_401 = {"success": False, "error": "Invalid secret given"}


def jpeg(color: tuple[int, int, int]) -> bytes:
    """A 64×48 camera-style JPEG (the fidelity run used a red and a blue one)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG", quality=90)
    return out.getvalue()


RED, BLUE = jpeg((200, 30, 30)), jpeg((30, 30, 200))


def image(data: bytes, alt: str = "Blades") -> dict:
    return {"content_type": "image/jpeg", "sha256": hashlib.sha256(data).hexdigest(),
            "content_base64": base64.b64encode(data).decode("ascii"), "alt": alt}


@dataclass
class Case:
    """One request and what must follow from it.

    ``body``/``raw`` may be callables of ``ctx``; ``url`` a callable of (target, ctx) for requests
    that do not go to the reaction's own URL. ``response`` is a subset the JSON body must match,
    ``check`` a callable (ctx, body) for what a subset cannot say, ``effect`` a callable
    (target, ctx) → the observed effect, compared with ``expect``; ``count`` = (table, where,
    params) counted before and after, as ``records_created``. ``keep`` stores what later cases
    need."""

    id: str
    title: str
    reaction: str
    body: Any = None
    raw: Any = None
    method: str = "POST"
    url: Callable | None = None
    credential: Any = OWN
    header: str = "x-api-key"
    status: int = 200
    success_header: str | None = "true"
    response: dict | Callable | None = None
    check: Callable | None = None
    effect: Callable | None = None
    expect: dict | Callable = field(default_factory=dict)
    count: Callable | None = None
    keep: Callable | None = None


# -- request builders ---------------------------------------------------------------------------------

def create_record(ctx, case_id: str, **over) -> dict:
    """The payload cms-bridge's reaction mode sends: every placeholder, scalars only."""
    return {"title": f"CR {ctx['tag']} {case_id}", "teaser": "CR teaser", "html": "<p>CR body</p>",
            "text": "CR body", "datetime": 1735732800, "author": "ACME Corp",
            "source_url": "https://mastodon.social/@acme/1", "network": "mastodon",
            "item_id": f"{ctx['tag']}-{case_id}", **over}


def upsert(ctx, n: str, **over) -> dict:
    return {"import_source": "cms-bridge-contract", "import_id": f"{ctx['tag']}-{n}", "title": f"News {n}",
            "teaser": f"Teaser {n}", "bodytext": "<p>Body</p>", "datetime": 1735732800, "author": "ACME Corp",
            "externalurl": "https://mastodon.social/@acme/1",
            "attribution": {"author_name": "ACME Corp", "author_url": "https://mastodon.social/@acme",
                            "network": "mastodon", "source_url": "https://mastodon.social/@acme/1"},
            "image": None, **over}


def reply(ctx, parent: str, **over) -> dict:
    return {"parent_id": parent, "message": f"Thanks ({ctx['tag']})", "author_name": "Site team",
            "author_email": "", **over}


# -- effect readers -----------------------------------------------------------------------------------

def by_notes(case_id: str) -> Callable:
    return lambda target, ctx: (NEWS, "notes = ?", (f"{ctx['tag']}-{case_id}",))


def literal_records(target, ctx):
    return NEWS, "notes = ? AND deleted = 0", (LITERAL,)


def created_row(where: Callable, *columns: str) -> Callable:
    """The newest row the count matched, reduced to ``columns``; slugs without their -N suffix."""
    def read(target, ctx):
        table, clause, params = where(target, ctx)
        rows = target.rows(table, clause, params)
        row = rows[-1] if rows else {}
        out = {c: row.get(c) for c in columns}
        if "path_segment" in out and out["path_segment"]:
            out["path_segment"] = re.sub(r"-\d+$", "", out["path_segment"])
        return out
    return read


def news_effect(uid_key: str, *columns: str) -> Callable:
    def read(target, ctx):
        uid = ctx[uid_key]
        [row] = target.rows(NEWS, "uid = ?", (uid,))
        out = {c: row[c] for c in columns}
        out["live_refs"] = len(target.rows("sys_file_reference", "tablenames = ? AND fieldname = 'fal_media' AND "
                                           "uid_foreign = ? AND deleted = 0", (NEWS, uid)))
        return out
    return read


NEWS_COLUMNS = ("hidden", "deleted", "teaser", "author")


def comment_effect(uid_key: str) -> Callable:
    def read(target, ctx):
        rows = target.rows(PW, "uid = ?", (ctx[uid_key],))
        if not rows:
            return {"exists": False}
        return {"hidden": rows[0]["hidden"], "deleted": rows[0]["deleted"], "exists": True}
    return read


def ledger_effect(key_key: str, *, with_comment: str | None = None) -> Callable:
    def read(target, ctx):
        out = {"ledger_rows": len(target.rows(LEDGER, "reply_key = ? AND deleted = 0", (ctx[key_key],)))}
        if with_comment:
            out.update(comment_effect(with_comment)(target, ctx))
        return out
    return read


def uid_of(body) -> int:
    return int(body["uid"])


def comment_uid(body) -> int:
    return int(body["comment"]["uid"])


def keep(**readers: Callable) -> Callable:
    def store(ctx, body):
        for key, reader in readers.items():
            ctx[key] = reader(body)
    return store


def details(*keys: str) -> Callable:
    """The error names exactly these fields, in this order (PayloadReader reads in a fixed order)."""
    def check(ctx, body):
        assert list(body["details"]) == list(keys), body
        assert body["error"] == "The request body is not valid: " + "; ".join(
            f"{k}: {v}" for k, v in body["details"].items())
    return check


def reaction_url(identifier: str | Callable) -> Callable:
    def url(target, ctx):
        base = target.url("create-record").rsplit("/", 1)[0]
        return f"{base}/{identifier() if callable(identifier) else identifier}"
    return url


def _page(body, size: int) -> None:
    assert len(body["comments"]) == size, body
    assert set(body["comments"][0]) == {"id", "source", "uid", "status", "created", "changed", "author_name",
                                        "author_email", "author_url", "message", "parent_id", "target", "user_id",
                                        "held_because"}  # 1.4.0: pw_comments' AI moderation verdict, else []
    assert all(isinstance(c["held_because"], list) for c in body["comments"])
    assert set(body["comments"][0]["target"]) == {"type", "uid", "title", "url"}


CR_FIELDS = ("hidden", "deleted", "teaser", "author")


def cases(random_identifier: Callable[[], str]) -> list[Case]:
    """The sequence, in the order the fidelity run sent it."""
    cr = "create-record"
    return [
        # -- core create-record (reaction mode) ---------------------------------------------------------
        Case("C01", "create-record: valid payload", cr, body=lambda ctx: create_record(ctx, "C01"), status=201,
             response={"success": True}, count=by_notes("C01"), effect=created_row(by_notes("C01"), *CR_FIELDS),
             expect={"records_created": 1, "hidden": 0, "deleted": 0, "teaser": "CR teaser", "author": "ACME Corp"}),
        Case("C02", "create-record: the same payload again makes a duplicate (slug -1)", cr,
             body=lambda ctx: create_record(ctx, "C01"), status=201, response={"success": True},
             count=by_notes("C01"), effect=created_row(by_notes("C01"), *CR_FIELDS, "path_segment"),
             expect=lambda ctx: {"records_created": 1, "hidden": 0, "deleted": 0, "teaser": "CR teaser",
                                 "author": "ACME Corp", "path_segment": f"cr-{ctx['tag'].lower()}-c01"}),
        Case("C03", "create-record: empty body stores the literal ${…}", cr, raw=b"", status=201,
             response={"success": True}, count=literal_records,
             effect=created_row(literal_records, "title", "teaser", "author"),
             expect={"records_created": 1, "title": "${title}", "teaser": "${teaser}", "author": "${author}"}),
        Case("C04", "create-record: only the title sent", cr, body=lambda ctx: {"title": f"CR {ctx['tag']} C04"},
             status=201, response={"success": True}, count=literal_records,
             effect=created_row(literal_records, "title", "teaser", "author"),
             expect=lambda ctx: {"records_created": 1, "title": f"CR {ctx['tag']} C04", "teaser": "${teaser}",
                                 "author": "${author}"}),
        Case("C05", "create-record: 300-character title is cut to 255, its slug is not", cr,
             body=lambda ctx: create_record(ctx, "C05", title="x" * 300), status=201, response={"success": True},
             count=by_notes("C05"), effect=lambda target, ctx: {
                 k: len(v) for k, v in created_row(by_notes("C05"), "title", "path_segment")(target, ctx).items()},
             expect={"records_created": 1, "title": 255, "path_segment": 300}),
        Case("C06", "create-record: wrong secret", cr, body=lambda ctx: create_record(ctx, "C06"), credential="f" * 40,
             status=401, success_header=None, response=WRONG_SECRET_401, count=by_notes("C06"),
             expect={"records_created": 0}),
        Case("C07", "create-record: no secret header", cr, body=lambda ctx: create_record(ctx, "C07"), credential=None,
             status=400, success_header=None, response=RESOLVER_400, count=by_notes("C07"),
             expect={"records_created": 0}),
        Case("C08", "create-record: GET", cr, method="GET", status=405, success_header=None, count=by_notes("C08"),
             expect={"records_created": 0}),
        Case("C09", "create-record: trailing slash redirects to the login", cr,
             body=lambda ctx: create_record(ctx, "C09"), url=lambda target, ctx: target.url(cr) + "/", status=302,
             success_header=None, count=by_notes("C09"), expect={"records_created": 0}),
        Case("C10", "create-record: invalid JSON body stores the literals", cr, raw=b"{not json", status=201,
             response={"success": True}, count=literal_records, effect=created_row(literal_records, "teaser"),
             expect={"records_created": 1, "teaser": "${teaser}"}),
        Case("C11", "create-record: non-UUID path", cr, body=lambda ctx: create_record(ctx, "C11"),
             url=reaction_url("not-a-uuid"), status=400, success_header=None, response=RESOLVER_400,
             count=by_notes("C11"), expect={"records_created": 0}),
        Case("C12", "create-record: UUID-shaped but not RFC 4122 (variant nibble 0)", cr,
             body=lambda ctx: create_record(ctx, "C12"), url=reaction_url("00000000-0000-0000-0000-000000001234"),
             status=400, success_header=None, response=RESOLVER_400, count=by_notes("C12"),
             expect={"records_created": 0}),
        Case("C15", "create-record: unknown random v4 UUID", cr, body=lambda ctx: create_record(ctx, "C15"),
             url=reaction_url(random_identifier), status=404, success_header=None, response=NOT_FOUND_404,
             count=by_notes("C15"), expect={"records_created": 0}),
        Case("C13", "create-record: disabled reaction", "create-record-disabled",
             body=lambda ctx: create_record(ctx, "C13"), status=404, success_header=None, response=NOT_FOUND_404,
             count=by_notes("C13"), expect={"records_created": 0}),
        Case("C14", "create-record: a JSON array body stores the literals", cr, body=[1, 2], status=201,
             response={"success": True}, count=literal_records, expect={"records_created": 1}),
        # -- probes -------------------------------------------------------------------------------------
        Case("P01", "probe bridge-upsert-news", "bridge-upsert-news", body={"probe": True},
             response={"success": True, "probe": True, "type": "bridge-upsert-news", "connector_version": "1.4.0",
                       "fields": {"not_writable": []}, "problems": []}),
        Case("P02", "probe bridge-reply", "bridge-reply", body={"probe": True},
             response={"success": True, "probe": True, "type": "bridge-reply", "problems": []}),
        Case("P03", "probe bridge-list-comments, wrong secret", "bridge-list-comments", body={"probe": True},
             credential="f" * 40, status=401, success_header=None, response=WRONG_SECRET_401),
        # -- bridge-upsert-news ---------------------------------------------------------------------------
        Case("U01", "upsert create (no image)", "bridge-upsert-news", body=lambda ctx: upsert(ctx, "n1"), status=201,
             response={"success": True, "action": "created", "url": "", "image": None}, keep=keep(n1=uid_of),
             effect=news_effect("n1", *NEWS_COLUMNS),
             expect={"hidden": 0, "deleted": 0, "live_refs": 0, "teaser": "Teaser n1", "author": "ACME Corp"}),
        Case("U02", "upsert update (same import pair)", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "n1", teaser="Edited teaser"),
             response=lambda ctx: {"success": True, "action": "updated", "uid": ctx["n1"], "url": ""},
             effect=news_effect("n1", *NEWS_COLUMNS),
             expect={"hidden": 0, "deleted": 0, "live_refs": 0, "teaser": "Edited teaser", "author": "ACME Corp"}),
        Case("U03", "teaser and author persist after create + update", "bridge-list-comments", body={"probe": True},
             effect=news_effect("n1", "teaser", "author"),
             expect={"teaser": "Edited teaser", "author": "ACME Corp", "live_refs": 0}),
        Case("U04", "upsert with an image (new record)", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "n2", teaser="Teaser img", image=image(RED)), status=201,
             response={"success": True, "action": "created"}, keep=keep(n2=uid_of),
             check=lambda ctx, body: _image_answer(body, RED, changed=True),
             effect=news_effect("n2", *NEWS_COLUMNS),
             expect={"hidden": 0, "deleted": 0, "live_refs": 1, "teaser": "Teaser img", "author": "ACME Corp"}),
        Case("U05", "upsert the same image again: nothing changes (1.1.0: 2 live references)",
             "bridge-upsert-news", body=lambda ctx: upsert(ctx, "n2", teaser="Teaser img", image=image(RED)),
             response={"success": True, "action": "updated"},
             check=lambda ctx, body: _image_answer(body, RED, changed=False),
             effect=news_effect("n2", *NEWS_COLUMNS),
             expect={"hidden": 0, "deleted": 0, "live_refs": 1, "teaser": "Teaser img", "author": "ACME Corp"}),
        Case("U06", "upsert another image: it replaces the old one (1.1.0: 3)", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "n2", teaser="Teaser img", image=image(BLUE)),
             response={"success": True, "action": "updated"},
             check=lambda ctx, body: _image_answer(body, BLUE, changed=True),
             effect=news_effect("n2", *NEWS_COLUMNS),
             expect={"hidden": 0, "deleted": 0, "live_refs": 1, "teaser": "Teaser img", "author": "ACME Corp"}),
        Case("U07", 'upsert "image": null removes the image (1.1.0: 3)', "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "n2", teaser="Teaser img"),
             response={"success": True, "action": "updated", "image": None},
             effect=news_effect("n2", *NEWS_COLUMNS),
             expect={"hidden": 0, "deleted": 0, "live_refs": 0, "teaser": "Teaser img", "author": "ACME Corp"}),
        Case("U08", "upsert: missing keys", "bridge-upsert-news",
             body=lambda ctx: {"import_source": "cms-bridge-contract", "title": "Only a title"}, status=400,
             success_header="false", response={"success": False, "code": "invalid_payload"},
             check=details("import_id", "teaser", "bodytext", "datetime", "author", "externalurl", "attribution",
                           "image")),
        Case("U09", "upsert: wrong types (title int, datetime string, image string)", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "n9", title=7, datetime="2025-01-01", image="x.jpg"), status=400,
             success_header="false", response={"success": False, "code": "invalid_payload"},
             check=details("title", "datetime", "image")),
        Case("U10", "upsert: 300-character title", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "n10", title="x" * 300), status=400, success_header="false",
             response={"success": False, "code": "too_long",
                       "details": {"title": "300 characters, the column holds at most 255"}}),
        Case("U11", "upsert: image with a wrong sha256", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "n11", image={**image(RED), "sha256": "0" * 64}), status=400,
             success_header="false", response={"success": False, "code": "invalid_payload",
                                               "details": {"image.sha256": "does not match the decoded content"}}),
        Case("U12", "upsert: empty body", "bridge-upsert-news", raw=b"", status=400, success_header="false",
             response={"success": False, "code": "invalid_payload"}, check=details("body")),
        # -- 1.3.0: "images", every image in order --------------------------------------------------------
        Case("I01", "upsert images [red, blue]: two references in that order", "bridge-upsert-news",
             body=lambda ctx: _without_image(upsert(ctx, "i1"), [image(RED, "Red"), image(BLUE, "Blue")]),
             status=201, response={"success": True, "action": "created"}, keep=keep(i1=uid_of, i1refs=_ref_uids),
             check=lambda ctx, body: _images_answer(body, [RED, BLUE], changed=True),
             effect=lambda target, ctx: {"alts": [r["alternative"] for r in _refs(target, ctx["i1"])]},
             expect={"alts": ["Red", "Blue"]}),
        Case("I02", "upsert images [blue, red]: the same references, re-sorted in place", "bridge-upsert-news",
             body=lambda ctx: _without_image(upsert(ctx, "i1"), [image(BLUE, "Blue"), image(RED, "Red")]),
             response={"success": True, "action": "updated"},
             check=lambda ctx, body: _images_answer(body, [BLUE, RED], changed=True),
             effect=lambda target, ctx: {"refs": [r["uid"] for r in _refs(target, ctx["i1"])],
                                         "same": sorted(r["uid"] for r in _refs(target, ctx["i1"]))
                                         == sorted(ctx["i1refs"])},
             expect=lambda ctx: {"refs": list(reversed(ctx["i1refs"])), "same": True}),
        Case("I03", "upsert images []: every reference goes", "bridge-upsert-news",
             body=lambda ctx: _without_image(upsert(ctx, "i1"), []),
             response={"success": True, "action": "updated", "image": None, "images": []},
             effect=news_effect("i1", "deleted"), expect={"deleted": 0, "live_refs": 0}),
        Case("I04", "upsert with both image and images", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "i4", images=[image(RED)]), status=400, success_header="false",
             response={"success": False, "code": "invalid_payload"}, check=details("image")),
        # -- bridge-unpublish -----------------------------------------------------------------------------
        Case("N01", "unpublish hide (by import pair)", "bridge-unpublish",
             body=lambda ctx: {"uid": 0, "import_source": "cms-bridge-contract", "import_id": f"{ctx['tag']}-n1",
                               "mode": "hide"},
             response=lambda ctx: {"success": True, "uid": ctx["n1"], "action": "hidden"},
             effect=news_effect("n1", *NEWS_COLUMNS),
             expect={"hidden": 1, "deleted": 0, "live_refs": 0, "teaser": "Edited teaser", "author": "ACME Corp"}),
        Case("N02", "upsert of the hidden record again unhides it", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "n1"), response={"success": True, "action": "updated"},
             effect=news_effect("n1", *NEWS_COLUMNS),
             expect={"hidden": 0, "deleted": 0, "live_refs": 0, "teaser": "Teaser n1", "author": "ACME Corp"}),
        Case("N03a", "(setup for N03) the record with an image again", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "n2", teaser="Teaser img", image=image(RED)),
             response={"success": True, "action": "updated"}, effect=news_effect("n2", "deleted"),
             expect={"deleted": 0, "live_refs": 1}),
        Case("N03", "unpublish delete (by uid) takes the image references along", "bridge-unpublish",
             body=lambda ctx: {"uid": ctx["n2"], "import_source": "", "import_id": "", "mode": "delete"},
             response=lambda ctx: {"success": True, "uid": ctx["n2"], "action": "deleted"},
             effect=news_effect("n2", *NEWS_COLUMNS),
             expect={"hidden": 0, "deleted": 1, "live_refs": 0, "teaser": "Teaser img", "author": "ACME Corp"}),
        Case("N04", "unpublish an unknown uid", "bridge-unpublish",
             body={"uid": 999999, "import_source": "", "import_id": "", "mode": "hide"}, status=404,
             success_header="false", response={"success": False, "code": "record_not_found"}),
        Case("N05", "unpublish: bad mode and no import keys", "bridge-unpublish",
             body=lambda ctx: {"uid": ctx["n1"], "mode": "burn"}, status=400, success_header="false",
             response={"success": False, "code": "invalid_payload",
                       "details": {"import_source": "is required", "import_id": "is required",
                                   "mode": "must be one of hide, delete"}}),
        # -- bridge-list-comments -------------------------------------------------------------------------
        Case("L01", "list comments: first page", "bridge-list-comments", body={"after": None, "limit": 2},
             response={"success": True, "sources": ["pw_comments"]}, keep=keep(cursor=lambda body: body["next"]),
             check=lambda ctx, body: _page(body, 2)),
        Case("L02", "list comments: next page with the cursor", "bridge-list-comments",
             body=lambda ctx: {"after": ctx["cursor"], "limit": 2}, response={"success": True},
             check=lambda ctx, body: _after(ctx["cursor"], body)),
        Case("L03", "list comments: by ids (one there, one gone, one of an extension not installed)",
             "bridge-list-comments",
             body=lambda ctx: {"ids": [f"pw_comments:{ctx['comment']}", "pw_comments:999999", "blog:1"]},
             response=lambda ctx: {"success": True, "sources": ["pw_comments"]},
             check=lambda ctx, body: _ids(body, [f"pw_comments:{ctx['comment']}"])),
        Case("L04", "list comments: limit 0", "bridge-list-comments", body={"after": None, "limit": 0}, status=400,
             success_header="false", response={"success": False, "code": "invalid_payload",
                                               "details": {"limit": "must be between 1 and 200"}}),
        Case("L05", "list comments: after missing", "bridge-list-comments", body={"limit": 5}, status=400,
             success_header="false", response={"success": False, "code": "invalid_payload"}, check=details("after")),
        # -- bridge-reply and bridge-moderate-comment ---------------------------------------------------------
        Case("R01", "reply without a key (the target of the moderation cases)", "bridge-reply",
             body=lambda ctx: reply(ctx, f"pw_comments:{ctx['comment']}"), status=201,
             response={"success": True, "created": True}, keep=keep(r1=comment_uid),
             effect=comment_effect("r1"), expect={"hidden": 0, "deleted": 0, "exists": True}),
        *[Case(f"M0{i}", f"moderate {action}", "bridge-moderate-comment",
               body=lambda ctx, action=action: {"id": f"pw_comments:{ctx['r1']}", "action": action},
               response={"success": True}, effect=comment_effect("r1"), expect=effect)
          for i, (action, effect) in enumerate([
              ("approve", {"hidden": 0, "deleted": 0, "exists": True}),
              ("hold", {"hidden": 1, "deleted": 0, "exists": True}),
              ("spam", {"hidden": 1, "deleted": 0, "exists": True}),
              ("unspam", {"hidden": 1, "deleted": 0, "exists": True}),
              ("trash", {"hidden": 1, "deleted": 1, "exists": True}),
              ("restore", {"hidden": 1, "deleted": 0, "exists": True}),
              ("delete", {"exists": False})], start=1)],
        Case("M08", "moderate an unknown comment", "bridge-moderate-comment",
             body={"id": "pw_comments:999999", "action": "approve"}, status=404, success_header="false",
             response={"success": False, "code": "record_not_found"}),
        Case("M09", "moderate a comment of EXT:blog (not installed)", "bridge-moderate-comment",
             body={"id": "blog:1", "action": "approve"}, status=409, success_header="false",
             response={"success": False, "code": "unsupported"}),
        Case("M10", "moderate with a bad action", "bridge-moderate-comment",
             body=lambda ctx: {"id": f"pw_comments:{ctx['comment']}", "action": "burn"}, status=400,
             success_header="false", response={"success": False, "code": "invalid_payload"}, check=details("action")),
        Case("M11", "moderate without an id", "bridge-moderate-comment", body={"action": "approve"}, status=400,
             success_header="false", response={"success": False, "code": "invalid_payload",
                                               "details": {"id": "is required"}}),
        Case("R02", "reply with a key", "bridge-reply",
             body=lambda ctx: reply(ctx, f"pw_comments:{ctx['comment']}", key=ctx["key"]), status=201,
             response={"success": True, "created": True}, keep=keep(r2=comment_uid),
             effect=ledger_effect("key", with_comment="r2"),
             expect={"hidden": 0, "deleted": 0, "exists": True, "ledger_rows": 1}),
        Case("R03", "the same reply key again answers the first reply", "bridge-reply",
             body=lambda ctx: reply(ctx, f"pw_comments:{ctx['comment']}", key=ctx["key"]),
             response={"success": True, "created": False},
             check=lambda ctx, body: _ids({"comments": [body["comment"]]}, [f"pw_comments:{ctx['r2']}"]),
             effect=ledger_effect("key", with_comment="r2"),
             expect={"hidden": 0, "deleted": 0, "exists": True, "ledger_rows": 1}),
        Case("R04", "reply to a hard-deleted comment", "bridge-reply",
             body=lambda ctx: reply(ctx, f"pw_comments:{ctx['r1']}"), status=404, success_header="false",
             response={"success": False, "code": "record_not_found"}),
        Case("R05a", "(setup for R05) hard-delete the keyed reply", "bridge-moderate-comment",
             body=lambda ctx: {"id": f"pw_comments:{ctx['r2']}", "action": "delete"},
             response={"success": True, "status": None, "comment": None}),
        Case("R05", "the same key after its reply was hard-deleted is not posted again", "bridge-reply",
             body=lambda ctx: reply(ctx, f"pw_comments:{ctx['comment']}", key=ctx["key"]), status=404,
             success_header="false", response={"success": False, "code": "record_not_found"},
             effect=ledger_effect("key"), expect={"ledger_rows": 1}),
        Case("R06", "reply: message, author_name and author_email missing", "bridge-reply",
             body=lambda ctx: {"parent_id": f"pw_comments:{ctx['comment']}"}, status=400, success_header="false",
             response={"success": False, "code": "invalid_payload",
                       "details": {"message": "is required", "author_name": "is required",
                                   "author_email": "is required"}}),
        Case("R07", "reply: wrong types (key int, author_email int)", "bridge-reply",
             body=lambda ctx: reply(ctx, f"pw_comments:{ctx['comment']}", key=4711, author_email=5), status=400,
             success_header="false", response={"success": False, "code": "invalid_payload"},
             check=details("author_email", "key"), effect=lambda target, ctx: {
                 "ledger_rows": len(target.rows(LEDGER, "reply_key = ?", ("4711",)))}, expect={"ledger_rows": 0}),
        Case("R08", "reply: bad key characters", "bridge-reply",
             body=lambda ctx: reply(ctx, f"pw_comments:{ctx['comment']}", key="a b"), status=400,
             success_header="false", response={"success": False, "code": "invalid_payload"}, check=details("key"),
             effect=lambda target, ctx: {"ledger_rows": len(target.rows(LEDGER, "reply_key = ?", ("a b",)))},
             expect={"ledger_rows": 0}),
        # -- 1.3.0: bridge-erase-commenter (on a comment the run made, never on the site's own) ---------------
        Case("E01", "(setup for E) a comment with a name and an address", "bridge-reply",
             body=lambda ctx: reply(ctx, f"pw_comments:{ctx['comment']}", author_name=f"Erin {ctx['tag']}",
                                    author_email=f"erin-{ctx['tag']}@example.org"), status=201,
             response={"success": True, "created": True}, keep=keep(e1=comment_uid)),
        Case("E02", "erase by address (another case): name and address go, the text stays", "bridge-erase-commenter",
             body=lambda ctx: {"email": f"ERIN-{ctx['tag']}@example.org", "ids": []},
             response=lambda ctx: {"success": True, "anonymised": [f"pw_comments:{ctx['e1']}"], "missing": [],
                                   "more": False},
             effect=lambda target, ctx: {c: target.rows(PW, "uid = ?", (ctx["e1"],))[0][c]
                                         for c in ("author_name", "author_mail", "deleted")},
             expect={"author_name": "Anonymous", "author_mail": "", "deleted": 0}),
        Case("E03", "erase again: nothing of the address is left", "bridge-erase-commenter",
             body=lambda ctx: {"email": f"erin-{ctx['tag']}@example.org", "ids": ["pw_comments:999999"]},
             response={"success": True, "anonymised": [], "missing": ["pw_comments:999999"], "more": False}),
        Case("E04", "erase with neither an address nor ids", "bridge-erase-commenter", body={"email": "", "ids": []},
             status=400, success_header="false", response={"success": False, "code": "invalid_payload"},
             check=details("email")),
        # -- transport ------------------------------------------------------------------------------------
        Case("X01", "transport: PUT", cr, method="PUT", status=405, success_header=None),
        Case("X02", "transport: X-API-KEY in upper case", "bridge-upsert-news", body={"probe": True},
             header="X-API-KEY", response={"success": True, "probe": True}),
        # -- facts F1–F7 ----------------------------------------------------------------------------------
        *[Case(f"F1-{i}", f"F1: the site is up and serves {name} (no final reaction class broke DI)", name,
               body={"probe": True}, response={"success": True, "probe": True, "type": name})
          for i, name in enumerate(("bridge-upsert-news", "bridge-unpublish", "bridge-list-comments",
                                    "bridge-moderate-comment", "bridge-reply", "bridge-erase-commenter"),
                                   start=1)],
        Case("F2a", "F2: the probe names the fields the service user may not write",
             "bridge-upsert-news-restricted", body={"probe": True},
             response={"success": True, "probe": True},
             check=lambda ctx, body: _not_writable(body)),
        Case("F2b", "F2: an upsert that would lose teaser and author is refused, nothing written",
             "bridge-upsert-news-restricted", body=lambda ctx: upsert(ctx, "f2"), status=403,
             success_header="false", response={"success": False, "code": "forbidden"},
             check=lambda ctx, body: _names(body, {"teaser", "author"}),
             effect=lambda target, ctx: {"records": len(target.rows(NEWS, "import_id = ?", (f"{ctx['tag']}-f2",)))},
             expect={"records": 0}),
        Case("F2c", "F2: without teaser and author the same user may publish", "bridge-upsert-news-restricted",
             body=lambda ctx: upsert(ctx, "f2", teaser="", author=""), status=201,
             response={"success": True, "action": "created"}, keep=keep(f2=uid_of),
             effect=news_effect("f2", "teaser", "author"), expect={"teaser": None, "author": None, "live_refs": 0}),
        Case("F3", "F3: JPEG → PNG replaces the reference", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "f3", image={**image(_png()), "content_type": "image/png"}), status=201,
             response={"success": True, "action": "created"}, keep=keep(f3=uid_of),
             effect=news_effect("f3", "deleted"), expect={"deleted": 0, "live_refs": 1}),
        Case("F3b", "F3: … then the JPEG", "bridge-upsert-news",
             body=lambda ctx: upsert(ctx, "f3", image=image(RED)), response={"success": True, "action": "updated"},
             effect=news_effect("f3", "deleted"), expect={"deleted": 0, "live_refs": 1}),
        Case("F6a", "F6: a disabled service user is 400 'Record could not be created'", "create-record-disabled-user",
             body=lambda ctx: create_record(ctx, "F6"), status=400, success_header="false",
             response={"success": False, "error": "Record could not be created"}, count=by_notes("F6"),
             expect={"records_created": 0}),
    ]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 200, 30)).save(out, "PNG")
    return out.getvalue()


def _image_answer(body, data: bytes, *, changed: bool) -> None:
    info = body["image"]
    assert info["sha256"] == hashlib.sha256(data).hexdigest(), body
    assert info["changed"] is changed and info["file_uid"] > 0 and info["reference_uid"] > 0, body


def _without_image(payload: dict, images: list[dict]) -> dict:
    """An upsert body in the 1.3.0 form: "images" instead of "image"."""
    return {**{k: v for k, v in payload.items() if k != "image"}, "images": images}


def _refs(target, uid: int) -> list[dict]:
    """The record's live fal_media references in display order (sorting_foreign)."""
    rows = target.rows("sys_file_reference", "tablenames = ? AND fieldname = 'fal_media' AND uid_foreign = ? AND "
                       "deleted = 0", (NEWS, uid))
    return sorted(rows, key=lambda r: (r["sorting_foreign"], r["uid"]))


def _ref_uids(body) -> list[int]:
    return [int(i["reference_uid"]) for i in body["images"]]


def _images_answer(body, images: list[bytes], *, changed: bool) -> None:
    assert [i["sha256"] for i in body["images"]] == [hashlib.sha256(d).hexdigest() for d in images], body
    assert all(i["changed"] is changed and i["reference_uid"] > 0 for i in body["images"]), body
    assert body["image"] == body["images"][0], body


def _not_writable(body) -> None:
    names = body["fields"]["not_writable"]
    assert {"tx_news_domain_model_news:teaser", "tx_news_domain_model_news:author"} <= set(names), body
    assert all(any(name in problem for problem in body["problems"]) for name in names), body


def _after(cursor: dict, body) -> None:
    """Every comment of the next page lies strictly after the cursor's (changed, source, uid)."""
    source, uid = cursor["id"].split(":")
    for comment in body["comments"]:
        assert (comment["changed"], comment["source"], comment["uid"]) > (cursor["changed"], source, int(uid)), body


def _ids(body, expected: list[str]) -> None:
    assert [c["id"] for c in body["comments"]] == expected, body


def _names(body, fields: set[str]) -> None:
    assert fields <= set(body.get("details", {})), body
