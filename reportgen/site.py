"""The public site (공약 이행 현황): a static folder an office uploads to its website.

``index.html`` holds the 총괄표 (the tables of :func:`reportgen.summary.summary_blocks`), the charts
(:mod:`reportgen.charts` when installed) and the list of pledges grouped by 분야 in ``<details>``;
``area-N.html`` and ``status-N.html`` list the pledges of one 분야 / one 추진상황 (filtering without
JavaScript); ``cards/관리번호.html`` is each card as the HTML writer prints it. Every page is one file
with its style inside: no script, no external asset. ``hide_contacts`` clears 담당자 names and phone
numbers from the cards before anything is printed.

The pages' markup is ``templates/site/index.html.j2`` and ``templates/site/site.css``; this module
decides what the pages hold and where the files go.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from reportgen.batch import as_of_view
from reportgen.document import Block, Image
from reportgen.errors import InputError, Problem
from reportgen.fileio import inside, safe_filename, write_bytes_atomic
from reportgen.formats import WRITERS
from reportgen.model import Card, Workbook, label_key, status_text
from reportgen.rates import check_target
from reportgen.resources import WriterOptions, template_path
from reportgen.summary import L_AS_OF, L_UNSET, Summary, summarize, summary_blocks
from reportgen.writers.html import image_source, kind, table_view

INDEX = "index.html"
CARDS = "cards"
PAGE_TEMPLATE = "site/index.html.j2"
STYLE_SHEET = "site/site.css"
TITLE = "공약 이행 현황"
#: the link a card page gets above the card, back to the index
BACK_LINK = ('<nav class="site-back" aria-label="사이트 메뉴" style="margin: 1em auto; padding: 0 1rem; max-width: 210mm">'
             '<a href="../index.html">← 공약 이행 현황 목록으로</a></nav>\n')


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
    summary: tuple[Block, ...]
    charts: tuple[Image, ...]
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


def _charts(s: Summary) -> tuple[Image, ...]:
    """The 총괄표 charts (:func:`reportgen.charts.summary_charts`) when that module is installed."""
    if importlib.util.find_spec("reportgen.charts") is None:
        return ()
    from reportgen import charts

    return tuple(charts.summary_charts(s))


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
    return Site(title=f"{who} {TITLE}".strip(), about=f"{L_AS_OF} {s.as_of}" if s.as_of else "", summary=tuple(summary_blocks(s)),
                charts=_charts(s), entries=entries,
                areas=_groups(entries, lambda card: card.area, "area"),
                statuses=_groups(entries, lambda card: card.header.status, "status", settings.statuses))


# ── pages ─────────────────────────────────────────────────────────────────
@cache
def _template(path: Path) -> jinja2.Template:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True)
    return environment.from_string(path.read_text(encoding="utf-8"))


def _page(site: Site, options: WriterOptions | None, group: Group | None = None, what: str = "") -> bytes:
    """The index (``group`` None) or the list page of one group."""
    css = template_path(STYLE_SHEET, options).read_text(encoding="utf-8").replace("</", "<\\/")
    html = _template(template_path(PAGE_TEMPLATE, options)).render(
        site=site, group=group, what=what, css=Markup(css), kind=kind, table_view=table_view,
        image_source=image_source, status_text=lambda card: status_text(card.header))
    return html.encode("utf-8")


def card_page(card: Card, options: WriterOptions | None = None) -> bytes:
    """A card's page: the HTML writer's page with a link back to the index above the card."""
    page = WRITERS["html"].render(card, options).decode("utf-8")
    if page.count("<body>\n") == 1:
        page = page.replace("<body>\n", "<body>\n" + BACK_LINK)
    return page.encode("utf-8")


def site_files(site: Site, options: WriterOptions | None = None) -> dict[str, bytes]:
    """Every file of the site by its path in the site folder (``index.html``, ``cards/3-1.html`` …)."""
    files = {INDEX: _page(site, options)}
    for what, groups in (("분야", site.areas), ("추진상황", site.statuses)):
        for group in groups:
            files[group.file] = _page(site, options, group, what)
    for entry in site.entries:
        files[entry.href] = card_page(entry.card, options)
    return files


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
