"""A story as one piece of plain, sanitisable HTML, for CMSs whose body is HTML and
whose images live beside it (TYPO3 news: ``bodytext`` plus FAL references).

The structure matches the WordPress blocks (:mod:`adapters.wordpress.blocks`): the
intro as paragraphs, then per item a figure caption for an image (the image itself is
the record's reference at the same position), a blockquote with ``<cite>`` for text,
and a link for a YouTube video — each with the item's own attribution and link.
"""
from __future__ import annotations

import html

from .embeds import youtube_id
from .types import SocialItem, Story


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def paragraphs(text: str) -> list[str]:
    parts = [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]
    return ["<br>".join(_text(line) for line in p.split("\n")) for p in parts]


def credit(item: SocialItem, *, rel: str = "noopener", original: str = "original post") -> str:
    """Who made it, where, and the link to the original post: inline HTML for captions
    and cites (every renderer of stories shows it the same way)."""
    parts = []
    if item.author_name:
        name = _text(item.author_name)
        if item.author_url.startswith(("https://", "http://")):
            name = f'<a href="{html.escape(item.author_url)}" rel="{rel}">{name}</a>'
        parts.append(name)
    if item.network:
        parts.append(f"on {_text(item.network)}")
    who = " ".join(parts)
    if item.url.startswith(("https://", "http://")):
        link = f'<a href="{html.escape(item.url)}" rel="{rel}">{original}</a>'
        return f"{who} · {link}" if who else link
    return who


def has_image(item: SocialItem) -> bool:
    return any(m.kind == "image" and m.local_path for m in item.media)


def render(story: Story) -> str:
    out = [f"<p>{p}</p>" for p in paragraphs(story.intro)]
    image_number = 0
    for entry in story.entries:
        item = entry.item
        caption = "<br>".join(paragraphs(entry.caption))
        if has_image(item):
            image_number += 1
            words = caption or "<br>".join(paragraphs(item.text))
            out.append(f'<figure class="cms-bridge-story-image" data-image="{image_number}"><figcaption>'
                       f'{words}{"<br>" if words else ""}{credit(item)}</figcaption></figure>')
        elif youtube_id(item.url):
            url = f"https://www.youtube.com/watch?v={youtube_id(item.url)}"
            out.append(f'<figure class="cms-bridge-story-video"><a href="{url}" rel="noopener">{_text(url)}</a>'
                       f'<figcaption>{caption}{"<br>" if caption else ""}{credit(item)}</figcaption></figure>')
        else:
            quoted = "".join(f"<p>{p}</p>" for p in paragraphs(item.text)) or f"<p>{_text(item.title)}</p>"
            out.append(f"<blockquote>{quoted}<cite>{credit(item)}</cite></blockquote>")
            if caption:
                out.append(f'<p class="cms-bridge-caption">{caption}</p>')
    return "\n".join(out)
