"""What a contributor's phone sends, made safe to keep and publish.

Files are judged by their bytes, never by name or declared type: a renamed
executable is refused as "not a photo or video". Images are decoded and encoded
again by Pillow (so only pixels survive, never a polyglot's payload), with
``Image.MAX_IMAGE_PIXELS`` and our own pixel check refusing decompression bombs
before the pixels are allocated. The camera's orientation tag is applied to the
pixels (``ImageOps.exif_transpose``) and then every EXIF/XMP block is dropped —
GPS position, camera serial number, owner name, capture time — and the names of
what was removed are reported so an editor can see it. HEIC/HEIF (iPhones) is
converted to JPEG through pillow-heif. Videos (MP4, MOV, WebM, recognised by
their container header) keep their bytes except the metadata, which is zeroed in
place (ISO-BMFF user-data boxes; WebM tags through :mod:`bridge.videos`); with
ffmpeg installed each gets a poster frame (``CleanFile.poster``, an image cleaned
like any photo) and one that cannot be decoded is refused. Without ffmpeg,
``CleanFile.not_done`` says what was skipped.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from PIL import ExifTags, Image, ImageOps

from . import videos
from .translations import N_, Words

try:  # pillow-heif brings libheif in its wheel; without it HEIC gets a clear refusal
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - depends on the installation
    HEIF = False

#: EXIF tags (besides the GPS block) that say who, where, or with what device
PERSONAL_TAGS = {"Artist", "Copyright", "Make", "Model", "BodySerialNumber", "CameraOwnerName", "LensMake",
                 "LensModel", "LensSerialNumber", "ImageUniqueID", "DateTime", "DateTimeOriginal",
                 "DateTimeDigitized", "Software", "HostComputer", "XPAuthor", "XPComment", "UserComment",
                 "ImageDescription", "MakerNote", "OffsetTime", "OffsetTimeOriginal"}
_TAG_NAMES = {**ExifTags.TAGS}
_IFD_EXIF, _IFD_GPS = 0x8769, 0x8825


class UploadRefused(ValueError):
    """A file that cannot be kept; ``str()`` tells the contributor what to do."""

    def __init__(self, message: str, *, status: int = 400, code: str = "refused"):
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass
class CleanFile:
    data: bytes
    kind: str  # image | video
    content_type: str
    ext: str
    width: int | None = None
    height: int | None = None
    removed: list[str] = field(default_factory=list)
    original_type: str = ""
    poster: CleanFile | None = None  # a video's first frame, as a cleaned image
    not_done: list[str] = field(default_factory=list)  # what this installation could not do to the file


def megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def sniff(head: bytes) -> str | None:
    """The format of a file from its first bytes: jpeg, png, gif, webp, heif, mp4, mov, webm — or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm" if b"webm" in head[:64] else None
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"):
            return "heif"
        if brand == b"qt  ":
            return "mov"
        if brand in MP4_BRANDS:
            return "mp4"
    return None


#: major brands of MP4 video as phones and cameras write it (ISO/IEC 14496-12/-14, 3GPP, Apple M4V, Sony XAVC)
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VP", b"mmp4",
              b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"dash", b"MSNV", b"XAVC"}
#: boxes that carry user data in an ISO-BMFF file: the location (``©xyz``, Apple's
#: ``com.apple.quicktime.location.ISO6709``), device make/model, software, dates
USER_DATA_BOXES = {b"udta", b"meta"}
VIDEO_TYPES = {"mp4": ("video/mp4", "mp4"), "mov": ("video/quicktime", "mov"), "webm": ("video/webm", "webm")}


def clean(data: bytes, *, max_bytes: int, max_pixels: int, ffmpeg: str | None = None) -> CleanFile:
    """One uploaded file → what is kept, or :class:`UploadRefused` saying why. ``ffmpeg``:
    the executable for videos' poster frames (None: videos are kept without one)."""
    if len(data) > max_bytes:
        raise UploadRefused(Words(N_("The file is %(size)s; at most %(limit)s per file is accepted. Send a smaller or "
                                  "shorter one."), size=megabytes(len(data)), limit=megabytes(max_bytes)),
                            status=413, code="too_large")
    if not data:
        raise UploadRefused(Words(N_("The file is empty. Choose the photo or video again.")), code="empty")
    kind = sniff(data[:64])
    if kind is None:
        raise UploadRefused(Words(N_("This file is not a photo or video we can take (JPEG, PNG, GIF, WebP, HEIC, MP4, "
                                  "MOV or WebM). Choose a photo or video from your camera.")), code="not_media")
    if kind in VIDEO_TYPES:
        return _clean_video(data, kind, max_pixels, ffmpeg)
    if kind == "heif" and not HEIF:
        raise UploadRefused(Words(N_("HEIC photos cannot be read here. Please send JPEG or PNG (on an iPhone: "
                                  "Settings → Camera → Formats → Most Compatible).")), code="heic")
    return _clean_image(data, kind, max_pixels)


def _damaged(why: object) -> UploadRefused:
    return UploadRefused(Words(N_("The video could not be read (%(why)s); it may be damaged or cut short. Record or "
                               "choose it again, or send it as MP4."), why=why), code="unreadable_video")


def _clean_video(data: bytes, kind: str, max_pixels: int, ffmpeg: str | None) -> CleanFile:
    """Metadata zeroed in place; with ffmpeg, a poster frame (whose decoding is also the check
    that the file is a video at all)."""
    content_type, ext = VIDEO_TYPES[kind]
    try:
        data, removed = videos.strip_webm(data) if kind == "webm" else strip_video_user_data(data)
    except videos.VideoUnreadable as exc:
        raise _damaged(exc) from None
    kept = CleanFile(data=data, kind="video", content_type=content_type, ext=ext, original_type=content_type,
                     removed=removed, not_done=videos.what_is_not_done(ffmpeg))
    if ffmpeg:
        try:
            frame = videos.poster_frame(data, kind, ffmpeg=ffmpeg)
        except videos.VideoUnreadable as exc:
            raise _damaged(exc) from None
        kept.poster = _clean_image(frame, "png", max_pixels)
        kept.width, kept.height = kept.poster.width, kept.poster.height
    return kept


def _boxes(data: bytes | bytearray, start: int, end: int):
    """(offset, size, type) of the ISO-BMFF boxes between start and end."""
    pos = start
    while pos + 8 <= end:
        size = int.from_bytes(data[pos:pos + 4], "big")
        box = bytes(data[pos + 4:pos + 8])
        if size == 1 and pos + 16 <= end:
            size = int.from_bytes(data[pos + 8:pos + 16], "big")
        elif size == 0:
            size = end - pos
        if size < 8 or pos + size > end:
            return
        yield pos, size, box
        pos += size


def strip_video_user_data(data: bytes) -> tuple[bytes, list[str]]:
    """MP4/MOV without its user data: every ``udta``/``meta`` box in ``moov`` and its
    tracks is zeroed and renamed ``free``, which players skip (ISO/IEC 14496-12 §8.1.2). Sizes do
    not change, so the sample offsets stay valid and the video plays as before."""
    out = bytearray(data)
    found = False
    for pos, size, box in _boxes(out, 0, len(out)):
        if box != b"moov":
            continue
        for cpos, csize, cbox in _boxes(out, pos + 8, pos + size):
            targets = [(cpos, csize, cbox)]
            if cbox == b"trak":
                targets = list(_boxes(out, cpos + 8, cpos + csize))
            for tpos, tsize, tbox in targets:
                if tbox in USER_DATA_BOXES:
                    out[tpos + 4:tpos + 8] = b"free"
                    out[tpos + 8:tpos + tsize] = bytes(tsize - 8)  # the coordinates must not stay readable
                    found = True
    return bytes(out), (["video metadata (location, device, dates)"] if found else [])


def _removed_tags(img: Image.Image) -> list[str]:
    exif = img.getexif()
    removed = []
    if exif.get_ifd(_IFD_GPS) or _IFD_GPS in exif:
        removed.append("GPS position")
    tags = dict(exif)
    tags.update(exif.get_ifd(_IFD_EXIF))
    for tag in tags:
        name = _TAG_NAMES.get(tag, "")
        if name in PERSONAL_TAGS:
            removed.append(name)
    if img.info.get("xmp") or img.info.get("XML:com.adobe.xmp"):
        removed.append("XMP metadata")
    if tags and not removed:
        removed.append("EXIF metadata")
    return sorted(set(removed), key=lambda n: (n != "GPS position", n))


def _clean_image(data: bytes, kind: str, max_pixels: int) -> CleanFile:
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's own guard; ours below also catches 1-2× the limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise Image.DecompressionBombError(f"{width}×{height}")
                removed = _removed_tags(img)
                original_type = Image.MIME.get(img.format or "", img.format or "")
                upright = ImageOps.exif_transpose(img)
                upright.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(Words(N_("The image is too large in pixels (at most %(n)s megapixels). Send the photo as "
                                  "the camera took it, or a smaller copy."), n=max_pixels // 1_000_000), status=413,
                            code="too_many_pixels") from None
    except UploadRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for a broken file
        raise UploadRefused(Words(N_("The photo could not be read (%(error)s); it may be damaged. Take or choose it "
                                  "again."), error=type(exc).__name__), code="unreadable") from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    out = io.BytesIO()
    if kind in ("png", "gif") and upright.mode in ("RGBA", "LA", "P", "PA"):
        upright.save(out, "PNG", optimize=True)  # keeps transparency; no text chunks are written
        content_type, ext = "image/png", "png"
    else:
        upright.convert("RGB").save(out, "JPEG", quality=88, optimize=True)  # no exif= → none written
        content_type, ext = "image/jpeg", "jpg"
    return CleanFile(data=out.getvalue(), kind="image", content_type=content_type, ext=ext,
                     width=upright.width, height=upright.height, removed=removed, original_type=original_type)
