"""Small vector icons drawn by the project (no font glyphs, no images).

An icon always stands beside text that says the same thing; it is never the only way the
information is given.
"""

from __future__ import annotations

import functools
import itertools
import math

from reportlab.lib.colors import HexColor, black, white
from reportlab.platypus import Flowable

ICONS = ("stop", "phone", "emergency", "lock", "alert", "syringe", "breathing", "calendar",
         # the pictures of numbered steps (content.STEP_PICTURES)
         "shout", "spray", "rescue-breath", "side", "repeat", "stay", "tongue", "rinse")


#: an encoded QR code: (modules per side, dark runs as (row, first column, length))
QRRuns = tuple[int, tuple[tuple[int, int, int], ...]]


@functools.lru_cache(maxsize=64)
def qr_runs(value: str, level: str = "M") -> QRRuns:
    """The QR code of ``value``, encoded once per address (the same drug's link is on every
    handout). A localized handout carries its codes, so a cached one is not encoded again."""
    from reportlab.graphics.barcode import qrencoder  # (ReportLab's barcodes, 20 modules: not for a cached markup)

    qr = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    qr.addData(value)
    qr.make()
    runs = []
    for r, row in enumerate(qr.modules):
        c = 0
        for dark, group in itertools.groupby(bool(m) for m in row):
            n = len(list(group))
            if dark:
                runs.append((r, c, n))
            c += n
    return qr.getModuleCount(), tuple(runs)


class QRCode(Flowable):
    """A QR code drawn as one filled path (with the standard 4-module quiet zone)."""

    def __init__(self, value: str, size: float, level: str = "M", encoded: QRRuns | None = None):
        super().__init__()
        self.value, self.size, self.level, self.encoded = value, size, level, encoded

    def wrap(self, availWidth, availHeight):  # noqa: N802
        return self.size, self.size

    def draw(self):
        count, runs = self.encoded or qr_runs(self.value, self.level)
        border = 4
        box = self.size / (count + 2 * border)
        c = self.canv
        c.saveState()
        c.setFillColor(black)
        path = c.beginPath()
        for r, col, n in runs:
            path.rect((col + border) * box, self.size - (r + border + 1) * box, n * box, box)
        c.drawPath(path, fill=1, stroke=0)
        c.restoreState()


class Icon(Flowable):
    """A square icon of ``size`` points."""

    def __init__(self, kind: str, size: float, color: str):
        super().__init__()
        if kind not in ICONS:
            raise ValueError(kind)
        self.kind = kind
        self.size = size
        self.color = HexColor(color)

    def wrap(self, availWidth, availHeight):  # noqa: N802 (ReportLab API)
        return self.size, self.size

    def draw(self):
        c = self.canv
        s = self.size
        c.saveState()
        c.setFillColor(self.color)
        c.setStrokeColor(self.color)
        getattr(self, f"_draw_{self.kind.replace('-', '_')}")(c, s)
        c.restoreState()

    # each drawing uses the unit square scaled to s
    @staticmethod
    def _poly(c, points, s, fill=1, stroke=0):
        p = c.beginPath()
        p.moveTo(points[0][0] * s, points[0][1] * s)
        for x, y in points[1:]:
            p.lineTo(x * s, y * s)
        p.close()
        c.drawPath(p, fill=fill, stroke=stroke)

    def _draw_stop(self, c, s):
        # red octagon with a white bar: "do not"
        r = 0.5 / math.cos(math.pi / 8)
        pts = [
            (0.5 + r * math.cos(math.pi / 8 + k * math.pi / 4) * 0.98,
             0.5 + r * math.sin(math.pi / 8 + k * math.pi / 4) * 0.98)
            for k in range(8)
        ]
        self._poly(c, pts, s)
        c.setFillColor(white)
        c.rect(0.2 * s, 0.41 * s, 0.6 * s, 0.18 * s, fill=1, stroke=0)

    def _draw_phone(self, c, s):
        # a handset in a circle
        c.circle(0.5 * s, 0.5 * s, 0.5 * s, fill=1, stroke=0)
        c.setFillColor(white)
        c.setStrokeColor(white)
        c.setLineWidth(0.13 * s)
        c.setLineCap(1)
        p = c.beginPath()
        p.moveTo(0.32 * s, 0.74 * s)
        p.curveTo(0.2 * s, 0.6 * s, 0.38 * s, 0.36 * s, 0.68 * s, 0.26 * s)
        c.drawPath(p, fill=0, stroke=1)
        c.setLineWidth(0.17 * s)
        c.line(0.27 * s, 0.78 * s, 0.36 * s, 0.69 * s)
        c.line(0.64 * s, 0.3 * s, 0.73 * s, 0.21 * s)

    def _draw_emergency(self, c, s):
        # white cross on a red rounded square: emergency care
        c.roundRect(0, 0, s, s, 0.18 * s, fill=1, stroke=0)
        c.setFillColor(white)
        c.rect(0.4 * s, 0.16 * s, 0.2 * s, 0.68 * s, fill=1, stroke=0)
        c.rect(0.16 * s, 0.4 * s, 0.68 * s, 0.2 * s, fill=1, stroke=0)

    def _draw_lock(self, c, s):
        # a padlock: store safely, out of reach
        c.setLineWidth(0.1 * s)
        p = c.beginPath()
        p.moveTo(0.3 * s, 0.45 * s)
        p.lineTo(0.3 * s, 0.68 * s)
        p.arcTo(0.3 * s, 0.48 * s, 0.7 * s, 0.92 * s, startAng=180, extent=-180)
        p.lineTo(0.7 * s, 0.45 * s)
        c.drawPath(p, fill=0, stroke=1)
        c.roundRect(0.15 * s, 0.02 * s, 0.7 * s, 0.5 * s, 0.08 * s, fill=1, stroke=0)
        c.setFillColor(white)
        c.circle(0.5 * s, 0.3 * s, 0.08 * s, fill=1, stroke=0)
        c.rect(0.47 * s, 0.12 * s, 0.06 * s, 0.16 * s, fill=1, stroke=0)

    def _draw_alert(self, c, s):
        # a triangle with an exclamation mark
        self._poly(c, [(0.0, 0.05), (1.0, 0.05), (0.5, 0.95)], s)
        c.setFillColor(white)
        c.rect(0.45 * s, 0.38 * s, 0.1 * s, 0.33 * s, fill=1, stroke=0)
        c.circle(0.5 * s, 0.23 * s, 0.06 * s, fill=1, stroke=0)


    def _draw_syringe(self, c, s):
        # an oral dosing syringe, lying down: plunger, marked barrel, tip (no needle)
        c.setLineWidth(0.05 * s)
        c.setFillColor(white)
        c.rect(0.22 * s, 0.36 * s, 0.56 * s, 0.28 * s, fill=1, stroke=1)  # barrel
        c.setFillColor(self.color)
        c.rect(0.46 * s, 0.36 * s, 0.32 * s, 0.28 * s, fill=1, stroke=0)  # the liquid, measured
        for k in range(1, 6):  # the marks to read the dose on
            x = (0.22 + k * 0.56 / 6) * s
            c.line(x, 0.64 * s, x, 0.55 * s)
        c.rect(0.78 * s, 0.45 * s, 0.16 * s, 0.1 * s, fill=1, stroke=0)  # tip
        c.rect(0.04 * s, 0.47 * s, 0.18 * s, 0.06 * s, fill=1, stroke=0)  # plunger rod
        c.rect(0.02 * s, 0.34 * s, 0.05 * s, 0.32 * s, fill=1, stroke=0)  # thumb rest
        c.rect(0.19 * s, 0.3 * s, 0.05 * s, 0.4 * s, fill=1, stroke=0)  # finger flange

    def _draw_breathing(self, c, s):
        # lungs with a wind-pipe, and a warning triangle: "can slow or stop your breathing"
        c.setLineWidth(0.07 * s)
        c.line(0.5 * s, 0.95 * s, 0.5 * s, 0.55 * s)
        c.line(0.5 * s, 0.58 * s, 0.38 * s, 0.48 * s)
        c.line(0.5 * s, 0.58 * s, 0.62 * s, 0.48 * s)
        c.roundRect(0.05 * s, 0.08 * s, 0.36 * s, 0.66 * s, 0.17 * s, fill=1, stroke=0)
        c.roundRect(0.59 * s, 0.08 * s, 0.36 * s, 0.66 * s, 0.17 * s, fill=1, stroke=0)
        c.setFillColor(white)
        self._poly(c, [(0.3, 0.1), (0.7, 0.1), (0.5, 0.46)], s)
        c.setFillColor(self.color)
        self._poly(c, [(0.35, 0.13), (0.65, 0.13), (0.5, 0.4)], s)
        c.setFillColor(white)
        c.rect(0.485 * s, 0.22 * s, 0.03 * s, 0.11 * s, fill=1, stroke=0)
        c.rect(0.485 * s, 0.16 * s, 0.03 * s, 0.03 * s, fill=1, stroke=0)

    def _draw_calendar(self, c, s):
        # a calendar page with ticked boxes
        c.setLineWidth(0.06 * s)
        c.roundRect(0.05 * s, 0.04 * s, 0.9 * s, 0.8 * s, 0.08 * s, fill=0, stroke=1)
        c.rect(0.05 * s, 0.66 * s, 0.9 * s, 0.18 * s, fill=1, stroke=0)
        c.rect(0.25 * s, 0.78 * s, 0.08 * s, 0.18 * s, fill=1, stroke=0)
        c.rect(0.67 * s, 0.78 * s, 0.08 * s, 0.18 * s, fill=1, stroke=0)
        c.setLineWidth(0.04 * s)
        for row in range(2):
            for col in range(3):
                x, y = (0.15 + col * 0.26) * s, (0.38 - row * 0.26) * s
                c.rect(x, y, 0.18 * s, 0.18 * s, fill=0, stroke=1)
                if row == 0 or col == 0:  # the doses taken so far
                    p = c.beginPath()
                    p.moveTo(x + 0.03 * s, y + 0.09 * s)
                    p.lineTo(x + 0.08 * s, y + 0.03 * s)
                    p.lineTo(x + 0.16 * s, y + 0.16 * s)
                    c.drawPath(p, fill=0, stroke=1)


    # ---- the pictures of numbered steps: bold pictograms, one colour (white only for
    # cut-outs and to part overlapping shapes); people are a round head and thick rounded
    # strokes. Each stands beside the words of its step.

    def _line(self, c, s, points, width, halo=0.0):
        """A thick polyline with round ends and joins; ``halo`` first draws a white margin
        around it, so it stands apart from what lies behind it."""
        c.saveState()
        c.setLineCap(1)
        c.setLineJoin(1)
        for color, w in ((white, width + 2 * halo), (self.color, width)) if halo else ((self.color, width),):
            c.setStrokeColor(color)
            c.setLineWidth(w * s)
            p = c.beginPath()
            p.moveTo(points[0][0] * s, points[0][1] * s)
            for x, y in points[1:]:
                p.lineTo(x * s, y * s)
            c.drawPath(p, fill=0, stroke=1)
        c.restoreState()

    def _dot(self, c, s, x, y, r, halo=0.0):
        """A filled circle (a head, a fist), with an optional white margin."""
        c.saveState()
        if halo:
            c.setFillColor(white)
            c.circle(x * s, y * s, (r + halo) * s, fill=1, stroke=0)
        c.setFillColor(self.color)
        c.circle(x * s, y * s, r * s, fill=1, stroke=0)
        c.restoreState()

    def _arc(self, c, s, cx, cy, r, start, extent, width, head=0.0):
        """A thick arc (degrees, counter-clockwise from 3 o'clock); ``head`` > 0 ends it in an
        arrowhead of that length."""
        c.saveState()
        c.setLineCap(1 if not head else 0)
        c.setLineWidth(width * s)
        p = c.beginPath()
        p.arc((cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s, startAng=start, extent=extent)
        c.drawPath(p, fill=0, stroke=1)
        if head:
            a = math.radians(start + extent)
            d = 1 if extent > 0 else -1  # the direction of travel along the arc
            tx, ty = -math.sin(a) * d, math.cos(a) * d  # unit tangent
            nx, ny = math.cos(a), math.sin(a)  # unit normal (outwards)
            ex, ey = cx + r * nx, cy + r * ny
            self._poly(c, [(ex + tx * head, ey + ty * head),
                           (ex + nx * head * 0.75, ey + ny * head * 0.75),
                           (ex - nx * head * 0.75, ey - ny * head * 0.75)], s)
        c.restoreState()

    def _lying(self, c, s, x, y, halo=0.0):
        """A person lying on their back, head at ``x`` (left), the body along ``y``."""
        self._line(c, s, [(x + 0.14, y), (x + 0.46, y)], 0.15, halo)  # body
        self._line(c, s, [(x + 0.46, y - 0.005), (x + 0.8, y - 0.02)], 0.1, halo)  # legs
        self._dot(c, s, x, y + 0.01, 0.095, halo)

    def _spray_device(self, c, s, x, y, h, angle=0.0, halo=0.0):
        """A nasal spray, nozzle up, its tip at (x, y), ``h`` tall, turned by ``angle`` degrees:
        the nozzle, the two finger rests, and the plunger below them."""
        c.saveState()
        c.translate(x * s, y * s)
        c.rotate(angle)
        u = h * s
        parts = ((-0.11, -0.5, 0.22, 0.5, 0.1),  # nozzle: left, bottom, width, height, corner
                 (-0.4, -0.6, 0.8, 0.12, 0.06),  # the finger rests
                 (-0.19, -1.0, 0.38, 0.44, 0.07))  # the plunger
        for color, m in ((white, halo * s), (self.color, 0.0)) if halo else ((self.color, 0.0),):
            c.setFillColor(color)
            for x0, y0, w, ht, r in parts:
                c.roundRect(x0 * u - m, y0 * u - m, w * u + 2 * m, ht * u + 2 * m, r * u + m,
                            fill=1, stroke=0)
        c.setStrokeColor(white)  # the plunger's top edge, where the thumb pushes
        c.setLineWidth(0.05 * u)
        c.line(-0.19 * u, -0.66 * u, 0.19 * u, -0.66 * u)
        c.restoreState()

    def _draw_shout(self, c, s):
        # someone kneels over a person lying down, calls out to them (the sound goes to their
        # head) and rubs the middle of their chest with the knuckles
        self._line(c, s, [(0.74, 0.34), (0.66, 0.2)], 0.1)  # the helper's thigh, behind
        self._line(c, s, [(0.56, 0.62), (0.74, 0.34)], 0.13)  # body, bent forward
        self._line(c, s, [(0.55, 0.58), (0.45, 0.41), (0.37, 0.23)], 0.075)  # arm down to the chest
        self._dot(c, s, 0.5, 0.76, 0.1)
        self._lying(c, s, 0.1, 0.13, halo=0.03)
        self._dot(c, s, 0.36, 0.22, 0.06, halo=0.025)  # the fist, on the breastbone
        for r in (0.16, 0.27):  # the shout
            self._arc(c, s, 0.46, 0.72, r, 188, 64, 0.06)

    def _draw_spray(self, c, s):
        # a face in profile, the nasal spray's nozzle in one nostril
        c.circle(0.66 * s, 0.66 * s, 0.3 * s, fill=1, stroke=0)  # the head
        self._poly(c, [(0.66, 0.96), (0.46, 0.92), (0.42, 0.8), (0.41, 0.7), (0.28, 0.55), (0.3, 0.52),
                       (0.4, 0.5), (0.4, 0.45), (0.44, 0.42), (0.41, 0.38), (0.43, 0.3), (0.52, 0.26),
                       (0.56, 0.02), (0.86, 0.02), (0.86, 0.5), (0.9, 0.6)], s)  # face and neck
        self._spray_device(c, s, 0.33, 0.54, 0.5, angle=12, halo=0.035)

    def _draw_rescue_breath(self, c, s):
        # someone bends low over a person lying down and breathes into their mouth
        c.translate(0, 0.1 * s)  # (the picture is wide and low: centred in the square)
        self._line(c, s, [(0.76, 0.64), (0.7, 0.22)], 0.1)  # the helper's thigh, behind
        self._line(c, s, [(0.42, 0.54), (0.76, 0.64)], 0.13)  # body, bent low
        self._line(c, s, [(0.46, 0.52), (0.36, 0.3)], 0.075)  # arm
        self._dot(c, s, 0.27, 0.55, 0.1)
        self._lying(c, s, 0.16, 0.16, halo=0.03)
        self._line(c, s, [(0.2, 0.44), (0.18, 0.36)], 0.05)  # the breath, into their mouth
        self._poly(c, [(0.11, 0.38), (0.25, 0.36), (0.165, 0.27)], s)

    def _draw_side(self, c, s):
        # the recovery position: on the side, head on the hand, top knee bent; an arrow: turn them
        self._line(c, s, [(0.02, 0.1), (0.98, 0.1)], 0.04)  # the floor
        self._line(c, s, [(0.3, 0.3), (0.6, 0.3)], 0.15)  # body
        self._line(c, s, [(0.6, 0.28), (0.96, 0.24)], 0.1)  # the bottom leg, straight
        self._line(c, s, [(0.62, 0.32), (0.74, 0.46), (0.9, 0.32)], 0.1, halo=0.025)  # top knee, bent
        self._line(c, s, [(0.34, 0.28), (0.24, 0.18), (0.14, 0.2)], 0.075, halo=0.02)  # hand under cheek
        self._dot(c, s, 0.16, 0.34, 0.1, halo=0.02)
        self._arc(c, s, 0.46, 0.42, 0.3, 150, -95, 0.055, head=0.1)

    def _draw_repeat(self, c, s):
        # a circling arrow around a nasal spray: give a second dose
        self._arc(c, s, 0.5, 0.5, 0.4, 105, 300, 0.09, head=0.16)
        self._spray_device(c, s, 0.5, 0.72, 0.44)

    def _hourglass(self, c, s, x, y, w, h):
        """An hourglass, bottom left corner at (x, y), ``w`` wide and ``h`` tall."""
        def at(u, v):
            return x + u * w, y + v * h

        self._line(c, s, [at(0, 1), at(1, 1)], 0.05)
        self._line(c, s, [at(0, 0), at(1, 0)], 0.05)
        c.saveState()
        c.setLineWidth(0.035 * s)
        c.setLineJoin(1)
        self._poly(c, [at(0.1, 1), at(0.9, 1), at(0.56, 0.5), at(0.9, 0), at(0.1, 0), at(0.44, 0.5)],
                   s, fill=0, stroke=1)
        c.restoreState()
        self._poly(c, [at(0.22, 0.82), at(0.78, 0.82), at(0.5, 0.5)], s)  # the sand, running
        self._poly(c, [at(0.15, 0.04), at(0.85, 0.04), at(0.5, 0.3)], s)

    def _draw_stay(self, c, s):
        # someone kneels beside a person lying down, a hand on them, and waits (an hourglass)
        self._line(c, s, [(0.02, 0.06), (0.98, 0.06)], 0.04)  # the floor
        self._line(c, s, [(0.15, 0.2), (0.4, 0.2)], 0.14)  # the person, lying
        self._line(c, s, [(0.4, 0.2), (0.56, 0.18)], 0.1)
        self._dot(c, s, 0.1, 0.3, 0.085)
        self._line(c, s, [(0.8, 0.36), (0.66, 0.14), (0.92, 0.14)], 0.1, halo=0.02)  # the helper, kneeling
        self._line(c, s, [(0.8, 0.36), (0.78, 0.6)], 0.13)
        self._line(c, s, [(0.76, 0.56), (0.56, 0.44), (0.36, 0.3)], 0.075, halo=0.02)  # a hand on them
        self._dot(c, s, 0.78, 0.76, 0.1)
        self._hourglass(c, s, 0.12, 0.56, 0.28, 0.38)

    def _draw_tongue(self, c, s):
        # an open mouth: lips, the top teeth, the tongue lifted, and the film under it
        p = c.beginPath()  # the lips
        p.moveTo(0.02 * s, 0.55 * s)
        p.curveTo(0.1 * s, 0.85 * s, 0.35 * s, 0.92 * s, 0.5 * s, 0.84 * s)
        p.curveTo(0.65 * s, 0.92 * s, 0.9 * s, 0.85 * s, 0.98 * s, 0.55 * s)
        p.curveTo(0.9 * s, 0.08 * s, 0.1 * s, 0.08 * s, 0.02 * s, 0.55 * s)
        p.close()
        c.drawPath(p, fill=1, stroke=0)
        c.setFillColor(white)
        c.ellipse(0.12 * s, 0.22 * s, 0.88 * s, 0.76 * s, fill=1, stroke=0)  # the mouth, open
        c.setFillColor(self.color)
        for k in range(4):
            c.roundRect((0.27 + k * 0.12) * s, 0.66 * s, 0.1 * s, 0.14 * s, 0.03 * s, fill=1, stroke=0)
        q = c.beginPath()  # the tongue, its tip up behind the teeth
        q.moveTo(0.14 * s, 0.47 * s)
        q.curveTo(0.18 * s, 0.74 * s, 0.82 * s, 0.74 * s, 0.86 * s, 0.47 * s)
        q.curveTo(0.7 * s, 0.55 * s, 0.3 * s, 0.55 * s, 0.14 * s, 0.47 * s)
        q.close()
        c.drawPath(q, fill=1, stroke=0)
        c.roundRect(0.33 * s, 0.3 * s, 0.34 * s, 0.11 * s, 0.02 * s, fill=1, stroke=0)  # the film

    def _draw_rinse(self, c, s):
        # a glass of water
        c.setLineWidth(0.07 * s)
        c.setLineJoin(1)
        self._poly(c, [(0.2, 0.92), (0.8, 0.92), (0.7, 0.05), (0.3, 0.05)], s, fill=0, stroke=1)
        p = c.beginPath()  # the water, its surface a wave
        p.moveTo(0.25 * s, 0.56 * s)
        p.curveTo(0.38 * s, 0.64 * s, 0.45 * s, 0.48 * s, 0.5 * s, 0.56 * s)
        p.curveTo(0.58 * s, 0.64 * s, 0.65 * s, 0.48 * s, 0.75 * s, 0.56 * s)
        p.lineTo(0.7 * s, 0.05 * s)
        p.lineTo(0.3 * s, 0.05 * s)
        p.close()
        c.drawPath(p, fill=1, stroke=0)


class StepMark(Flowable):
    """A step's number in a filled circle: beside each step of a schedule, and in the
    calendar on the day that step starts (digits only: no shaping needed)."""

    def __init__(self, text: str, size: float, color: str, font: str):
        super().__init__()
        self.text, self.size, self.color, self.font = text, size, HexColor(color), font

    def wrap(self, availWidth, availHeight):  # noqa: N802
        return self.size, self.size

    def draw(self):
        c, s = self.canv, self.size
        c.saveState()
        c.setFillColor(self.color)
        c.circle(s / 2, s / 2, s / 2, fill=1, stroke=0)
        c.setFillColor(white)
        c.setFont(self.font, s * 0.62)
        c.drawCentredString(s / 2, s * 0.29, self.text)
        c.restoreState()


class DoseBoxes(Flowable):
    """One empty box per dose of a day, to tick; rows of boxes as the cell's width allows."""

    def __init__(self, count: int, size: float, color: str, rtl: bool = False):
        super().__init__()
        self.count, self.size, self.color, self.rtl = count, size, HexColor(color), rtl

    def wrap(self, availWidth, availHeight):  # noqa: N802
        step = self.size * 1.3
        self.per_row = max(1, min(self.count, int((availWidth + self.size * 0.3) // step)))
        rows = -(-self.count // self.per_row)
        self.width = availWidth
        self.height = rows * step - self.size * 0.3
        return self.width, self.height

    def draw(self):
        c, s = self.canv, self.size
        step = s * 1.3
        c.saveState()
        c.setStrokeColor(self.color)
        c.setLineWidth(max(0.8, s * 0.09))
        for i in range(self.count):
            row, col = divmod(i, self.per_row)
            x = col * step if not self.rtl else self.width - s - col * step
            y = self.height - s - row * step
            c.rect(x, y, s, s, fill=0, stroke=1)
        c.restoreState()


class DoseMarks(Flowable):
    """A picture per dose unit in the dose chart: tablets, capsules, packets, or a measuring cup.

    ``count`` whole pictures, the last one drawn as a half when ``half``. The amount is always
    printed as text beside it.
    """

    def __init__(self, form: str, count: int, half: bool, size: float, color: str, rtl: bool = False):
        super().__init__()
        self.form, self.count, self.half, self.size = form, max(1, count), half, size
        self.color = HexColor(color)
        self.rtl = rtl

    def wrap(self, availWidth, availHeight):  # noqa: N802
        self.width = self.count * self.size * 1.25
        return self.width, self.size

    def draw(self):
        c = self.canv
        s = self.size
        c.saveState()
        c.setFillColor(self.color)
        c.setStrokeColor(self.color)
        c.setLineWidth(max(0.8, s * 0.07))
        for i in range(self.count):
            x = i * s * 1.25
            if self.rtl:
                x = self.width - s - x
            half = self.half and i == self.count - 1
            getattr(self, f"_{self.form}")(c, x, s, half)
        c.restoreState()

    @staticmethod
    def _tablet(c, x, s, half):
        c.circle(x + s / 2, s / 2, s * 0.46, fill=0, stroke=1)
        if half:
            p = c.beginPath()
            p.moveTo(x + s / 2, s * 0.04)
            p.arcTo(x + s * 0.04, s * 0.04, x + s * 0.96, s * 0.96, startAng=-90, extent=-180)
            p.close()
            c.drawPath(p, fill=1, stroke=0)
        else:
            c.circle(x + s / 2, s / 2, s * 0.46, fill=1, stroke=0)

    @staticmethod
    def _capsule(c, x, s, half):
        c.roundRect(x + s * 0.02, s * 0.25, s * 0.96, s * 0.5, s * 0.25, fill=0, stroke=1)
        c.roundRect(x + s * 0.02, s * 0.25, s * (0.48 if half else 0.96), s * 0.5, s * 0.25, fill=1, stroke=0)

    @staticmethod
    def _packet(c, x, s, half):
        c.rect(x + s * 0.1, s * 0.05, s * 0.8, s * 0.9, fill=0, stroke=1)
        c.rect(x + s * 0.1, s * 0.05, s * 0.8, s * (0.45 if half else 0.9), fill=1, stroke=0)

    @staticmethod
    def _ml(c, x, s, half):
        # a measuring cup, filled
        p = c.beginPath()
        p.moveTo(x + s * 0.12, s * 0.95)
        p.lineTo(x + s * 0.25, s * 0.03)
        p.lineTo(x + s * 0.75, s * 0.03)
        p.lineTo(x + s * 0.88, s * 0.95)
        c.drawPath(p, fill=0, stroke=1)
        q = c.beginPath()
        q.moveTo(x + s * 0.2, s * 0.55)
        q.lineTo(x + s * 0.25, s * 0.03)
        q.lineTo(x + s * 0.75, s * 0.03)
        q.lineTo(x + s * 0.8, s * 0.55)
        q.close()
        c.drawPath(q, fill=1, stroke=0)
