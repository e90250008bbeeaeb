"""HTML from outside, made safe to store and to send on (nh3, an allowlist).

What survives: text formatting, paragraphs, lists, quotes, links and images.
What never does: ``script``/``style``/``iframe``/``object``/forms (and their
content), event handlers (``on*``), ``style`` attributes, and URLs whose scheme
is not http(s)/mailto (``javascript:``, ``data:``, ``vbscript:`` …). Relative
URLs are resolved against the item's own URL when one is known, and dropped
otherwise (a relative link means nothing once the HTML lives in another site).
Every link gets ``rel="nofollow noopener"``.

:func:`clean_html` is idempotent, so HTML is cleaned twice: on intake, before it is stored
(``bridge/intake.py``), and again before a publish job sends it to a CMS (``bridge/curation.py``),
so a stored row written by an older version or by hand never leaves unsanitised.
"""
from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import nh3
from markupsafe import Markup

ALLOWED_TAGS: frozenset[str] = frozenset({
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "dd", "dl", "dt", "em", "figcaption",
    "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "mark", "ol", "p", "pre", "q",
    "s", "small", "span", "strong", "sub", "sup", "u", "ul",
})
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "ol": {"start"},
}
#: tags removed together with everything inside them
DROP_WITH_CONTENT: frozenset[str] = frozenset({"script", "style", "iframe", "object", "embed", "noscript",
                                               "template", "svg", "math", "form", "select", "textarea"})
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
URL_ATTRIBUTES = {("a", "href"), ("img", "src"), ("blockquote", "cite"), ("q", "cite")}
LINK_REL = "nofollow noopener"

#: comments are shown, not published: a smaller allowlist (no images, no headings), and links
#: marked as user-generated so they pass on no ranking and no referrer
COMMENT_TAGS: frozenset[str] = frozenset({
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "i", "li", "ol", "p", "pre", "q", "s",
    "strong", "sub", "sup", "u", "ul",
})
COMMENT_LINK_REL = "nofollow noopener noreferrer ugc"

_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def _url_filter(base_url: str | None):
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if (tag, attr) not in URL_ATTRIBUTES:
            return value
        value = value.strip()
        scheme = urlsplit(value).scheme.lower() if ":" in value else ""
        if not scheme:
            if not base_url:
                return None
            value = urljoin(base_url, value)
            scheme = urlsplit(value).scheme.lower()
        return value if scheme in URL_SCHEMES else None

    return attribute_filter


def clean_html(html: str | None, base_url: str | None = None) -> str:
    """Sanitised HTML fragment; relative URLs resolved against ``base_url``."""
    if not html:
        return ""
    base = base_url if base_url and urlsplit(base_url).scheme in ("http", "https") else None
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_url_filter(base),
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def safe_link(url: str | None) -> str | None:
    """An absolute http(s) URL to link to, or None (``javascript:``, ``data:``, relative … are never links)."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def comment_html(content_html: str | None, content_text: str | None = None) -> Markup:
    """A comment's HTML for display, sanitised again every time (never trusted as stored);
    a comment without HTML is its text as escaped paragraphs."""
    source = content_html or ""
    if not source.strip():
        text = content_text or ""
        return Markup("").join(Markup("<p>{}</p>").format(p) for p in text.split("\n\n") if p.strip())
    cleaned = nh3.clean(source, tags=set(COMMENT_TAGS), attributes={"a": {"href", "title"}},
                        clean_content_tags=set(DROP_WITH_CONTENT), url_schemes=set(URL_SCHEMES),
                        link_rel=COMMENT_LINK_REL, strip_comments=True)
    return Markup(cleaned)  # noqa: S704 - nh3 output: the allowlist above, nothing else


_TAG_OR_ENTITY = re.compile(r"(<[^>]*>|&#?\w+;)")


def mark_words(html: str, rules: dict[str, list[re.Pattern]]) -> Markup:
    """``html`` (already sanitised) with every match of the patterns wrapped in
    ``<mark class="watch watch-<rule>">``. Only text between tags is searched, never a tag
    or an entity, so the markup stays as the sanitiser left it; one pass, so a mark is
    never searched again."""
    groups = [(rule, "|".join(p.pattern for p in patterns)) for rule, patterns in rules.items() if patterns]
    if not groups:
        return Markup(html)  # noqa: S704 - already sanitised by the caller
    combined = re.compile("|".join(f"(?P<{rule}>{alt})" for rule, alt in groups), re.IGNORECASE)

    def mark(match: re.Match) -> str:
        return f'<mark class="watch watch-{match.lastgroup}">{match.group(0)}</mark>'

    parts = _TAG_OR_ENTITY.split(str(html))
    out = [part if i % 2 else combined.sub(mark, part) for i, part in enumerate(parts)]
    return Markup("".join(out))  # noqa: S704 - sanitised text, plus our own <mark> around some of it


def escape_text(text: str | None) -> str:
    """Plain text as an HTML fragment (paragraphs and line breaks kept)."""
    if not text:
        return ""
    paragraphs = [p.strip() for p in _BLANK_LINES.split(text.strip()) if p.strip()]
    return "".join("<p>" + html_lib.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


_BLOCKS = {"p", "div", "br", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
           "tr", "table", "figure", "figcaption", "hr", "dl", "dt", "dd", "section", "article", "header",
           "footer"}


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]):
        if tag in DROP_WITH_CONTENT:
            self.skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]):
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str):
        if tag in DROP_WITH_CONTENT:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str):
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str | None) -> str:
    """Readable plain text of an HTML fragment: tags gone, entities decoded,
    block elements as line breaks, runs of blank lines collapsed."""
    if not html:
        return ""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_text(text: str | None) -> str:
    """Plain text from outside: control characters removed, whitespace tidied.
    (Any markup in it stays literal text; it is escaped wherever it is shown.)"""
    if not text:
        return ""
    text = "".join(ch for ch in text if ch in "\n\t" or ch >= " " and ch != "\x7f")
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def plain_text(value: str | None) -> str:
    """A one-line-or-more plain-text field (title, author name, alt text) from
    outside: markup removed (script/style content with it), entities decoded.
    Decoding can reveal markup that was entity-encoded (``&lt;script&gt;``), so
    this repeats until nothing changes: what is stored never contains a tag."""
    text = value or ""
    for _ in range(4):
        stripped = html_to_text(text) if "<" in text or "&" in text else text
        if stripped == text:
            break
        text = stripped
    return clean_text(text)


def title_from(text: str | None, limit: int = 80) -> str:
    """A title for a post that came without one: its text's first non-empty line, cut at a
    word within ``limit`` characters (then "…"). Intake titles items with it, curation the
    edited text, contributions the contributor's words; "" when there is no text."""
    first = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0] or first[:limit]
    return cut.rstrip(" ,.;:") + "…"
