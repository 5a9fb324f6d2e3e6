"""Every company with documented calls only: findCompaniesByName over name prefixes.

The documents name no list method; ``findCompaniesByName`` matches a name prefix and answers at
most ``maxResults`` (1-100) companies, with no paging (CONTRACTS 2). So the names are
partitioned: ask each one-character prefix; an answer that reaches the cap may hide more, so its
prefix is asked again with each next character, until every answer is under the cap. Companies
are deduplicated by id.

Which characters to try: letters (both cases: the documents do not say whether the match is
case-insensitive; once an answer shows it is, the other case is skipped), digits, and every
character seen in any name answered so far, repeated until no new character turns up. A leading
``*`` means "contains" (CONTRACTS 2), so no prefix starts with it. Known limits, from the
documents alone: a name whose first character appears in no other name and is not a letter or
digit is not found, nor a company whose whole name is a prefix shared by more than the cap of
other names when the vendor leaves it out of that prefix's answer.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from typing import Any

#: findCompaniesByName ``maxResults`` ceiling (CONTRACTS 2).
MAX_FOUND = 100
#: createCompany ``name`` is at most 64 characters: no longer prefix can match.
MAX_NAME = 64
FIRST_CHARACTERS = string.ascii_lowercase + string.ascii_uppercase + string.digits

Find = Callable[[str], list[dict[str, Any]]]


def partition(find: Find, skip_ids: frozenset[str] = frozenset()) -> Iterator[list[dict[str, Any]]]:
    """Lists of companies not seen before, one per answer, until every name is covered."""
    seen: set[str] = set(skip_ids)
    characters: set[str] = set()
    asked: set[str] = set()
    asked_folded: set[str] = set()
    capped: list[str] = []
    folds = False  # the vendor matched a prefix in another case: the match is case-insensitive

    def is_new(prefix: str) -> bool:
        done = prefix.lower() in asked_folded if folds else prefix in asked
        return not done and len(prefix) <= MAX_NAME

    while True:
        alphabet = list(FIRST_CHARACTERS) + sorted(characters - set(FIRST_CHARACTERS))
        todo = [c for c in alphabet if c != "*"] + [p + c for p in capped for c in alphabet]
        todo = [p for p in todo if is_new(p)]
        if not todo:
            return
        for prefix in todo:
            if not is_new(prefix):  # the case rule was learnt while this round ran
                continue
            asked.add(prefix)
            asked_folded.add(prefix.lower())
            found = find(prefix)
            fresh = []
            for company in found:
                name = company.get("name") or ""
                characters.update(name)
                if not name.startswith(prefix) and name.lower().startswith(prefix.lower()):
                    folds = True
                if company["id"] not in seen:
                    seen.add(company["id"])
                    fresh.append(company)
            if len(found) >= MAX_FOUND:
                capped.append(prefix)
            if fresh:
                yield fresh
