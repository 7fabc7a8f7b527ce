"""The scheme budget over time as server-rendered SVG, no JavaScript: small multiples, one step
line per part (available / reserved / payable / in transit / disbursed), each on its own scale,
over the days the scheme's money moved. (One stacked chart would show only ``available``: it is
most of the money until late in the year.)"""
from __future__ import annotations

from markupsafe import Markup, escape

from portal.formatting import yuan

PARTS = (("available", "可用", "#2e7d32"), ("reserved", "已预留", "#f9a825"), ("payable", "待支付", "#ef6c00"),
         ("in_transit", "支付中", "#1565c0"), ("disbursed", "已拨付", "#6d4c41"))


def budget_svg(history, *, width: int = 900, row: int = 56) -> Markup:
    if not history:
        return Markup('<p class="muted">该专项尚无资金变动。</p>')
    label_w, value_w, pad = 70, 150, 6
    plot_w = width - label_w - value_w
    height = row * len(PARTS) + 24
    n = len(history)
    xs = [label_w + (plot_w * i / (n - 1) if n > 1 else plot_w / 2) for i in range(n)]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="专项预算随时间变化（可用、已预留、待支付、支付中、已拨付）" font-size="13">']
    for r, (part, label, colour) in enumerate(PARTS):
        top = r * row + pad
        h = row - 2 * pad
        values = [getattr(b, part) for _, b in history]
        peak = max(max(values), 1)
        ys = [top + h - h * v / peak for v in values]
        out.append(f'<text x="0" y="{top + h / 2 + 5:.1f}" fill="#333">{label}</text>')
        out.append(f'<line x1="{label_w}" y1="{top + h}" x2="{label_w + plot_w}" y2="{top + h}" stroke="#ddd"/>')
        points = []
        for i, (x, y) in enumerate(zip(xs, ys)):
            if i:
                points.append(f"{x:.1f},{ys[i - 1]:.1f}")  # a step: the balance holds until the next day it moves
            points.append(f"{x:.1f},{y:.1f}")
        out.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (day, b), x, y in zip(history, xs, ys):
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}" data-part="{part}">'
                       f'<title>{escape(f"{day.month}月{day.day}日 {label} {yuan(getattr(b, part))}")}</title></circle>')
        out.append(f'<text x="{width}" y="{top + h / 2 + 5:.1f}" text-anchor="end" fill="{colour}">'
                   f'{escape(yuan(values[-1]))}</text>')
    base = row * len(PARTS) + 16
    step = max(1, n // 6)
    for i, (day, _) in enumerate(history):
        if i % step == 0 or i == n - 1:
            out.append(f'<text x="{xs[i]:.1f}" y="{base}" text-anchor="middle" fill="#666" font-size="12">'
                       f'{day.month}月{day.day}日</text>')
    out.append("</svg>")
    return Markup("".join(out))


def legend() -> Markup:
    return Markup("".join(f'<span><i style="background:{c}"></i>{label}</span>' for _, label, c in PARTS))
