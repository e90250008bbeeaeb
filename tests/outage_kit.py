"""A WordPress outage in the middle of queued work, on the harness's real site:
the scenario of tests/test_reliability_outage.py, and of its big run in
bench/bench_reliability.py.

Decisions, replies and publications are queued; the site's PHP server is stopped
(the harness kills its process group: connections are refused, as from a site that
is down); the outbox runs and every job fails retriably; the server is started again
and the outbox runs until nothing is due. What the site then holds is counted in
WordPress's own database (``wp.php``), not through cms-bridge.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
from dataclasses import dataclass

from tests.curation_helpers import add_item

ACTIONS = ("approve", "hold", "spam", "trash")
#: what WordPress's comment_approved column says after each decision
WP_STATUS = {"approve": "1", "hold": "0", "spam": "spam", "trash": "trash"}
TAG = "outage-run"


@dataclass
class Queued:
    decisions: dict[int, str]  # remote comment id -> action
    replies: dict[int, str]  # remote comment id -> reply text
    items: dict[int, str]  # item id -> title


def queue_work(bridge, wp, image: str, *, decisions: int, replies: int, publications: int) -> Queued:
    """Seed comments in WordPress, sync them in, then queue the work: one decision per
    comment (a mix of actions, none the comment's current status), replies to other
    comments, and approved items with an image each."""
    wp.seed_comments(decisions + replies, status="hold")
    result = bridge.sync.sync_site("wp")
    if not result.ok:
        raise RuntimeError(f"the first sync failed: {result.error}")
    rows = sorted(bridge.store.db["comments"].rows_where("site_id = ? AND status = 'pending'", ["wp"]),
                  key=lambda r: r["id"])
    if len(rows) != decisions + replies:
        raise RuntimeError(f"expected {decisions + replies} pending comments after the sync, found {len(rows)}")
    user = {"username": "ed", "sites": None}
    rng = random.Random(9)
    queued = Queued({}, {}, {})
    for row in rows[:decisions]:
        action = rng.choice([a for a in ACTIONS if a != "hold"])
        bridge.moderation.decide(user, row["id"], action, seen_version=row["version"])
        queued.decisions[int(row["remote_id"])] = action
    for n, row in enumerate(rows[decisions:]):
        text = f"{TAG} reply {n}: thanks for writing"
        bridge.moderation.reply(user, row["id"], text)
        queued.replies[int(row["remote_id"])] = text
    curation = bridge.curation
    for n in range(publications):
        title = f"{TAG} publication {n}"
        # a photo of its own per publication (the adapter finds an attachment again by the
        # content hash, so items sharing one image would rightly share one attachment)
        path, sha = _distinct_image(image, n)
        item_id = add_item(bridge.store, source_id="team", title=title, target_sites=["wp"],
                           media=[{"sha256": sha, "path": path, "content_type": "image/png",
                                   "alt": f"image {n}"}])
        curation.approve(item_id, ["wp"], actor="ed", allowed=None)
        queued.items[item_id] = title
    return queued


def _distinct_image(image: str, n: int) -> tuple[str, str]:
    """A PNG beside ``image`` whose pixels (and so whose SHA-256) belong to publication n."""
    from PIL import Image

    path = os.path.join(os.path.dirname(image), f"publication-{n}.png")
    Image.new("RGB", (64, 48), ((37 * n) % 256, (91 * n + 50) % 256, 200)).save(path, "PNG")
    with open(path, "rb") as fh:
        return path, hashlib.sha256(fh.read()).hexdigest()


def config_file(tmp, wp, sources_env: str = "TEAM_SECRET") -> str:
    """A config file for `cms-bridge` subprocesses on the database a test bridge made
    with ``make_bridge(tmp, wp, …)`` (same paths), the site "wp" and the source "team"."""
    path = os.path.join(str(tmp), "config.toml")
    with open(path, "w") as fh:
        fh.write(f'[server]\ndatabase = "{tmp}/bridge.db"\nmedia_dir = "{tmp}/media"\n'
                 f'secret_key_file = "{tmp}/secret_key"\n\n[outbox]\nbase_delay = 10.0\nmax_attempts = 8\n\n'
                 f'[[sites]]\nid = "wp"\nkind = "wordpress"\nurl = "{wp.url}"\nname = "Harness blog"\n'
                 f'username = "{wp.admin_user}"\npassword_env = "WP_PASSWORD"\ntimeout = 10.0\n\n'
                 f'[[sources]]\nid = "team"\nkind = "webhook"\nsecret_env = "{sources_env}"\ntargets = ["wp"]\n')
    return path


def site_state(wp) -> dict:
    """What WordPress holds, read from its database inside WordPress."""
    code = f"""
global $wpdb;
$tag = '{TAG}%';
echo json_encode([
  'statuses' => $wpdb->get_results("SELECT comment_ID AS id, comment_approved AS st FROM $wpdb->comments", ARRAY_A),
  'replies' => $wpdb->get_results($wpdb->prepare(
      "SELECT comment_parent AS parent, comment_content AS text FROM $wpdb->comments WHERE comment_content LIKE %s",
      $tag), ARRAY_A),
  'posts' => $wpdb->get_col($wpdb->prepare(
      "SELECT post_title FROM $wpdb->posts WHERE post_type = 'post' AND post_title LIKE %s", $tag)),
  'attachments' => (int) $wpdb->get_var("SELECT count(*) FROM $wpdb->posts WHERE post_type = 'attachment'"),
]);"""
    return json.loads(wp.php(code))


def run_outbox(bridge, clock, *, rounds: int, advance: float) -> dict:
    """Run the outbox ``rounds`` times, moving the clock past every retry delay in
    between; totals of what the runs did."""
    totals = {"done": 0, "retried": 0, "failed": 0, "errors": []}
    for _ in range(rounds):
        stats = bridge.outbox.run_due(limit=100_000)
        totals["done"] += stats.done
        totals["retried"] += stats.retried
        totals["failed"] += stats.failed
        totals["errors"] += stats.errors[:3]
        clock.advance(advance)
    return totals


def applied_counts(queued: Queued, before: dict, after: dict) -> dict:
    """How the site's state after the run compares with what was queued: decisions
    with the right status, replied comments with exactly one reply, publications with
    exactly one post, and the new attachments (one per publication is right)."""
    statuses = {int(r["id"]): r["st"] for r in after["statuses"]}
    per_parent: dict[int, int] = {}
    for reply in after["replies"]:
        per_parent[int(reply["parent"])] = per_parent.get(int(reply["parent"]), 0) + 1
    per_title: dict[str, int] = {}
    for title in after["posts"]:
        per_title[title] = per_title.get(title, 0) + 1
    return {
        "decisions_right": sum(statuses.get(rid) == WP_STATUS[a] for rid, a in queued.decisions.items()),
        "replies_once": sum(per_parent.get(rid) == 1 for rid in queued.replies),
        "replies_total": len(after["replies"]),
        "posts_once": sum(per_title.get(t) == 1 for t in queued.items.values()),
        "posts_total": len(after["posts"]),
        "attachments_new": after["attachments"] - before["attachments"],
    }
