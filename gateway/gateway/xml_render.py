"""Message transformation: the same resource as XML for a client that prefers it.

A request whose ``Accept`` header ranks ``application/xml`` above JSON (or as
high, but named more specifically) gets every JSON answer rendered as XML,
problems included (``application/problem+xml``, the RFC 9457 root element).
Object keys become element names (a key that is no XML name becomes
``<entry key="...">``), lists become repeated ``<item>`` elements, ``null`` an
empty element with ``nil="true"``. Requests that do not ask for XML pass
through untouched.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

XML_FOR_JSON = {b"application/json": b"application/xml",
                b"application/problem+json": b"application/problem+xml"}
PROBLEM_NAMESPACE = "urn:ietf:rfc:7807"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render_xml(data: Any, *, problem: bool = False) -> bytes:
    """``data`` (decoded JSON) as an XML document."""
    root = ET.Element("problem" if problem else "response")
    if problem:
        root.set("xmlns", PROBLEM_NAMESPACE)
    _fill(root, data)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(_child(element, str(key)), child)
    elif isinstance(value, list):
        for child in value:
            _fill(ET.SubElement(element, "item"), child)
    elif value is None:
        element.set("nil", "true")
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("\ufffd", str(value))


def _child(parent: ET.Element, key: str) -> ET.Element:
    if _NAME.fullmatch(key) and not key.lower().startswith("xml"):
        return ET.SubElement(parent, key)
    return ET.SubElement(parent, "entry", key=_NOT_XML.sub("\ufffd", key))


def _quality(ranges: list[tuple[str, float]], media_type: str) -> tuple[float, int]:
    """The q of the most specific range matching ``media_type``, and that specificity."""
    kind = media_type.split("/")[0]
    best = (0.0, -1)
    for media_range, q in ranges:
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(media_range, -1)
        if specificity > best[1]:
            best = (q, specificity)
    return best


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media_range, *params = (piece.strip() for piece in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media_range.lower(), q))
    return ranges


@lru_cache(maxsize=256)
def prefers_xml(accept: str) -> bool:
    """Whether ``application/xml`` is acceptable and JSON is not preferred to it."""
    ranges = _ranges(accept)
    xml_q, xml_specificity = _quality(ranges, "application/xml")
    json_q, json_specificity = _quality(ranges, "application/json")
    if xml_q <= 0:
        return False
    return xml_q > json_q or (xml_q == json_q and xml_specificity > json_specificity)


def _wants_xml(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept":
            return b"xml" in value and prefers_xml(value.decode("latin-1"))
    return False


def _transformed(start: Message, body: bytes) -> tuple[Message, bytes] | None:
    """The start message and body rendered as XML, or None when it is not JSON."""
    headers = start.get("headers", [])
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    xml_type = XML_FOR_JSON.get(content_type.split(b";")[0].strip().lower())
    if xml_type is None or not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    rendered = render_xml(data, problem=xml_type == b"application/problem+xml")
    kept = [(k, v) for k, v in headers if k.lower() not in (b"content-type", b"content-length")]
    kept += [(b"content-type", xml_type), (b"content-length", str(len(rendered)).encode()),
             (b"vary", b"Accept")]
    return {**start, "headers": kept}, rendered


class XmlMiddleware:
    """Pure ASGI: buffers a JSON answer and renders it as XML when the client asks for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _wants_xml(scope):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await _flush(send, start, b"".join(chunks))
            else:
                await send(message)

        await self.app(scope, receive, buffered)


async def _flush(send: Send, start: Message, body: bytes) -> None:
    transformed = _transformed(start, body)
    if transformed is not None:
        start, body = transformed
    await send(start)
    await send({"type": "http.response.body", "body": body})
