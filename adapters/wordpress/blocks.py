"""A story as Gutenberg block markup: what WordPress's block editor itself would save.

Each block is the comment delimiters around exactly the HTML the block's ``save()``
produces in WordPress 6.1+ (core/paragraph, core/image with ``wp-element-caption``,
core/quote with inner paragraph blocks and ``<cite>``, core/embed for YouTube), so the
editor opens the post without "This block contains unexpected or invalid content".
Attributes are serialised as WordPress's ``serialize_block_attributes()`` does: JSON
with ``--``, ``<``, ``>``, ``&`` and ``"`` inside strings written as unicode escapes.

Rendering only: no network here. The caller passes the media-library id and URL of
each image (by sha256), so the image blocks point into the site's own library.
"""
from __future__ import annotations

import html
import json

from ..embeds import youtube_id
from ..story_html import credit, paragraphs
from ..types import SocialItem, Story, StoryEntry
from .common import MARKER, file_sha256, first_image


def serialize_attributes(attrs: dict) -> str:
    """As WordPress's ``serialize_block_attributes()``: JSON, with the characters that
    could end the comment or confuse a parser written as unicode escapes."""
    text = json.dumps(attrs, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("--", "\\u002d\\u002d").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace('\\"', "\\u0022"))


def block(name: str, inner: str, attrs: dict | None = None) -> str:
    opener = f"<!-- wp:{name} {serialize_attributes(attrs)} -->" if attrs else f"<!-- wp:{name} -->"
    return f"{opener}\n{inner}\n<!-- /wp:{name} -->"


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def paragraph_block(inner_html: str, attrs: dict | None = None) -> str:
    css = f' class="{_attr(attrs["className"])}"' if attrs and attrs.get("className") else ""
    return block("paragraph", f"<p{css}>{inner_html}</p>", attrs)


def entry_kind(item: SocialItem) -> str:
    """``image`` (it has a stored image), ``youtube`` (a YouTube video) or ``text``."""
    if first_image(item) is not None:
        return "image"
    if youtube_id(item.url):
        return "youtube"
    return "text"


def attribution(item: SocialItem) -> str:
    """Who made it, where, and the link to the original (``nofollow``, as item posts)."""
    return credit(item, rel="nofollow", original="View the original post")


def _caption(entry: StoryEntry, fallback: str) -> str:
    words = entry.caption.strip() or fallback.strip()
    credit = attribution(entry.item)
    first = "<br>".join(_text(line) for line in words.split("\n") if line.strip())
    return "<br>".join(p for p in (first, credit) if p)


def image_block(entry: StoryEntry, media_id: str, src: str, marker: dict | None = None) -> str:
    media = first_image(entry.item)
    attrs = {**(marker or {}), "id": int(media_id), "sizeSlug": "full", "linkDestination": "none"}
    caption = _caption(entry, entry.item.text)
    figcaption = f'<figcaption class="wp-element-caption">{caption}</figcaption>' if caption else ""
    alt = media.alt if media is not None else ""
    img = f'<img src="{_attr(src)}" alt="{_attr(alt or "")}" class="wp-image-{int(media_id)}"/>'
    return block("image", f'<figure class="wp-block-image size-full">{img}{figcaption}</figure>', attrs)


def quote_block(entry: StoryEntry, marker: dict | None = None) -> str:
    inner = "\n\n".join(paragraph_block(p) for p in paragraphs(entry.item.text)) or paragraph_block(
        _text(entry.item.title))
    cite = attribution(entry.item)
    cite_html = f"<cite>{cite}</cite>" if cite else ""
    quote = block("quote", f'<blockquote class="wp-block-quote">{inner}{cite_html}</blockquote>', marker)
    if entry.caption.strip():
        quote += "\n\n" + paragraph_block("<br>".join(paragraphs(entry.caption)), {"className": "cms-bridge-caption"})
    return quote


def embed_block(entry: StoryEntry, marker: dict | None = None) -> str:
    url = f"https://www.youtube.com/watch?v={youtube_id(entry.item.url)}"
    attrs = {**(marker or {}), "url": url, "type": "video", "providerNameSlug": "youtube", "responsive": True,
             "className": "wp-embed-aspect-16-9 wp-has-aspect-ratio"}
    caption = _caption(entry, "")
    figcaption = f'<figcaption class="wp-element-caption">{caption}</figcaption>' if caption else ""
    css = ("wp-block-embed is-type-video is-provider-youtube wp-block-embed-youtube "
           "wp-embed-aspect-16-9 wp-has-aspect-ratio")
    return block("embed", f'<figure class="{css}"><div class="wp-block-embed__wrapper">\n{_text(url)}\n'
                          f"</div>{figcaption}</figure>", attrs)


def _sha(item: SocialItem) -> str:
    media = first_image(item)
    if media is None:  # only an item whose kind is "image" gets here
        raise ValueError(f"item {item.id!r} has no downloaded image")
    return media.sha256 or file_sha256(media.local_path)


def render_story(story: Story, images: dict[str, dict]) -> str:
    """The post content of ``story``. ``images`` maps an image's sha256 to its
    ``{"id", "url"}`` in the site's media library (an image not there is shown as
    text rather than hot-linked). The first block carries the upsert marker as an
    extra attribute: WordPress keeps it in post_content, where ``find_post``
    searches, and the block editor ignores attributes a block does not declare."""
    marker: dict | None = {"cmsBridge": MARKER.format(story.key)}
    blocks: list[str] = []

    def take() -> dict | None:
        nonlocal marker
        given, marker = marker, None
        return given

    for text in paragraphs(story.intro):
        blocks.append(paragraph_block(text, take()))
    for entry in story.entries:
        kind = entry_kind(entry.item)
        found = images.get(_sha(entry.item)) if kind == "image" else None
        if kind == "image" and found is not None:
            blocks.append(image_block(entry, found["id"], found["url"], take()))
        elif kind == "youtube" or (kind == "image" and youtube_id(entry.item.url)):
            blocks.append(embed_block(entry, take()))
        else:
            blocks.append(quote_block(entry, take()))
    if not blocks:
        blocks.append(paragraph_block(_text("This story has no items yet."), take()))
    return "\n\n".join(blocks)
