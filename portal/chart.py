"""The scheme budget over time as a server-rendered SVG: one stacked bar per day the money moved
(available / reserved / payable / in transit / disbursed), no JavaScript."""
from __future__ import annotations

from markupsafe import Markup, escape

from portal.formatting import yuan

PARTS = (("available", "可用", "#4caf50"), ("reserved", "已预留", "#ffb300"), ("payable", "待支付", "#fb8c00"),
         ("in_transit", "支付中", "#1e88e5"), ("disbursed", "已拨付", "#6d4c41"))


def budget_svg(history, *, width: int = 900, height: int = 300) -> Markup:
    if not history:
        return Markup('<p class="muted">该专项尚无资金变动。</p>')
    left, bottom, top = 10, 40, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    top_value = max(max(sum(getattr(b, p) for p, _, _ in PARTS) for _, b in history), 1)
    slot = plot_w / len(history)
    bar = max(min(slot * 0.7, 60), 2)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="专项预算随时间变化">']
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>')
    step = max(1, len(history) // 8)
    for i, (day, b) in enumerate(history):
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h
        tip = "；".join(f"{label} {yuan(getattr(b, p))}" for p, label, _ in PARTS)
        for part, label, colour in PARTS:
            value = getattr(b, part)
            if value <= 0:
                continue
            h = plot_h * value / top_value
            y -= h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                       f'<title>{escape(f"{day.isoformat()} {tip}")}</title></rect>')
        if i % step == 0 or i == len(history) - 1:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 18}" font-size="12" text-anchor="middle" '
                       f'fill="#333">{day.month}月{day.day}日</text>')
    out.append("</svg>")
    return Markup("".join(out))


def legend() -> Markup:
    return Markup("".join(f'<span><i style="background:{c}"></i>{label}</span>' for _, label, c in PARTS))
