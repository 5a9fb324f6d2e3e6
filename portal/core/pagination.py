"""Pagination for list pages: counted, counted without joins, or uncounted for big searches."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

PAGE_SIZE = 50
#: A page number past this is read as this: its OFFSET stays far inside the database's bigint.
MAX_PAGE = 10**9


def paginate(
    request: HttpRequest,
    queryset,
    per_page: int = PAGE_SIZE,
    *,
    counted: bool = True,
    values: tuple[str, ...] = (),
):
    """One page of a list. ``counted=False`` for searches and filters over large tables: their
    COUNT(*) would read every matching row, so the page only learns whether a next one exists.
    ``values``: the page's rows are ``queryset.values(*values)`` (no model instances), while the
    total is counted on ``queryset`` itself, without the joins those related columns need."""
    if not counted:
        rows = queryset.values(*values) if values else queryset
        return UncountedPage.get(rows, request.GET.get("page"), per_page)
    if values:
        return ValuesPaginator(queryset, per_page, values).get_page(request.GET.get("page"))
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


class ValuesPaginator(Paginator):
    def __init__(self, queryset, per_page: int, values: tuple[str, ...]) -> None:
        super().__init__(queryset.values(*values), per_page)
        self._counted = queryset

    @cached_property
    def count(self) -> int:
        return self._counted.count()


class UncountedPage:
    """A page without a total: fetches one row more than it shows to know if there is a next."""

    class paginator:  # the templates ask page.paginator.count and num_pages
        count = None
        num_pages = None

    def __init__(self, rows: list, number: int, per_page: int) -> None:
        self.number = number
        self.object_list = rows[:per_page]
        self._more = len(rows) > per_page

    @classmethod
    def get(cls, queryset, page, per_page: int) -> UncountedPage:
        try:
            number = min(max(int(page), 1), MAX_PAGE)
        except (TypeError, ValueError):
            number = 1
        offset = (number - 1) * per_page
        rows = list(queryset[offset : offset + per_page + 1])
        if not rows and number > 1:  # past the end (an old link): the first page
            return cls.get(queryset, 1, per_page)
        return cls(rows, number, per_page)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self._more or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1
