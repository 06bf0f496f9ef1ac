"""A reliability diagram as a PNG, drawn with numpy and written with zlib (no plotting library).

Upper panel: the share of requests approved against the mean confidence, per tenth of the confidence scale (a
dot per bin, its area growing with the bin's rows), and the diagonal a calibrated model would follow. Lower
panel: how many requests fall in each tenth (log scale).
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from validators.confidence_evaluation import ReliabilityBin

# 5x7 glyphs, one string of 7 rows of 5 bits per character.
_FONT = {
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    ".": "00000 00000 00000 00000 00000 01100 01100", " ": "00000 00000 00000 00000 00000 00000 00000",
    "-": "00000 00000 00000 11111 00000 00000 00000", ":": "00000 01100 01100 00000 01100 01100 00000",
    "%": "11001 11010 00010 00100 01000 01011 10011", ",": "00000 00000 00000 00000 01100 00100 01000",
    "(": "00010 00100 01000 01000 01000 00100 00010", ")": "01000 00100 00010 00010 00010 00100 01000",
    "=": "00000 00000 11111 00000 11111 00000 00000",
    "A": "01110 10001 10001 11111 10001 10001 10001", "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110", "D": "11110 10001 10001 10001 10001 10001 11110",
    "E": "11111 10000 10000 11110 10000 10000 11111", "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111", "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110", "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001", "N": "10001 11001 10101 10011 10001 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110", "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101", "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110", "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110", "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010", "Y": "10001 10001 01010 00100 00100 00100 00100",
}
_WIDTH, _HEIGHT = 640, 640
_LEFT, _RIGHT, _TOP = 70, 610, 50
_PLOT_BOTTOM = 450
_HIST_TOP, _HIST_BOTTOM = 500, 600
_BLACK, _GREY, _LIGHT, _BLUE, _RED = (0, 0, 0), (150, 150, 150), (225, 225, 225), (40, 90, 200), (200, 50, 40)


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.pixels = np.full((height, width, 3), 255, dtype=np.uint8)

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour: tuple[int, int, int]) -> None:
        height, width = self.pixels.shape[:2]
        left, right = sorted((round(x0), round(x1)))
        top, bottom = sorted((round(y0), round(y1)))
        self.pixels[max(0, top) : min(height, bottom + 1), max(0, left) : min(width, right + 1)] = colour

    def line(self, x0: float, y0: float, x1: float, y1: float, colour: tuple[int, int, int], width: int = 1) -> None:
        steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for x, y in zip(np.linspace(x0, x1, steps), np.linspace(y0, y1, steps), strict=True):
            self.rect(x - width // 2, y - width // 2, x + (width - 1) // 2, y + (width - 1) // 2, colour)

    def disc(self, cx: float, cy: float, radius: float, colour: tuple[int, int, int]) -> None:
        height, width = self.pixels.shape[:2]
        ys, xs = np.ogrid[:height, :width]
        self.pixels[(xs - cx) ** 2 + (ys - cy) ** 2 <= radius**2] = colour

    def text(self, x: float, y: float, text: str, colour: tuple[int, int, int] = _BLACK, scale: int = 2) -> None:
        for position, char in enumerate(text.upper()):
            rows = _FONT.get(char, _FONT[" "]).split()
            for r, bits in enumerate(rows):
                for c, bit in enumerate(bits):
                    if bit == "1":
                        left = x + (position * 6 + c) * scale
                        self.rect(left, y + r * scale, left + scale - 1, y + r * scale + scale - 1, colour)

    def png(self) -> bytes:
        height, width = self.pixels.shape[:2]
        raw = b"".join(b"\x00" + self.pixels[row].tobytes() for row in range(height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(
            b"IEND", b"")


def _x(value: float) -> float:
    return _LEFT + value * (_RIGHT - _LEFT)


def _y(value: float) -> float:
    return _PLOT_BOTTOM - value * (_PLOT_BOTTOM - _TOP)


def reliability_png(bins: Sequence[ReliabilityBin], title: str) -> bytes:
    """The PNG bytes of a reliability diagram of these bins."""
    canvas = _Canvas(_WIDTH, _HEIGHT)
    canvas.text(_LEFT, 14, title)
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        canvas.line(_x(tick), _TOP, _x(tick), _PLOT_BOTTOM, _LIGHT)
        canvas.line(_LEFT, _y(tick), _RIGHT, _y(tick), _LIGHT)
        label = f"{tick:g}"
        canvas.text(_x(tick) - len(label) * 6, _PLOT_BOTTOM + 8, label)
        canvas.text(_LEFT - 12 - len(label) * 12, _y(tick) - 7, label)
    canvas.line(_x(0), _y(0), _x(1), _y(1), _GREY, 2)
    canvas.line(_LEFT, _TOP, _LEFT, _PLOT_BOTTOM, _BLACK, 2)
    canvas.line(_LEFT, _PLOT_BOTTOM, _RIGHT, _PLOT_BOTTOM, _BLACK, 2)
    filled = [b for b in bins if b.count]
    total = max(sum(b.count for b in filled), 1)
    previous: tuple[float, float] | None = None
    for b in filled:
        point = (_x(b.mean_confidence), _y(b.approved_share))
        if previous is not None:
            canvas.line(*previous, *point, _BLUE, 2)
        previous = point
    for b in filled:
        canvas.disc(_x(b.mean_confidence), _y(b.approved_share), 3 + 12 * math.sqrt(b.count / total), _BLUE)
    canvas.text(_LEFT + 8, _TOP + 8, "APPROVED SHARE VS CONFIDENCE", _BLUE)
    # Lower panel: rows per bin, log scale.
    top = max((math.log10(b.count + 1) for b in bins), default=1.0) or 1.0
    for b in bins:
        height = math.log10(b.count + 1) / top * (_HIST_BOTTOM - _HIST_TOP)
        canvas.rect(_x(b.low) + 2, _HIST_BOTTOM - height, _x(b.high) - 2, _HIST_BOTTOM, _RED)
    canvas.line(_LEFT, _HIST_BOTTOM, _RIGHT, _HIST_BOTTOM, _BLACK, 2)
    canvas.text(_LEFT, _HIST_BOTTOM + 10, "REQUESTS PER TENTH OF CONFIDENCE (LOG)", _RED)
    return canvas.png()


def write_reliability_png(path: Path, bins: Sequence[ReliabilityBin], title: str) -> None:
    path.write_bytes(reliability_png(bins, title))
