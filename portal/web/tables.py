"""Declared tables: a page names each column once, and its header and its cells come from it.

    class OperationTable(Table):
        number = Column("#", "pk", cell=Link("web:operation-detail", text="#{}"))
        state = Column("State", cell=Badge())
        attempts = Column("Attempts", css="num")

    {% include "web/_table.html" with table=operations %}

As the admin's ``list_display`` drives both ``result_headers`` and ``items_for_result``. Rows are
what the selector fetched (``.values()`` dicts, model instances, dataclasses): a column reads a
key or an attribute path (``"tenant__name"``, ``"connection.name"``) or calls a function, and its
cell renderer turns the value into escaped markup. ``templates/web/_table.html`` draws the
``<table>`` around every list. This module and the template tags are the only Python that builds
markup (a test keeps it so).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property, lru_cache
from html import escape
from typing import Any, ClassVar

from django.middleware.csrf import get_token
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat, pprint
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.timesince import timesince

Accessor = str | Callable[[Any], Any]


def esc(value: object) -> str:
    """``conditional_escape`` for a cell: safe strings pass through, anything else is escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def markup(template: str, /, *args: object, **kwargs: object) -> SafeString:
    """``format_html`` without its lazy wrappers (a few µs a call, several calls a row)."""
    return SafeString(
        template.format(*[esc(a) for a in args], **{k: esc(v) for k, v in kwargs.items()})
    )


def attributes(attrs: Mapping[str, object]) -> SafeString:
    """`` name="value"`` pairs (``flatatt``); ``True`` gives a bare attribute, ``None`` none."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {name}")
        elif value is not None and value is not False:
            parts.append(f' {name}="{esc(value)}"')
    return SafeString("".join(parts))


def getter(path: Accessor) -> Callable[[Any], Any]:
    """A function reading ``path`` from a row: a dict key as ``.values()`` names it, else each
    part (``__`` or ``.``) as a key or attribute; None once a part is None."""
    if callable(path):
        return path
    parts = path.replace("__", ".").split(".")

    def read(row):
        if isinstance(row, dict) and path in row:
            return row[path]
        value = row
        for part in parts:
            if value is None:
                return None
            value = value[part] if isinstance(value, dict) else getattr(value, part)
        return value() if callable(value) and not hasattr(value, "all") else value

    return read


@lru_cache(maxsize=512)
def badge(status: object, label: object = "") -> SafeString:
    """A status badge, one colour per status everywhere (``static/css/portal.css``).

    Cached: a page holds a handful of distinct statuses (the result is immutable)."""
    value = str(status or "unknown")
    return markup('<span class="badge badge-{}">{}</span>', value, label or value.replace("_", " "))


def query_string(request, **changes) -> str:
    """The request's query string with some parameters replaced; a new sort or filter goes
    back to the first page."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes:
        params.pop("page", None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def local(value):
    """A datetime in the current time zone, as templates show it (dates pass unchanged)."""
    return timezone.localtime(value) if hasattr(value, "tzinfo") and value.tzinfo else value


# -- cells: how a value is drawn ----------------------------------------------------------------


class Cell:
    """Plain text, escaped (``truncate``: at most that many characters, with an ellipsis)."""

    def __init__(self, *, truncate: int | None = None) -> None:
        self.truncate = truncate

    def render(self, value, row, table: Table) -> str:
        text = str(value)
        if self.truncate and len(text) > self.truncate:
            text = Truncator(text).chars(self.truncate)
        return escape(text)


Text = Cell


class Choice(Cell):
    """A stored choice shown by its label (``Model.field.choices``)."""

    def __init__(self, choices: Iterable[tuple[object, object]]) -> None:
        super().__init__()
        self.labels = {str(value): str(label) for value, label in choices}

    def render(self, value, row, table: Table) -> str:
        return escape(self.labels.get(str(value), str(value)))


class Code(Cell):
    def render(self, value, row, table: Table) -> str:
        return markup("<code>{}</code>", value)


class Link(Cell):
    """The value linked to a URL: ``name`` reversed with the row's ``pk`` (or ``href(row, table)``).

    A page reverses each URL once and swaps each row's id in (``reverse`` costs ~25 µs a call).
    ``text``: a format for the link text (``"#{}"``); ``query``: appended to every URL, or a
    function of the table returning it. Without an id the value is plain text."""

    _ID = 987654321

    def __init__(
        self,
        name: str = "",
        *,
        pk: Accessor = "pk",
        args: tuple = (),
        href: Callable[[Any, Table], str] | None = None,
        text: str = "",
        css: str = "",
        query: str | Callable[[Table], str] = "",
        indent: Accessor | None = None,
    ) -> None:
        super().__init__()
        self.name, self.args, self.href, self.text, self.css, self.query = (
            name, args, href, text, css, query
        )  # fmt: skip
        self.pk = getter(pk)
        self.indent = getter(indent) if indent else None

    def url(self, row, table: Table) -> str:
        if self.href is not None:
            return self.href(row, table)
        pk = self.pk(row)
        if pk is None:
            return ""
        key = (id(self), self.name, self.args)
        base = table.urls.get(key)
        if base is None:
            base = reverse(self.name, args=[self._ID, *self.args])
            query = self.query(table) if callable(self.query) else self.query
            base = table.urls[key] = base + query
        return base.replace(str(self._ID), str(pk), 1)

    def render(self, value, row, table: Table) -> str:
        text = self.text.format(value) if self.text else value
        url = self.url(row, table)
        link = (
            markup('<a href="{}"{}>{}</a>', url, attributes({"class": self.css or None}), text)
            if url
            else esc(text)
        )
        depth = self.indent(row) if self.indent else 0
        if depth:
            return markup(
                '<span class="tree-indent" style="padding-left: {}rem" aria-hidden="true">'
                "</span>└ {}",
                depth,
                SafeString(link),
            )
        return link


class Badge(Cell):
    """A status badge. ``status`` fixed: the value is the label; ``label(row)``: the label of
    the value's status (a ``get_FOO_display``)."""

    def __init__(self, status: str = "", *, label: Accessor | None = None) -> None:
        super().__init__()
        self.status = status
        self.label = getter(label) if label else None

    def render(self, value, row, table: Table) -> str:
        if self.status:
            return badge(self.status, value)
        return badge(value, self.label(row) if self.label else "")


class Badges(Cell):
    """A list of flags as badges: ``flags`` maps each flag to its (status, label)."""

    def __init__(self, flags: Mapping[str, tuple[str, str]]) -> None:
        super().__init__()
        self.flags = flags

    def render(self, value, row, table: Table) -> str:
        return " ".join(badge(*self.flags[flag]) for flag in value)


class Number(Cell):
    """A figure, through ``floatformat`` when ``decimals`` is given; ``alert``: a non-zero
    figure is drawn as a badge of that status (errors)."""

    def __init__(self, decimals: str | int | None = None, *, alert: str = "") -> None:
        super().__init__()
        self.decimals, self.alert = decimals, alert

    def render(self, value, row, table: Table) -> str:
        text = str(value) if self.decimals is None else floatformat(value, self.decimals)
        return badge(self.alert, text) if self.alert and value else escape(text)


class Date(Cell):
    """A date or time as the ``date`` filter prints it, in the current time zone; ``time``:
    inside a ``<time datetime>`` element."""

    def __init__(self, format: str = "d M H:i", *, time: bool = False) -> None:
        super().__init__()
        self.format, self.time = format, time

    def render(self, value, row, table: Table) -> str:
        value = local(value)
        text = date_filter(value, self.format)
        if self.time:
            return markup('<time datetime="{}">{}</time>', value.isoformat(), text)
        return escape(text)


class TimeSince(Cell):
    """How long ago, in its largest unit (``timesince`` to one unit): "3 hours ago"."""

    def __init__(self, prefix: str = "", suffix: str = " ago") -> None:
        super().__init__()
        self.prefix, self.suffix = prefix, suffix

    def render(self, value, row, table: Table) -> str:
        return escape(self.prefix + timesince(value, table.now, depth=1) + self.suffix)


class Pretty(Cell):
    """A structure folded away, printed as the ``pprint`` filter prints it."""

    def __init__(self, summary: str = "Detail") -> None:
        super().__init__()
        self.summary = summary

    def render(self, value, row, table: Table) -> str:
        return markup(
            '<details><summary>{}</summary><pre class="small">{}</pre></details>',
            self.summary,
            pprint(value),
        )


class Template(Cell):
    """A cell drawn by a small template (forms, live widgets), given ``row``, ``value``,
    ``table``, ``request`` and the CSRF token, so ``{% csrf_token %}`` and ``{% url %}`` work;
    ``row_name``: the row's name in the template as well (one the template already uses);
    ``when(row)`` false: the row's cell is drawn by ``otherwise`` instead (a template render
    costs ~0.1 ms, a cell a few µs)."""

    def __init__(
        self,
        name: str,
        *,
        row_name: str = "row",
        when: Callable[[Any], bool] | None = None,
        otherwise: Cell | None = None,
    ) -> None:
        super().__init__()
        self.name, self.row_name, self.when, self.otherwise = name, row_name, when, otherwise

    def render(self, value, row, table: Table) -> str:
        if self.when is not None and not self.when(row):
            return (self.otherwise or Cell()).render(value, row, table)
        template = table.templates.get(self.name)
        if template is None:  # looked up once per table, not once per row
            template = table.templates[self.name] = get_template(self.name)
        return template.render(
            {self.row_name: row, "row": row, "value": value, **table.template_context}
        )


# -- columns and tables -------------------------------------------------------------------------


class Column:
    """One column: ``header``, the ``value`` it reads (default: the attribute's own name), the
    ``cell`` that draws it, ``note`` (a second, muted line: an accessor or a Column), ``sort``
    (the ``ordering`` value that sorts by it, which makes the header a link), ``css`` (the cell's
    classes; ``num`` right-aligns the header too), ``empty`` (shown for None or ""), ``show``
    (a function of the table: False drops the column) and ``row_header`` (a ``<th>`` cell)."""

    def __init__(
        self,
        header: str = "",
        value: Accessor | None = None,
        *,
        cell: Cell | None = None,
        note: Accessor | Column | None = None,
        inline_note: bool = False,
        sort: str = "",
        css: str = "",
        empty: str = "—",
        show: Callable[[Table], bool] | None = None,
        row_header: bool = False,
    ) -> None:
        self.header, self.cell, self.sort, self.empty, self.show = (
            header, cell or Cell(), sort, empty, show
        )  # fmt: skip
        self.name = ""
        self.read = getter(value) if value is not None else None
        self.note = note if isinstance(note, Column) or note is None else Column(value=note)
        self.note_break = " " if inline_note else "<br>"
        tag = "th" if row_header else "td"
        attrs = attributes({"scope": "row" if row_header else None, "class": css or None})
        self.open, self.close = f"<{tag}{attrs}>", f"</{tag}>"
        self.header_attrs = attributes({"class": "num" if "num" in css.split() else None})

    def __set_name__(self, owner, name: str) -> None:
        self.name = name
        if self.read is None:
            self.read = getter(name)

    def element(self, row, table: Table) -> str:
        """The row's cell, its element included."""
        return self.open + self.render(row, table) + self.close

    def render(self, row, table: Table) -> str:
        """The cell's content."""
        assert self.read is not None  # a value, or the attribute name set by __set_name__
        value = self.read(row)
        content = (
            self.empty if value is None or value == "" else self.cell.render(value, row, table)
        )
        if self.note is not None:
            assert self.note.read is not None  # a note column is built with a value
            note = self.note.read(row)
            if note is not None and note != "":
                content = (
                    f'{content}{self.note_break if content else ""}<span class="small muted">'
                    f"{self.note.cell.render(note, row, table)}</span>"
                )
        return content


class BoundRow:
    """One row: its ``<tr>`` attributes, its cells (each ``<td>`` or ``<th>`` with its content,
    as the admin's ``items_for_result`` makes them, joined: a template variable per row, not
    per cell) and the full-width row below it, if any."""

    __slots__ = ("attrs", "below", "cells")

    def __init__(self, attrs: str, cells: SafeString, below: SafeString | None) -> None:
        self.attrs, self.cells, self.below = attrs, cells, below


class Header:
    __slots__ = ("attrs", "label", "url")

    def __init__(self, label: str, attrs: str, url: str) -> None:
        self.label, self.attrs, self.url = label, attrs, url


class Table:
    """A list page's table. Subclasses declare ``Column`` attributes (in order, a subclass's
    after its parents'); ``attrs`` are the ``<table>`` element's, ``empty_text`` a row shown when
    there is nothing (none: the page says so itself), ``below`` a column drawn as a full-width
    row under each row. Keyword arguments become attributes the columns may read
    (``table.writable``)."""

    columns: ClassVar[list[Column]] = []
    attrs: ClassVar[dict[str, str]] = {}
    empty_text: ClassVar[str] = ""
    below: ClassVar[Column | None] = None
    # Keywords some pages pass (``Table(rows, writable=...)``), declared for the type checker.
    writable: bool
    period: str

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        declared = {column.name: column for column in cls.columns}  # the parents'
        for name, value in list(vars(cls).items()):
            if isinstance(value, Column) and name != "below":
                declared.pop(name, None)  # an override takes the subclass's place
                declared[name] = value
                delattr(cls, name)  # a column may be called "rows" without hiding Table.rows
        cls.columns = list(declared.values())

    def __init__(self, rows: Iterable, *, request=None, **context) -> None:
        self.data = list(rows)
        self.request = request
        self.urls: dict = {}
        self.templates: dict = {}
        self.__dict__.update(context)
        self.shown = [c for c in self.columns if c.show is None or c.show(self)]

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    @cached_property
    def now(self):
        return timezone.now()

    @cached_property
    def template_context(self) -> dict:
        """What a Template cell sees besides its row (the CSRF token taken once)."""
        context = {"table": self, "request": self.request}
        if self.request is not None:
            context["csrf_token"] = get_token(self.request)
        return context

    @property
    def width(self) -> int:
        return len(self.shown)

    @property
    def element_attrs(self) -> SafeString:
        return attributes(self.attrs)

    def row_attrs(self, row) -> Mapping[str, object]:
        """A row's ``<tr>`` attributes (e.g. ``data-*`` for tests and scripts)."""
        return {}

    @cached_property
    def headers(self) -> list[Header]:
        ordering = self.request.GET.get("ordering", "") if self.request is not None else ""
        headers = []
        for column in self.shown:
            attrs, url = column.header_attrs, ""
            if column.sort and self.request is not None:
                descending = ordering == column.sort
                url = query_string(self.request, ordering=("-" if descending else "") + column.sort)
                if ordering in (column.sort, f"-{column.sort}"):
                    sort = "descending" if ordering.startswith("-") else "ascending"
                    attrs = SafeString(attrs + attributes({"aria-sort": sort}))
            headers.append(Header(column.header, attrs, url))
        return headers

    @cached_property
    def rows(self) -> list[BoundRow]:
        columns, below = self.shown, self.below
        custom_attrs = type(self).row_attrs is not Table.row_attrs
        return [
            BoundRow(
                attributes(self.row_attrs(row)) if custom_attrs else "",
                SafeString("".join([column.element(row, self) for column in columns])),
                SafeString(below.render(row, self)) if below is not None else None,
            )
            for row in self.data
        ]
