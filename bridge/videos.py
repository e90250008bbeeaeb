"""Contributors' videos: a poster frame through ffmpeg, WebM without its tags.

**Poster frames.** Debian's ``ffmpeg`` decodes one frame of the (already
stripped) video; it is the item's image wherever an image is published
(WordPress's featured image, the TYPO3 story's picture), beside the video. The
same decode is the check that the upload is a video at all: a file with a video
container header whose frames cannot be decoded is refused as damaged.
ffmpeg runs as a subprocess with an argument list (never a shell), on a private
temporary copy, with the demuxer named (``-f mov`` / ``-f matroska``: no probing
into playlists or concat scripts), ``-protocol_whitelist file`` (no network, no
other files), one decoding thread, a wall-clock ``timeout`` and output capped
at ``MAX_POSTER_BYTES``; the frame is scaled down to at most ``POSTER_MAX_SIDE``.

When ffmpeg is not installed the service still takes videos, without a poster
and without the decode check; :func:`what_is_not_done` says so in words an
editor reads next to the contribution, and the log says it once per file.

**WebM/Matroska metadata.** :func:`strip_webm` walks the EBML element tree and
turns every element that carries words about the recording — ``Tags`` (where
phones and ffmpeg put title, location, date, device), ``Chapters``,
``Attachments``, the segment's ``Title``, ``DateUTC``, ``MuxingApp`` and
``WritingApp``, and each track's ``Name`` — into a ``Void`` element of the same
length with its bytes zeroed. Lengths do not change, so ``SeekHead`` and
``Cues`` offsets stay valid and the video plays as before (Matroska: "Void
elements … used to void data"; https://www.matroska.org/technical/elements.html).
It needs no ffmpeg, so stripping never depends on the installation.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile

from .translations import N_, Words

log = logging.getLogger(__name__)

#: the longest a poster frame may take to decode (seconds, wall clock)
FFMPEG_TIMEOUT = 30
#: the poster's longest side (pixels); larger frames are scaled down
POSTER_MAX_SIDE = 1920
#: the most bytes a poster frame (PNG) may have on ffmpeg's stdout
MAX_POSTER_BYTES = 32 * 1024 * 1024
#: ffmpeg's demuxer per sniffed container (named, so ffmpeg does not guess)
DEMUXERS = {"mp4": "mov", "mov": "mov", "webm": "matroska"}

NO_FFMPEG = N_("no poster frame and no check that the video plays: ffmpeg is not installed on the server "
               "(apt-get install ffmpeg)")


class VideoUnreadable(ValueError):
    """The file has a video container header but is not a video we can decode; ``str()`` says why."""


def find_ffmpeg(setting: str = "ffmpeg") -> str | None:
    """The ffmpeg executable ``[contributions] ffmpeg`` names (a path or a name on PATH), or None."""
    return shutil.which(setting) if setting else None


def what_is_not_done(ffmpeg: str | None) -> list[str]:
    """What a video upload goes without on this installation (shown to editors)."""
    return [] if ffmpeg else [NO_FFMPEG]


def poster_frame(data: bytes, container: str, *, ffmpeg: str, timeout: float = FFMPEG_TIMEOUT) -> bytes:
    """The first frame of a video as PNG bytes, at most POSTER_MAX_SIDE on its longest side.

    Raises :class:`VideoUnreadable` when ffmpeg cannot decode a frame, takes too
    long or writes too much."""
    with tempfile.TemporaryDirectory(prefix="cms-bridge-video-") as tmp:
        path = os.path.join(tmp, f"upload.{container}")
        with open(path, "wb") as fh:
            fh.write(data)
        side = POSTER_MAX_SIDE
        args = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1",
                "-protocol_whitelist", "file", "-f", DEMUXERS[container], "-i", path,
                "-map", "0:v:0", "-frames:v", "1", "-an", "-sn", "-dn",
                "-vf", f"scale='min({side},iw)':'min({side},ih)':force_original_aspect_ratio=decrease",
                "-fs", str(MAX_POSTER_BYTES), "-f", "image2pipe", "-c:v", "png", "pipe:1"]
        try:
            done = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                                  check=False, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise VideoUnreadable(Words(N_("decoding took longer than %(seconds)s s"),
                                        seconds=f"{timeout:.0f}")) from None
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise VideoUnreadable((reason[-1] if reason else N_("no frame could be decoded")).replace(path, "the file"))
    if len(done.stdout) > MAX_POSTER_BYTES:
        raise VideoUnreadable(N_("the frame is larger than a poster may be"))
    return done.stdout


# -- WebM / Matroska ---------------------------------------------------------------------
EBML_VOID = 0xEC
#: elements whose children are walked (Segment, its Info and Tracks, each TrackEntry)
CONTAINERS = {0x18538067, 0x1549A966, 0x1654AE6B, 0xAE}
#: elements voided wherever they occur in those containers
PERSONAL = {
    0x1254C367: "tags (title, location, date, device)",
    0x1043A770: "chapters",
    0x1941A469: "attachments",
    0x7BA9: "title",
    0x4461: "recording date",
    0x4D80: "muxing application",
    0x5741: "writing application",
    0x536E: "track name",
}
CLUSTER = 0x1F43B675
#: what may follow a cluster at the segment's level (ends a cluster of unknown size)
SEGMENT_LEVEL = {CLUSTER, 0x1C53BB6B, 0x114D9B74, 0x1549A966, 0x1654AE6B, *PERSONAL}


def _vint(data: bytes | bytearray, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    """(value, width) of the EBML variable-size integer at pos (RFC 8794 §4)."""
    if pos >= len(data):
        raise VideoUnreadable("truncated")
    first = data[pos]
    if first == 0:
        raise VideoUnreadable(f"invalid length byte at {pos}")
    width = 9 - first.bit_length()
    if pos + width > len(data):
        raise VideoUnreadable("truncated")
    value = int.from_bytes(data[pos:pos + width], "big")
    if not keep_marker:
        value &= (1 << (7 * width)) - 1
    return value, width


def _element(data: bytes | bytearray, pos: int) -> tuple[int, int, int | None]:
    """(id, header length, payload size or None when the size is unknown) of the element at pos."""
    ident, id_width = _vint(data, pos, keep_marker=True)
    size, size_width = _vint(data, pos + id_width, keep_marker=False)
    unknown = size == (1 << (7 * size_width)) - 1  # all value bits set: "size unknown" (live recordings)
    return ident, id_width + size_width, (None if unknown else size)


def _void(out: bytearray, pos: int, total: int) -> None:
    """Overwrite ``total`` bytes at pos with one Void element of the same length."""
    width = 8 if total >= 9 else total - 1
    payload = total - 1 - width
    out[pos:pos + total] = bytes([EBML_VOID]) + ((1 << (7 * width)) | payload).to_bytes(width, "big") \
        + bytes(payload)


def _cluster_end(out: bytearray, pos: int, end: int) -> int:
    """Where a cluster of unknown size (a browser's live recording) ends: at the next
    segment-level element, or the end of its parent."""
    while pos < end:
        ident, header, size = _element(out, pos)
        if ident in SEGMENT_LEVEL or size is None:
            return pos
        pos += header + size
    return end


def _walk(out: bytearray, start: int, end: int, removed: set[str]) -> None:
    pos = start
    while pos < end:
        ident, header, size = _element(out, pos)
        if size is None:
            if ident not in CONTAINERS and ident != CLUSTER:
                raise VideoUnreadable(f"element {ident:#x} of unknown size")
            size = (_cluster_end(out, pos + header, end) if ident == CLUSTER else end) - pos - header
        stop = pos + header + size
        if stop > end:
            raise VideoUnreadable(f"element {ident:#x} runs past its parent")
        if ident in PERSONAL:
            _void(out, pos, stop - pos)
            removed.add(PERSONAL[ident])
        elif ident in CONTAINERS:
            _walk(out, pos + header, stop, removed)
        pos = stop


def strip_webm(data: bytes) -> tuple[bytes, list[str]]:
    """WebM without its personal metadata (see the module docstring); :class:`VideoUnreadable`
    when the element tree is broken."""
    out = bytearray(data)
    ident, header, size = _element(out, 0)
    if ident != 0x1A45DFA3 or size is None:
        raise VideoUnreadable("no EBML header")
    removed: set[str] = set()
    _walk(out, header + size, len(out), removed)
    return bytes(out), (["video metadata (" + ", ".join(sorted(removed)) + ")"] if removed else [])
