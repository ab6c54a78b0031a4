"""XML parts of the files reportgen reads, parsed one safe way: no entities, no network,
no DTD (Office and Hangul never write one; entity attacks need one), no huge text nodes,
and, for a part parsed whole, at most :data:`MAX_XML_TAGS` tags.

:func:`parse_xml` raises :class:`TooManyTags` or :class:`DoctypeError` (both ValueErrors) or
lxml's ``XMLSyntaxError``; each reader words them for its format.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

#: lxml options for every XML part read from a file: no entities, no network, no DTD, no huge text nodes
_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}
#: XML tags (``<``) one part parsed whole may hold (a card's part has some thousands, a parsed element
#: costs some 100 bytes); the workbook reader counts the same budget per row and per shared string
MAX_XML_TAGS = 1_000_000


class TooManyTags(ValueError):
    """More than :data:`MAX_XML_TAGS` tags where lxml would keep them all: no program writes that."""


class DoctypeError(ValueError):
    """A part declares a DTD: Office and Hangul files never do, and entity attacks (XXE, billion laughs) need one."""


def _refuse_doctype(root: etree._Element | None) -> None:
    """Raise :class:`DoctypeError` when the document of ``root`` declares a DTD."""
    if root is not None and root.getroottree().docinfo.doctype:
        raise DoctypeError(root.getroottree().docinfo.doctype)


def stream_xml(source: object, tag: str | tuple[str, ...] | None = None) -> Iterator[etree._Element]:
    """The elements of a part (those named ``tag``, else all) as lxml ends them, parsed as by
    :func:`parse_xml`; :class:`DoctypeError` once the part is read. ``source`` has ``read(size)``."""
    context = etree.iterparse(source, events=("end",), tag=tag, **_PARSER_OPTIONS)
    for _event, element in context:
        yield element
    _refuse_doctype(context.root)


def parse_xml(data: bytes) -> etree._Element:
    """A part parsed whole: :class:`TooManyTags` before parsing, ``etree.XMLSyntaxError``, :class:`DoctypeError`."""
    tags = data.count(b"<")
    if tags > MAX_XML_TAGS:
        raise TooManyTags(tags)
    root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    _refuse_doctype(root)
    return root
