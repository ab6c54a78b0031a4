"""The public site (공약 이행 현황): a static folder an office uploads to its website.

Every page is a :class:`reportgen.document.Document` that the HTML writer prints, so the whole
site has one look (``templates/page.html.j2``, restyled by ``templates/page.css``): ``index.html``
holds the 총괄표 (the tables and charts of :func:`reportgen.summary.summary_blocks`) and the list of
pledges, a heading and a table of links per 분야; ``area-N.html`` and ``status-N.html`` list the
pledges of one 분야 / one 추진상황 (filtering without JavaScript); ``cards/관리번호.html`` is each
card. The menu leading to these pages is the documents' ``nav`` (a card page's: the way back to the
index). No script, no external asset. ``hide_contacts`` clears 담당자 names and phone numbers from
the cards before anything is printed. This module decides what the pages hold and where the files go.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from reportgen.batch import as_of_view
from reportgen.document import (
    STYLE_LIST,
    Block,
    Document,
    Heading,
    Paragraph,
    Row,
    Section,
    Table,
    Title,
    cell,
)
from reportgen.documents import card_document
from reportgen.errors import InputError, Problem
from reportgen.fileio import inside, safe_filename, write_bytes_atomic
from reportgen.formats import WRITERS
from reportgen.model import Card, Workbook, label_key, status_text
from reportgen.rates import check_target
from reportgen.resources import WriterOptions
from reportgen.summary import L_AS_OF, L_UNSET, summarize, summary_blocks

INDEX = "index.html"
CARDS = "cards"
TITLE = "공약 이행 현황"
#: a card page's way back to the index
BACK = "← 공약 이행 현황 목록으로"
#: what the list pages are grouped by
BY_AREA, BY_STATUS = "분야", "추진상황"
HINT = "분야나 추진상황만 보려면 위 메뉴에서 고르세요. 사업명을 누르면 공약 관리카드가 열립니다."
#: the pledge list's columns (분야 only where the list is not of one 분야) and their widths (‰)
LIST_COLUMNS = (("관리번호", 70), ("사업명", 330), ("추진상황(추진율)", 130), ("목표 달성", 90),
                (BY_AREA, 160), ("추진부서", 170))


@dataclass(frozen=True)
class Entry:
    """A pledge in a list: the card (as printed), its page and its 목표 달성."""

    card: Card
    href: str  # relative to the site folder: cards/3-1.html
    outcome: str


@dataclass(frozen=True)
class Group:
    """The pledges of one 분야 or one 추진상황 and the page listing them."""

    label: str
    file: str  # area-1.html
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Site:
    """Everything the site shows."""

    title: str
    about: str
    summary: tuple[Block, ...]  # the 총괄표's tables, the 분야 charts after the 분야별 table
    entries: tuple[Entry, ...]
    areas: tuple[Group, ...]
    statuses: tuple[Group, ...]


def hidden_contacts(card: Card) -> Card:
    """A copy of the card without 담당자 names and phone numbers (추진부서 and every 협조부서)."""
    view = copy.deepcopy(card)
    for person in (view.header.department, *view.header.cooperation):
        person.officer, person.phone = "", ""
    return view


def page_names(cards: Iterable[Card]) -> list[str]:
    """``관리번호.html`` for each card, made safe; two ids that make one name (also by case: a
    Windows server) get ``_2``, ``_3`` … in workbook order."""
    names: list[str] = []
    taken: set[str] = set()
    for card in cards:
        stem = safe_filename(card.id, "")
        name, number = f"{stem}.html", 1
        while name.casefold() in taken:
            number += 1
            name = f"{stem}_{number}.html"
        taken.add(name.casefold())
        names.append(name)
    return names


def _groups(entries: tuple[Entry, ...], label_of: Callable[[Card], str], prefix: str,
            order: Iterable[str] = ()) -> tuple[Group, ...]:
    """Entries grouped by a label compared by :func:`label_key` (labels in ``order`` first, then as
    they come; groups without a card are left out); pages ``{prefix}-1.html`` …"""
    found: dict[str, tuple[str, list[Entry]]] = {label_key(label): (label.strip(), []) for label in order}
    for entry in entries:
        label = label_of(entry.card).strip()
        found.setdefault(label_key(label), (label or L_UNSET, []))[1].append(entry)
    kept = [(label, items) for label, items in found.values() if items]
    return tuple(Group(label, f"{prefix}-{index}.html", tuple(items)) for index, (label, items) in enumerate(kept, 1))


def plan_site(book: Workbook, as_of: dt.date | None, hide_contacts: bool = False) -> Site:
    """What the site of ``book`` shows as of ``as_of`` (추진실적 after that day left out, 목표 of its year)."""
    cards = [as_of_view(card, as_of) for card in book.cards]
    if hide_contacts:
        cards = [hidden_contacts(card) for card in cards]
    year = as_of.year if as_of else None
    entries = tuple(Entry(card, f"{CARDS}/{name}", check_target(card, year).state)
                    for card, name in zip(cards, page_names(cards), strict=True))
    s = summarize(book)
    settings = book.settings
    who = " ".join(part for part in (settings.agency, f"민선 {settings.term}" if settings.term else "") if part)
    return Site(title=f"{who} {TITLE}".strip(), about=f"{L_AS_OF} {s.as_of}" if s.as_of else "", summary=tuple(summary_blocks(s, charts=1000)),
                entries=entries,
                areas=_groups(entries, lambda card: card.area, "area"),
                statuses=_groups(entries, lambda card: card.header.status, "status", settings.statuses))


# ── pages ─────────────────────────────────────────────────────────────────
def menu(site: Site) -> tuple[Paragraph, ...]:
    """The site's menu: every pledge, then each 분야 and 추진상황 page with its count."""
    lines = [Paragraph(f"전체 공약 ({len(site.entries)}건)", link=INDEX)]
    for what, groups in ((BY_AREA, site.areas), (BY_STATUS, site.statuses)):
        lines.append(Paragraph(f"{what}별"))
        lines += [Paragraph(f"{g.label} ({len(g.entries)}건)", link=g.file) for g in groups]
    return tuple(lines)


def pledge_table(entries: Iterable[Entry], caption: str, with_area: bool = True, name: str = "") -> Table:
    """The pledges, a row each: 관리번호 (the row's heading), 사업명 linking to the card's page, …;
    ``caption`` printed above, or ``name`` for screen readers when a heading already says it."""
    columns = [(name, share) for name, share in LIST_COLUMNS if with_area or name != BY_AREA]
    head = Row(tuple(cell(name, label=True) for name, _ in columns))
    rows = [head]
    for entry in entries:
        card = entry.card
        values = {"사업명": cell(card.title or card.id, link=entry.href),
                  "추진상황(추진율)": cell(status_text(card.header)), "목표 달성": cell(entry.outcome),
                  BY_AREA: cell(card.area), "추진부서": cell(card.header.department.department)}
        rows.append(Row((cell(card.id, label=True), *(values[name] for name, _ in columns[1:])), keep=True))
    return Table(tuple(rows), tuple(share for _, share in columns), header_rows=1, caption=caption, name=name,
                 style=STYLE_LIST)


def index_document(site: Site) -> Document:
    """The index: the title and 기준일, the 총괄표 with its charts, the list by 분야."""
    blocks: list[Block] = [Title(site.title), *([Paragraph(site.about)] if site.about else []),
                           Heading("총괄표", 1), *site.summary,
                           Heading(f"공약 목록 ({len(site.entries)}건)", 1), Paragraph(HINT)]
    for group in site.areas:
        blocks += [Heading(f"{group.label} ({len(group.entries)}건)", 2), pledge_table(group.entries, "", False, group.label)]
    return Document(site.title, (Section(tuple(blocks), "landscape", TITLE),), nav=menu(site))


def group_document(site: Site, group: Group, what: str) -> Document:
    """The list page of one 분야 or 추진상황."""
    heading = f"{what}: {group.label}"
    blocks: tuple[Block, ...] = (Title(f"{heading} ({len(group.entries)}건)"),
                                 *((Paragraph(site.about),) if site.about else ()),
                                 pledge_table(group.entries, heading, what != BY_AREA))
    return Document(f"{heading} - {site.title}", (Section(blocks, "landscape", group.label),), nav=menu(site))


def card_page_document(card: Card) -> Document:
    """A card's page: the standard card with the way back to the index before it."""
    return dataclasses.replace(card_document(card), nav=(Paragraph(BACK, link=f"../{INDEX}"),))


def site_documents(site: Site) -> dict[str, Document]:
    """Every page of the site as a document, by its path in the site folder."""
    pages = {INDEX: index_document(site)}
    for what, groups in ((BY_AREA, site.areas), (BY_STATUS, site.statuses)):
        for group in groups:
            pages[group.file] = group_document(site, group, what)
    for entry in site.entries:
        pages[entry.href] = card_page_document(entry.card)
    return pages


def site_files(site: Site, options: WriterOptions | None = None) -> dict[str, bytes]:
    """Every file of the site by its path in the site folder (``index.html``, ``cards/3-1.html`` …)."""
    html = WRITERS["html"]
    return {name: html.render_document(doc, options) for name, doc in site_documents(site).items()}


def site_paths(folder: Path, names: Iterable[str]) -> list[Path]:
    """Where each file goes: only plain names in the folder or in its ``cards/`` (never outside)."""
    root = folder.resolve()
    paths = []
    for name in names:
        sub, _, leaf = name.rpartition("/")
        if sub not in ("", CARDS):
            raise ValueError(f"site file outside the site folder: {name!r}")
        path = inside(folder / sub if sub else folder, leaf)
        if path.parent != root and path.parent.parent != root:  # cards/ is a link to another place
            raise InputError(Problem(str(folder / sub), "", "링크라서 사이트 폴더 밖을 가리킵니다",
                                     "is a link leading out of the site folder",
                                     "그 링크를 지우거나 -o 로 다른 폴더를 주세요", "remove the link or give another folder with -o"))
        paths.append(path)
    return paths


def write_site(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file atomically under ``folder``; the paths written."""
    paths = site_paths(folder, files)
    for path, data in zip(paths, files.values(), strict=True):
        write_bytes_atomic(path, data)
    return paths
