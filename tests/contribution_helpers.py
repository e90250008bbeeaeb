"""Camera-like files for the contributor tests, made with Pillow."""
from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import tempfile

from PIL import ExifTags, Image

ORIENTATION = 0x0112


def camera_jpeg(width: int = 64, height: int = 32, orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: sideways pixels plus an orientation tag (6 = turn
    90° clockwise to view), a GPS position, the camera's make, model and serial
    number, the owner's name and the capture time. The left half is red and the
    right half blue, so the orientation can be checked from the pixels."""
    img = Image.new("RGB", (width, height), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "Fairphone"  # Make
    exif[0x0110] = "FP5"  # Model
    exif[0x013B] = "Erika Mustermann"  # Artist
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 36.0)})
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub.update({0x9003: "2026:11:30 09:15:00", 0xA431: "SN-123456"})  # DateTimeOriginal, BodySerialNumber
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def exif_of(data: bytes) -> tuple[Image.Exif, tuple[int, int], Image.Image]:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img.getexif(), img.size, img


def bomb_png(side: int = 12_000) -> bytes:
    """A tiny PNG that decodes to side² pixels (a decompression bomb)."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


#: the start of an ELF executable (what /bin/ls begins with), to be "renamed" photo.jpg
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200


#: what a phone writes into a video's metadata: where it was filmed and a title
VIDEO_TAGS = {"title": "Secret test title", "location": "+52.5200+013.4050/"}
VIDEO_CODECS = {"mp4": ["-c:v", "libx264", "-pix_fmt", "yuv420p"], "mov": ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
                "webm": ["-c:v", "libvpx", "-b:v", "200k"]}


@functools.cache
def real_video(container: str = "mp4", width: int = 320, height: int = 240) -> bytes:
    """A real, playable half-second video made by Debian's ffmpeg (a test pattern), with
    the title and location tags a phone would write (``VIDEO_TAGS``)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, f"clip.{container}")
        tags = [arg for key, value in VIDEO_TAGS.items() for arg in ("-metadata", f"{key}={value}")]
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                        f"testsrc=size={width}x{height}:rate=10:duration=0.5", *tags, *VIDEO_CODECS[container],
                        *(["-movflags", "use_metadata_tags"] if container != "webm" else []), out],
                       check=True, timeout=60)
        with open(out, "rb") as fh:
            return fh.read()


def video_tags(data: bytes, container: str) -> dict:
    """The container's and streams' tags as ffprobe reads them."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"clip.{container}")
        with open(path, "wb") as fh:
            fh.write(data)
        done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json",
                               path], capture_output=True, check=True, timeout=60)
    probe = json.loads(done.stdout)
    tags = dict(probe.get("format", {}).get("tags", {}))
    for stream in probe.get("streams", []):
        tags.update(stream.get("tags", {}))
    return tags
