"""A queryset compiled to SQL once per process and thread, then run with the value it looks up.

Django builds a queryset's SQL again on every evaluation. For the test taker's hot queries, with their
joins (the participant with round, bank, employee and attempt; the attempt with participant, round and
bank and whether it has answers), that building cost 0.5-0.9 ms of CPU each, about a sixth of a start
storm's arrival (issue #20), to produce the same SQL every time with one value changed.

``CompiledQuery`` builds its queryset once with a marker in place of the looked-up value, keeps the SQL,
its parameters and the compiler's description of the columns, and afterwards only sends that SQL with
the value put where the marker was. Rows become model instances by the same steps as Django's
``ModelIterable``: the database converters of every column (JSON, dates), ``Model.from_db``, the
``select_related`` populators and the annotations. The statement goes through Django's cursor, so the
region's search_path, the read-only mode of a suspended region and the query log (tests' statement
counts) see it as any other.

What a query may be: its shape and every value but the marker fixed when it is first built (no
``timezone.now()`` inside: pass what changes as the marker), unqualified by schema (django-tenants'
search_path picks the region, so one SQL serves every region), and a plain model query (no
``values()``, ``only()`` or prefetches, which ``ModelIterable`` alone would handle). The compiled form
is kept per thread, as Django keeps connections, and per database alias.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    marker_at: tuple[int, ...]  # positions of the marker among the parameters
    compiler: Any  # the SQLCompiler that made the SQL: its column description and converters
    model: type[models.Model]
    start: int  # the main model's columns in a row: [start, end)
    end: int
    init_list: tuple[str, ...]
    populators: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]


class CompiledQuery(Generic[M]):
    """``build(marker)`` gives the queryset; ``all(value)`` / ``first(value)`` run it for ``value``."""

    def __init__(self, build: Callable[[Any], models.QuerySet[M]], marker: Any) -> None:
        self._build = build
        self._marker = marker
        self._local = threading.local()

    def all(self, value: Any, using: str = DEFAULT_DB_ALIAS) -> list[M]:
        compiled = self._compiled(using)
        params = list(compiled.params)
        for position in compiled.marker_at:
            params[position] = value
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return []
        found = []
        for row in compiled.compiler.results_iter([rows]):
            obj = compiled.model.from_db(using, compiled.init_list, row[compiled.start : compiled.end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found  # type: ignore[return-value]

    def first(self, value: Any, using: str = DEFAULT_DB_ALIAS) -> M | None:
        """The first row's instance; the queryset should be limited (``[:1]``) or unique by its filter."""
        found = self.all(value, using)
        return found[0] if found else None

    def _compiled(self, using: str) -> _Compiled:
        kept: dict[str, _Compiled] = self._local.__dict__.setdefault("by_alias", {})
        compiled = kept.get(using)
        if compiled is None:
            compiled = kept[using] = self._compile(using)
        return compiled

    def _compile(self, using: str) -> _Compiled:
        queryset = self._build(self._marker)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        marker_at = tuple(i for i, param in enumerate(params) if param == self._marker)
        if not marker_at:
            raise ValueError(f"the marker {self._marker!r} is not among the query's parameters: {sql}")
        klass_info = compiler.klass_info
        select = compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Compiled(
            sql=sql,
            params=tuple(params),
            marker_at=marker_at,
            compiler=compiler,
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=tuple(column[0].target.attname for column in select[start:end]),
            populators=tuple(get_related_populators(klass_info, select, using)),  # type: ignore[call-arg]
            annotations=tuple((compiler.annotation_col_map or {}).items()),
        )
