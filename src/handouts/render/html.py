"""The handout markup as plain, accessible HTML: the body of an email (and of a web page).

Headings, paragraphs and lists in reading order; a dose chart and a schedule's calendar as
tables with header cells; the footer, letterhead and drawings left out (the PDF carries them).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape


def html_from_markup(markup: str) -> str:
    """The handout's markup as plain accessible HTML: headings, paragraphs and lists."""
    root = ET.fromstring(markup)
    out: list[str] = []

    def inline(el) -> str:
        parts = [escape(el.text or "")]
        for child in el:
            inner = inline(child)
            if child.tag == "b":
                parts.append(f"<strong>{inner}</strong>")
            elif child.tag == "en":
                parts.append(f'<span lang="en">[EN] {inner}</span>')
            elif child.tag == "br":
                parts.append("<br>")
            else:
                parts.append(inner)
            parts.append(escape(child.tail or ""))
        return "".join(parts).strip()

    def block(el, level: int) -> None:
        tag = el.tag
        if tag in ("footer", "letterhead"):
            return
        if tag == "title":
            out.append(f"<h1>{inline(el)}</h1>")
        elif tag in ("subtitle", "meta", "notice", "p"):  # (a drawing beside a p is not in the email)
            out.append(f"<p>{inline(el)}</p>")
        elif tag in ("section", "warning", "keypoints", "sources", "dose"):
            out.append(f"<h{level}>{escape(el.get('title', ''))}</h{level}>")
            items = [c for c in el if c.tag in ("li", "source")]
            if items:
                out.append("<ul>" + "".join(f"<li>{inline(c)}</li>" for c in items) + "</ul>")
            for child in el:
                if child.tag not in ("li", "source"):
                    block(child, level + 1)
        elif tag == "h2":
            out.append(f"<h{level}>{inline(el)}</h{level}>")
        elif tag == "ul":
            out.append("<ul>" + "".join(f"<li>{inline(li)}</li>" for li in el) + "</ul>")
        elif tag == "questions":
            out.append("<ol>" + "".join(f"<li>{inline(q)}</li>" for q in el) + "</ol>")
        elif tag in ("group", "qr"):  # (a QR code's words are kept; the code itself is a picture)
            for child in el:
                block(child, level)
        elif tag == "url":
            href = escape(el.get("href", ""))
            out.append(f'<p><a href="{href}">{href}</a></p>')
        elif tag == "steps":
            out.append("<ol>" + "".join(f"<li>{inline(step)}</li>" for step in el) + "</ol>")
        elif tag == "calendar":
            out.append(f"<h{level}>{escape(el.get('title', ''))}</h{level}>")
            for child in el.findall("p"):
                out.append(f"<p>{inline(child)}</p>")
            days = el.find("weekdays")
            head = "".join(f"<th scope=\"col\">{inline(d)}</th>" for d in (days if days is not None else []))
            rows = []
            for week in el.findall("week"):
                cells = "".join(
                    f"<td>{inline(d)} {'&#9744;' * int(d.get('doses', '0'))}</td>" if d.get("doses") else "<td></td>"
                    for d in week)
                rows.append(f"<tr><th scope=\"row\">{escape(week.get('label', ''))}</th>{cells}</tr>")
            out.append(f"<table><tr><td></td>{head}</tr>{''.join(rows)}</table>")
        elif tag == "chart":
            rows = [inline(r) for r in el.findall("row")]
            amount = el.find("amount")
            amount_text = inline(amount) if amount is not None else ""
            out.append("<table><tr><th>" + escape(el.get("time", "")) + "</th><th>" + escape(el.get("amount", ""))
                       + "</th></tr>" + "".join(f"<tr><td>{r}</td><td>{amount_text}</td></tr>" for r in rows)
                       + "</table>")

    for el in root:
        if el.tag in ("footer", "letterhead"):
            continue
        block(el, 2)
    return "\n".join(out)
