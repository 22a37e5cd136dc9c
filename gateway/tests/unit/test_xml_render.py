"""The JSON to XML renderer and the Accept negotiation."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from gateway.xml_render import prefers_xml, render_xml


def test_objects_become_elements_and_lists_repeated_items() -> None:
    root = ET.fromstring(render_xml({"items": [{"sku": "A"}, {"sku": "B"}], "total": 2}))

    assert root.tag == "response"
    assert [item.findtext("sku") for item in root.find("items").findall("item")] == ["A", "B"]
    assert root.findtext("total") == "2"


def test_text_is_escaped_and_survives_the_round_trip() -> None:
    nasty = 'a < b & c > "d" \'e\' ]]> <!-- x --> ünï'

    root = ET.fromstring(render_xml({"name": nasty}))

    assert root.findtext("name") == nasty


def test_scalars_render_as_json_would_name_them() -> None:
    root = ET.fromstring(render_xml({"yes": True, "no": False, "none": None, "zero": 0,
                                     "ratio": 1.5, "empty": ""}))

    assert [root.findtext(k) for k in ("yes", "no", "zero", "ratio", "empty")] == [
        "true", "false", "0", "1.5", ""]
    assert root.find("none").get("nil") == "true"
    assert root.find("empty").get("nil") is None


@pytest.mark.parametrize("key", ["1st", "with space", "a:b", "xmlish", "<tag>", "", "ключ"])
def test_a_key_that_is_no_xml_name_becomes_an_entry_with_its_key(key: str) -> None:
    root = ET.fromstring(render_xml({"attributes": {key: "v"}}))

    entry = root.find("attributes/entry")
    assert entry.get("key") == key and entry.text == "v"


def test_characters_xml_cannot_carry_are_replaced_not_emitted() -> None:
    root = ET.fromstring(render_xml({"text": "bell\x07 null\x00 ok"}))

    assert root.findtext("text") == "bell\ufffd null\ufffd ok"


def test_a_problem_has_the_rfc_9457_root_element() -> None:
    document = render_xml({"type": "/problems/not-found", "status": 404,
                           "errors": [{"field": "a", "message": "b"}]}, problem=True)

    root = ET.fromstring(document)
    assert root.tag == "{urn:ietf:rfc:7807}problem"
    assert root.findtext("{urn:ietf:rfc:7807}status") == "404"
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")


@pytest.mark.parametrize(("accept", "expected"), [
    ("application/xml", True),
    ("application/json;q=0.5, application/xml", True),
    ("application/xml, */*;q=0.1", True),
    ("application/xml, */*", True),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
    ("application/json", False),
    ("application/json, application/xml", False),
    ("application/xml;q=0.5, application/json", False),
    ("application/xml;q=0", False),
    ("*/*", False),
    ("text/xml", False),
    ("application/xml;q=abc", False),
])
def test_xml_only_when_it_is_acceptable_and_json_is_not_preferred(accept: str,
                                                                   expected: bool) -> None:
    assert prefers_xml(accept) is expected
