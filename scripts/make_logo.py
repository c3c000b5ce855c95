"""Draw the 64x64 "All My SMS" component icon and write it to ``logo.png``.

The icon is a solid blue (#1565C0) rounded speech bubble with a small tail at
the bottom-left, carrying the white letters "SMS" in a hand-drawn 5x7 pixel
font, on a transparent background. The bubble edge is anti-aliased by
sampling a 4x4 subgrid inside every pixel.

Only the standard library is used (``zlib`` + ``struct`` write the PNG), and
the output is deterministic: re-running the script gives the same bytes.

Re-run from the repository root with::

    python scripts/make_logo.py
"""

from __future__ import annotations

import argparse
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

SIZE = 64
SUBSAMPLES = 4  # per axis, so 16 samples per pixel

Color = tuple[int, int, int]
Pixel = tuple[int, int, int, int]

BUBBLE: Color = (0x15, 0x65, 0xC0)
TEXT: Color = (0xFF, 0xFF, 0xFF)

# Speech bubble body: rounded rectangle (left, top, right, bottom, corner radius).
BODY = (3.0, 7.0, 61.0, 45.0, 11.0)
# Tail: triangle hanging off the bottom-left of the body.
TAIL = ((12.0, 40.0), (26.0, 40.0), (8.0, 57.0))

# 5x7 glyphs, one string per row, "#" = lit.
FONT: dict[str, tuple[str, ...]] = {
    "S": (
        ".####",
        "#....",
        "#....",
        ".###.",
        "....#",
        "....#",
        "####.",
    ),
    "M": (
        "#...#",
        "##.##",
        "#.#.#",
        "#.#.#",
        "#...#",
        "#...#",
        "#...#",
    ),
}
WORD = "SMS"
GLYPH_SCALE = 2  # each font pixel becomes a 2x2 block
GLYPH_GAP = 3  # pixels between letters


def in_rounded_rect(x: float, y: float, rect: tuple[float, float, float, float, float]) -> bool:
    """Return whether point (x, y) lies inside the rounded rectangle."""
    left, top, right, bottom, radius = rect
    if not (left <= x <= right and top <= y <= bottom):
        return False
    # Distance to the inner rectangle whose corners are the arc centres.
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def in_triangle(x: float, y: float, tri: tuple[tuple[float, float], ...]) -> bool:
    """Return whether point (x, y) lies inside the triangle (either winding)."""
    (ax, ay), (bx, by), (cx, cy) = tri
    d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by)
    d2 = (x - cx) * (by - cy) - (bx - cx) * (y - cy)
    d3 = (x - ax) * (cy - ay) - (cx - ax) * (y - ay)
    has_neg = d1 < 0 or d2 < 0 or d3 < 0
    has_pos = d1 > 0 or d2 > 0 or d3 > 0
    return not (has_neg and has_pos)


def text_mask() -> set[tuple[int, int]]:
    """Return the (x, y) pixels covered by WORD, centred in the bubble body."""
    glyph_w = 5 * GLYPH_SCALE
    glyph_h = 7 * GLYPH_SCALE
    total_w = len(WORD) * glyph_w + (len(WORD) - 1) * GLYPH_GAP
    left, top, right, bottom, _ = BODY
    x0 = round((left + right - total_w) / 2)
    y0 = round((top + bottom - glyph_h) / 2)
    lit: set[tuple[int, int]] = set()
    for index, char in enumerate(WORD):
        gx = x0 + index * (glyph_w + GLYPH_GAP)
        for row, line in enumerate(FONT[char]):
            for col, cell in enumerate(line):
                if cell != "#":
                    continue
                for dy in range(GLYPH_SCALE):
                    for dx in range(GLYPH_SCALE):
                        lit.add((gx + col * GLYPH_SCALE + dx, y0 + row * GLYPH_SCALE + dy))
    return lit


def render() -> list[list[Pixel]]:
    """Render the icon as rows of straight (non-premultiplied) RGBA pixels."""
    text = text_mask()
    samples = SUBSAMPLES * SUBSAMPLES
    offsets = [(i + 0.5) / SUBSAMPLES for i in range(SUBSAMPLES)]
    image: list[list[Pixel]] = []
    for py in range(SIZE):
        row: list[Pixel] = []
        for px in range(SIZE):
            hits = sum(
                1
                for oy in offsets
                for ox in offsets
                if in_rounded_rect(px + ox, py + oy, BODY) or in_triangle(px + ox, py + oy, TAIL)
            )
            if hits == 0:
                row.append((0, 0, 0, 0))
                continue
            # The text sits well inside the body, so its pixels are fully covered.
            r, g, b = TEXT if (px, py) in text else BUBBLE
            row.append((r, g, b, round(255 * hits / samples)))
        image.append(row)
    return image


def scale_nearest(image: Sequence[Sequence[Pixel]], factor: int) -> list[list[Pixel]]:
    """Return a nearest-neighbour enlargement of the image (for previewing)."""
    return [[pixel for pixel in row for _ in range(factor)] for row in image for _ in range(factor)]


def png_bytes(image: Sequence[Sequence[Pixel]]) -> bytes:
    """Encode RGBA rows as a PNG (8-bit, colour type 6, no filtering)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    height = len(image)
    width = len(image[0])
    raw = b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in image)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Write logo.png at the repository root (or a scaled preview elsewhere)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # Hidden preview options: e.g. --scale 4 --out /tmp/logo-preview.png
    parser.add_argument("--scale", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")

    image = render()
    if args.scale > 1:
        image = scale_nearest(image, args.scale)
    out: Path = args.out or Path(__file__).resolve().parent.parent / "logo.png"
    out.write_bytes(png_bytes(image))
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
