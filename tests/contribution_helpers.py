"""Camera-like files for the contributor tests, made with Pillow."""
from __future__ import annotations

import io

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
