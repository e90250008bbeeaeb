"""Stories: several curated items and the editor's words as one living post per site.

A story is an ordered list of items (``story_items``: position, caption, pinned,
hidden) plus a title and an intro. Every change counts a new ``revision`` and
enqueues one upsert job per site, keyed ``story:<id>:<site>:r<revision>``; the job it
replaces is superseded while still queued, and a new job keeps the run time of the
queued one it replaces (at most ``settle_seconds`` after the first change), so ten
items added within that window make one update on the site. Handlers re-read the
story when they run: what goes out is always the newest state, never a stale one.

Rights and consent are the curation service's: an editor may change a story only
when every site of it is theirs (:meth:`CurationService.check_sites`), may add only
items they can see, and an item that is not approved yet is approved for the story
through :meth:`CurationService.approve_for_story` (same checks as approving). A story
shows only items that are approved and may be published
(:meth:`CurationService.consent_status`), so a withdrawn consent, a retraction or a
rejection removes the item from every story on the next update, which the curation
service's listener queues at once.

A living story has a rule (``{"sources": [...], "contains": "#turbine"}``): items
approved later that match join it, at the top (``order_mode = "newest"``) or the
bottom (``"oldest"``); pinned items stay first.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.base import CMSAdapter, Feature, NotFound
from adapters.types import RemoteRef, Story, StoryEntry

from . import clock as clock_mod
from .curation import Conflict, CurationError, InvalidInput, MediaPending, NotAllowed
from .translations import N_, Words

if TYPE_CHECKING:
    from .core import Bridge

PUBLISH_KIND = "story_publish"
UNPUBLISH_KIND = "story_unpublish"
ORDER_MODES = ("newest", "oldest")
STORY_STATES = ("active", "retracted")
RULE_KEYS = ("sources", "contains")
TITLE_MAX = 255  # TYPO3 news titles are varchar(255); WordPress takes more
INTRO_MAX = 20000
CAPTION_MAX = 2000
ITEMS_MAX = 200  # per request and per story: one post, not an archive
LIVE_STATES = ("queued", "published")


class StoryNotFound(CurationError):
    status = 404
    title = N_("No such story")


class StoriesService:
    #: a change waits this long for more changes before its update goes out
    settle_seconds = 30.0

    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store
        self.outbox = bridge.outbox
        self.curation = bridge.curation

    # -- reading --------------------------------------------------------------
    @staticmethod
    def visible(story: dict, allowed: list[str] | None) -> bool:
        return allowed is None or bool(set(story["sites"]) & set(allowed))

    def get(self, story_id: Any, allowed: list[str] | None = None) -> dict:
        story = self.store.get_story(story_id) if isinstance(story_id, int) else None
        if story is None or not self.visible(story, allowed):
            raise StoryNotFound(Words(N_("There is no story %(id)s."), id=story_id), field="id", value=story_id)
        return story

    def entries(self, story: dict) -> list[dict]:
        """The story's items in order, each with its curation row and whether the site
        shows it (``shown``) or why not (``why_not``)."""
        rows = self.store.story_entries(story["id"])
        items = {i["id"]: i for i in self.store.items_for_curation([r["item_id"] for r in rows])}
        out = []
        for row in rows:
            item = items.get(row["item_id"])
            why = self._why_not_shown(row, item)
            out.append({**row, "item": item, "shown": why is None, "why_not": why})
        return out

    def _why_not_shown(self, row: dict, item: dict | None) -> str | None:
        if item is None:
            return Words(N_("the item was deleted"))
        if row["hidden"]:
            return Words(N_("hidden by an editor"))
        if item["state"] != "approved":
            return Words(N_("the item is %(state)s"), state=Words(item["state"]))
        consent = self.curation.consent_status(item)
        if consent == "refused":
            return Words(N_("the contributor %(state)s consent"), state=Words(item["consent_state"]))
        if consent == "waiting":
            return Words(N_("waiting for the contributor's consent"))
        return None

    def publications(self, story_id: int, allowed: list[str] | None = None) -> list[dict]:
        return [p for p in self.store.story_publications(story_id) if allowed is None or p["site_id"] in allowed]

    # -- guards -------------------------------------------------------------------
    def _editable(self, story_id: Any, allowed: list[str] | None) -> dict:
        story = self.get(story_id, allowed)
        forbidden = sorted(set(story["sites"]) - set(allowed)) if allowed is not None else []
        if forbidden:
            raise NotAllowed(Words(N_("Story %(story)s is also published to %(sites)s, which you may not change; "
                                "ask an editor of those sites."), story=story["id"], sites=", ".join(forbidden)),
                             field="sites", value=forbidden)
        if story["state"] != "active":
            raise Conflict(Words(N_("Story %(story)s was retracted; make a new story instead."), story=story["id"]),
                           field="id", value=story["id"])
        return story

    def _check_sites(self, sites: Any, allowed: list[str] | None) -> list[str]:
        sites = self.curation.check_sites(sites, allowed)
        for i, site_id in enumerate(sites):
            adapter = self.bridge.adapter(site_id)
            if Feature.UPDATE not in adapter.features:
                reason = adapter.unsupported(Feature.UPDATE).describe()
                raise Conflict(Words(N_("%(site)s cannot update a post in place (%(reason)s); a story is one post that "
                                     "changes as items join, so it is not offered there."), site=site_id,
                                  reason=reason),
                               field=f"sites[{i}]", value=site_id)
            if type(adapter).publish_story is CMSAdapter.publish_story:
                raise Conflict(Words(N_("%(site)s (%(kind)s) cannot show stories; choose a WordPress or TYPO3 "
                                     "(connector mode) site."), site=site_id, kind=adapter.kind),
                               field=f"sites[{i}]", value=site_id)
        return sites

    @staticmethod
    def _text(value: Any, name: str, limit: int, *, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            raise InvalidInput(Words(N_("%(field)s must be text."), field=name), field=name, value=value)
        value = value.replace("\r\n", "\n").strip()
        if required and not value:
            raise InvalidInput(Words(N_("Give the story a %(field)s."), field=name), field=name, value=value)
        if len(value) > limit:
            raise InvalidInput(Words(N_("A %(field)s has at most %(limit)s characters; shorten it."), field=name,
                                     limit=limit),
                               field=name,
                               value=value[:40])
        return value

    def _rule(self, rule: Any) -> dict | None:
        if rule is None:
            return None
        if not isinstance(rule, dict):
            raise InvalidInput(Words(N_('A rule is an object like {"sources": ["team"], "contains": "#turbine"}.')),
                               field="rule", value=rule)
        unknown = sorted(set(rule) - set(RULE_KEYS))
        if unknown:
            raise InvalidInput(Words(N_("A rule has only the keys %(keys)s; remove %(unknown)s."),
                                     keys=", ".join(RULE_KEYS), unknown=", ".join(unknown)),
                               field=f"rule.{unknown[0]}", value=rule[unknown[0]])
        sources = rule.get("sources", [])
        known = [s["id"] for s in self.bridge.config.sources]
        if not isinstance(sources, list):
            raise InvalidInput(Words(N_("rule.sources is a list of source ids ([] = every source).")),
                               field="rule.sources",
                               value=sources)
        for i, source in enumerate(sources):
            if source not in known:
                raise InvalidInput(Words(N_("%(source)r is not a configured source; use one of: %(sources)s."),
                                         source=source, sources=", ".join(known) or Words(N_("none"))),
                                   field=f"rule.sources[{i}]", value=source)
        contains = rule.get("contains", "")
        if not isinstance(contains, str) or not contains.strip() or len(contains) > 200:
            raise InvalidInput(Words(N_("rule.contains is the text (e.g. a hashtag) an item must contain, 1–200 "
                                  "characters.")),
                               field="rule.contains", value=contains)
        if not sources and not contains.strip():
            raise InvalidInput(Words(N_("A rule needs sources or contains.")), field="rule", value=rule)
        return {"sources": list(dict.fromkeys(sources)), "contains": contains.strip()}

    @staticmethod
    def _order_mode(value: Any) -> str:
        if value not in ORDER_MODES:
            raise InvalidInput(Words(N_("order is one of: %(modes)s (where items that join go)."),
                                     modes=", ".join(ORDER_MODES)),
                               field="order", value=value)
        return value

    @staticmethod
    def _ids(values: Any, name: str) -> list[int]:
        if not isinstance(values, list) or len(values) > ITEMS_MAX:
            raise InvalidInput(Words(N_("%(field)s is a list of at most %(n)s item ids."), field=name, n=ITEMS_MAX),
                               field=name, value=values)
        for i, value in enumerate(values):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidInput(Words(N_("%(field)s must be an item id (a positive whole number)."),
                                         field=f"{name}[{i}]"),
                                   field=f"{name}[{i}]", value=value)
        return list(dict.fromkeys(values))

    def _check_items(self, item_ids: list[int], allowed: list[str] | None, name: str = "items") -> None:
        """Every item must be one this editor may approve (or approved already):
        checked for all before anything is written."""
        for i, item_id in enumerate(item_ids):
            try:
                self.curation.check_approvable(item_id, allowed)
            except CurationError as exc:
                exc.field = f"{name}[{i}]" if exc.field in ("id", None) else exc.field
                raise

    # -- changes ----------------------------------------------------------------------
    def create(self, *, title: Any, sites: Any, actor: str, intro: Any = None, items: Any = None, rule: Any = None,
               order: Any = "newest",
               allowed: list[str] | None = None) -> dict:
        title = self._text(title, "title", TITLE_MAX, required=True)
        intro = self._text(intro, "intro", INTRO_MAX)
        sites = self._check_sites(sites, allowed)
        rule = self._rule(rule)
        order = self._order_mode(order)
        item_ids = self._ids(items if items is not None else [], "items")
        self._check_items(item_ids, allowed)
        with self.store.write():
            story_id = self.store.insert_story(title=title, intro=intro, sites=sites, rule=rule, order_mode=order,
                                               actor=actor)
            for position, item_id in enumerate(item_ids):
                self.curation.approve_for_story(item_id, actor=actor, story_id=story_id, allowed=allowed)
                self.store.add_story_item(story_id, item_id, position=position, actor=actor)
            self._publish(self.store.written_story(story_id))
        return self.store.written_story(story_id)

    def add_items(self, story_id: Any, items: Any, *, actor: str, position: Any = None,
                  allowed: list[str] | None = None) -> dict:
        story = self._editable(story_id, allowed)
        item_ids = self._ids(items, "items")
        if not item_ids:
            raise InvalidInput(Words(N_("Name at least one item to add.")), field="items", value=items)
        current = [r["item_id"] for r in self.store.story_entries(story["id"])]
        new = [i for i in item_ids if i not in current]
        if len(current) + len(new) > ITEMS_MAX:
            raise InvalidInput(Words(N_("A story has at most %(n)s items; make a second story."), n=ITEMS_MAX),
                               field="items", value=len(current) + len(new))
        if position is not None and (not isinstance(position, int) or isinstance(position, bool)
                                     or not 0 <= position <= len(current)):
            raise InvalidInput(Words(N_("position is where the items go, 0 (first) to %(last)s (last)."),
                                     last=len(current)),
                               field="position", value=position)
        self._check_items(new, allowed)
        if not new:
            return story
        with self.store.write():
            for item_id in new:
                self.curation.approve_for_story(item_id, actor=actor, story_id=story["id"], allowed=allowed)
            self._insert(story, new, actor=actor, position=position)
            self._changed(story["id"])
        return self.store.written_story(story["id"])

    def _insert(self, story: dict, item_ids: list[int], *, actor: str, position: int | None) -> None:
        """Put items into the order: at ``position``, else where the story's order mode
        puts joining items (newest: first after the pinned ones; oldest: last)."""
        rows = self.store.story_entries(story["id"])
        order = [r["item_id"] for r in rows]
        if position is None:
            pinned = sum(1 for r in rows if r["pinned"])
            position = pinned if story["order_mode"] == "newest" else len(order)
        for item_id in item_ids:
            self.store.add_story_item(story["id"], item_id, position=0, actor=actor)
        self.store.set_story_positions(story["id"], order[:position] + item_ids + order[position:])

    def remove_item(self, story_id: Any, item_id: Any, *, actor: str, allowed: list[str] | None = None) -> dict:
        story = self._editable(story_id, allowed)
        with self.store.write():
            if not self.store.remove_story_item(story["id"], item_id):
                raise StoryNotFound(Words(N_("Item %(item)s is not in story %(story)s."), item=item_id,
                                          story=story["id"]),
                                    field="item_id", value=item_id)
            self._changed(story["id"])
        return self.store.written_story(story["id"])

    def update(self, story_id: Any, changes: dict, *, actor: str, allowed: list[str] | None = None) -> dict:
        """Title, intro, rule, order mode, the order of the items, and per item its
        caption, pinned and hidden flags; all checked before anything is written."""
        story = self._editable(story_id, allowed)
        if not changes:
            raise InvalidInput(Words(N_("Send at least one of title, intro, rule, order, item_order or items.")),
                               field="body",
                               value=changes)
        unknown = sorted(set(changes) - {"title", "intro", "rule", "order", "item_order", "items"})
        if unknown:
            raise InvalidInput(Words(N_("A story change has no %(key)r; use title, intro, rule, order, item_order or "
                                     "items."), key=unknown[0]), field=unknown[0], value=changes[unknown[0]])
        columns: dict = {}
        if "title" in changes:
            columns["title"] = self._text(changes["title"], "title", TITLE_MAX, required=True)
        if "intro" in changes:
            columns["intro"] = self._text(changes["intro"], "intro", INTRO_MAX)
        if "rule" in changes:
            columns["rule"] = self._rule(changes["rule"])
        if "order" in changes:
            columns["order_mode"] = self._order_mode(changes["order"])
        current = [r["item_id"] for r in self.store.story_entries(story["id"])]
        new_order = None
        if "item_order" in changes:
            new_order = self._ids(changes["item_order"], "item_order")
            if sorted(new_order) != sorted(current):
                missing = sorted(set(current) - set(new_order))
                extra = sorted(set(new_order) - set(current))
                raise InvalidInput(_item_order_message(missing, extra),
                                   field="item_order", value=changes["item_order"])
        item_changes = self._item_changes(changes.get("items"), current) if "items" in changes else {}
        with self.store.write():
            if columns:
                self.store.update_story(story["id"], **columns)
            if new_order is not None:
                self.store.set_story_positions(story["id"], new_order)
            for item_id, values in item_changes.items():
                self.store.update_story_item(story["id"], item_id, **values)
            self._changed(story["id"], bump=not columns)
        return self.store.written_story(story["id"])

    def _item_changes(self, items: Any, current: list[int]) -> dict[int, dict]:
        if not isinstance(items, list):
            raise InvalidInput(Words(N_('items is a list like [{"id": 3, "caption": "…", "pinned": true, '
                                     '"hidden": false}].')),
                               field="items", value=items)
        out: dict[int, dict] = {}
        for i, entry in enumerate(items):
            if not isinstance(entry, dict) or entry.get("id") not in current:
                raise InvalidInput(Words(N_("items[%(i)s] must name an item of the story by its id (%(ids)s)."), i=i,
                                         ids=current),
                                   field=f"items[{i}].id", value=entry.get("id") if isinstance(entry, dict) else entry)
            unknown = sorted(set(entry) - {"id", "caption", "pinned", "hidden"})
            if unknown:
                raise InvalidInput(Words(N_("items[%(i)s] has no %(key)r; use caption, pinned or hidden."), i=i,
                                         key=unknown[0]),
                                   field=f"items[{i}].{unknown[0]}", value=entry[unknown[0]])
            values: dict[str, str | int] = {}
            if "caption" in entry:
                values["caption"] = self._text(entry["caption"], f"items[{i}].caption", CAPTION_MAX)
            for flag in ("pinned", "hidden"):
                if flag in entry:
                    if not isinstance(entry[flag], bool):
                        raise InvalidInput(Words(N_("%(field)s is true or false."), field=f"items[{i}].{flag}"),
                                           field=f"items[{i}].{flag}",
                                           value=entry[flag])
                    values[flag] = int(entry[flag])
            out[entry["id"]] = values
        return out

    def retract(self, story_id: Any, *, actor: str, allowed: list[str] | None = None) -> dict:
        """Take the story's post down on every site (the items themselves stay approved)."""
        story = self._editable(story_id, allowed)
        for site_id in story["sites"]:
            if Feature.UNPUBLISH not in self.curation.site_features(site_id):
                adapter = self.bridge.adapter(site_id)
                reason = adapter.unsupported(Feature.UNPUBLISH).describe()
                raise Conflict(Words(N_("%(site)s cannot take posts down (%(reason)s); remove the story there by "
                                        "hand."),
                                     site=site_id, reason=reason),
                               field="sites", value=[site_id])
        with self.store.write():
            self.store.update_story(story["id"], state="retracted")
            story = self.store.written_story(story["id"])
            for pub in self.store.story_publications(story["id"]):
                if pub["state"] in LIVE_STATES:
                    self._enqueue(UNPUBLISH_KIND, story, pub["site_id"], "unpublishing", delay=0.0)
        return story

    # -- the curation service's decisions -------------------------------------------
    def on_item_decision(self, event: str, item: dict) -> None:
        """Listener on curation: a newly approved item joins the living stories whose
        rule it matches; any decision about an item updates the stories it is in."""
        touched = set(self.store.stories_with_item(item["id"]))
        if event == "approve":
            for story in self.store.living_stories():
                if story["id"] not in touched and self.matches(story["rule"], item):
                    self._insert(story, [item["id"]], actor=f"rule:story-{story['id']}", position=None)
                    touched.add(story["id"])
        for story_id in sorted(touched):
            story = self.store.written_story(story_id)
            if story["state"] == "active":
                self._changed(story_id)

    @staticmethod
    def matches(rule: dict | None, item: dict) -> bool:
        if not rule:
            return False
        if rule.get("sources") and item["source_id"] not in rule["sources"]:
            return False
        needle = (rule.get("contains") or "").casefold()
        haystack = " ".join(filter(None, (item.get("title"), item.get("text"), item.get("edited_title"),
                                          item.get("edited_text")))).casefold()
        return needle in haystack

    # -- jobs ------------------------------------------------------------------------------
    def _changed(self, story_id: int, *, bump: bool = True) -> None:
        if bump:
            self.store.update_story(story_id)
        self._publish(self.store.written_story(story_id))

    def _publish(self, story: dict) -> None:
        for site_id in story["sites"]:
            self._enqueue(PUBLISH_KIND, story, site_id, "queued", delay=self.settle_seconds)

    def _enqueue(self, kind: str, story: dict, site_id: str, pub_state: str, *, delay: float) -> None:
        """One job per site and revision. A job still waiting is superseded, and the new
        one keeps its run time: changes made meanwhile ride along (coalescing)."""
        key = f"{kind}:{story['id']}:{site_id}:r{story['revision']}"
        current = self.store.get_story_publication(story["id"], site_id)
        previous = self.store.get_job(current["job_id"]) if current and current["job_id"] else None
        if previous is not None and previous["idempotency_key"] == key:
            return
        if previous is not None and previous["state"] == "queued" and previous["kind"] == kind:
            delay = max(0.0, min(delay, previous["next_attempt_at"] - self.bridge.clock()))
        job = self.outbox.enqueue(kind, key=key, payload={"story_id": story["id"], "revision": story["revision"]},
                                  site_id=site_id, delay=delay)
        if previous is not None and previous["id"] != job["id"]:
            self.outbox.supersede(previous["id"], Words(N_("superseded by job %(job)s (story revision %(revision)s)"),
                                                        job=job["id"], revision=story["revision"]))
        self.store.set_story_publication_job(story["id"], site_id, state=pub_state, job_id=job["id"])

    def story_value(self, story: dict) -> Story:
        """The story as adapters show it: only the items that may be published, each as
        the curation service builds it (its own attribution, source link, media)."""
        shown = [e for e in self.entries(story) if e["shown"]]
        media = self.store.media_for_items([e["item_id"] for e in shown])
        waiting = [m["url"] for e in shown for m in media[e["item_id"]] if m["state"] == "pending"]
        if waiting:
            raise MediaPending(Words(N_("%(n)s image(s) of story %(id)s are still downloading"), n=len(waiting),
                                     id=story["id"]), hint=N_("the bridge publishes once they are stored"))
        entries = [StoryEntry(item=self.curation.social_item(e["item"], media[e["item_id"]]), caption=e["caption"])
                   for e in shown]
        return Story(id=str(story["id"]), title=story["title"], intro=story["intro"], entries=entries,
                     key=f"{self.store.installation_id()}-story-{story['id']}",
                     published_at=clock_mod.parse_iso(story["created_at"]))

    def handle_publish(self, job: dict) -> dict:
        site_id = job["site_id"]
        story = self.store.get_story(job["payload"]["story_id"])
        if story is None or story["state"] != "active" or site_id not in story["sites"]:
            return {"skipped": N_("the story is no longer published on this site")}
        pub = self.store.get_story_publication(story["id"], site_id)
        existing = RemoteRef.from_dict(pub["remote_ref"]) if pub else None
        value = self.story_value(story)
        ref = self.bridge.adapter(site_id).publish_story(value, existing)
        self.store.mark_story_published(story["id"], site_id, remote_ref=ref.to_dict(), remote_url=ref.url,
                                        revision=story["revision"])
        return {"remote_id": ref.remote_id, "url": ref.url, "revision": story["revision"],
                "items": [e.item.id for e in value.entries]}

    def handle_unpublish(self, job: dict) -> dict:
        site_id = job["site_id"]
        story_id = job["payload"]["story_id"]
        story = self.store.get_story(story_id)
        if story is not None and story["state"] == "active":
            return {"skipped": N_("the story is active again")}
        pub = self.store.get_story_publication(story_id, site_id)
        ref = RemoteRef.from_dict(pub["remote_ref"]) if pub else None
        if ref is not None:
            try:
                self.bridge.adapter(site_id).unpublish(ref)
            except NotFound:
                pass  # already gone: that is what we wanted
        self.store.mark_story_unpublished(story_id, site_id)
        return {"unpublished": ref.remote_id if ref else None}

    # Last in the class: below it, ``list`` in an annotation would name this method, not the builtin.
    def list(self, allowed: list[str] | None = None) -> list[dict]:
        return [s for s in self.store.list_stories() if self.visible(s, allowed)]


def setup(bridge: Bridge) -> StoriesService:
    service = StoriesService(bridge)
    bridge.curation.listeners.append(service.on_item_decision)
    bridge.outbox.register(PUBLISH_KIND, service.handle_publish)
    bridge.outbox.register(UNPUBLISH_KIND, service.handle_unpublish)
    return service


def _item_order_message(missing: list[int], extra: list[int]) -> Words:
    """The refusal of an ``item_order`` that is not the story's items once each: one whole
    sentence per case, so a translator sees each as it is read."""
    if missing and extra:
        return Words(N_("item_order lists every item of the story once, in the new order; missing: %(missing)s; "
                        "not in the story: %(extra)s."), missing=missing, extra=extra)
    if missing:
        return Words(N_("item_order lists every item of the story once, in the new order; missing: %(missing)s."),
                     missing=missing)
    if extra:
        return Words(N_("item_order lists every item of the story once, in the new order; not in the story: "
                        "%(extra)s."), extra=extra)
    return Words(N_("item_order lists every item of the story once, in the new order."))
