"""Publishing a story into WordPress: one post, updated in place, its images in the
media library. Uses the transports' own post and media calls (``find_post``,
``get_post``, ``upload``, ``media_source``, ``save_post``), so their response
handling is the adapter's; the content is :mod:`.blocks`'."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..types import RemoteRef, Story
from .blocks import render_story
from .common import file_sha256, first_image, media_filename, shorten

if TYPE_CHECKING:
    from .adapter import WordPressAdapter


def _excerpt(story: Story) -> str:
    return shorten(story.intro.strip() or next((e.item.text for e in story.entries if e.item.text), ""))


def publish_story(adapter: WordPressAdapter, story: Story, existing_ref: RemoteRef | None) -> RemoteRef:
    """Create or update the story's post. Images uploaded for this story before
    (recorded by sha256 in the ref, also those of items that left it, so an item that
    comes back is not uploaded again) are reused once the library confirms the file
    is still there (its URL carries the sha prefix): an update uploads only images
    new to the story."""
    key = adapter.require_key(story)
    t = adapter.transport()
    post = t.get_post(existing_ref.remote_id) if existing_ref else None
    if post is None:
        post = t.find_post(key)
    known: dict[str, dict] = dict((existing_ref.extra.get("media") if existing_ref else None) or {})
    images: dict[str, dict] = {}
    for entry in story.entries:
        media = first_image(entry.item)
        if media is None:
            continue
        sha = media.sha256 or file_sha256(media.local_path)
        if sha in images:
            continue
        record = known.get(sha)
        if record is not None:
            source = t.media_source(record["id"]) or ""
            if sha[:16] in source:
                images[sha] = {"id": record["id"], "url": source}
                continue
        media_id = t.upload(media, media_filename(media, sha), sha)
        images[sha] = {"id": media_id, "url": t.media_source(media_id) or ""}
    first = next(iter(images.values()), None)
    saved = t.save_post(post["id"] if post else None, {
        "title": story.title or "Untitled story", "content": render_story(story, images),
        "excerpt": _excerpt(story), "status": adapter.site.get("post_status", "publish"),
        "categories": list(adapter.site.get("categories") or []), "tags": list(adapter.site.get("tags") or []),
        "featured_media": first["id"] if first else None})
    return RemoteRef(remote_id=saved["id"], url=saved["link"], media_id=first["id"] if first else None,
                     extra={"transport": t.name, "media": {**known, **images}})
