"""Which public-schema rows belong to a region: found through Django's app registry, never by name.

``tenants`` may not import other apps, and later apps add public tables that point at regions (billing's
contracts and invoices, the operators' audit events). So the rows to carry are *discovered*:

1. the tenant model's row itself (``Region``);
2. every model whose table lives only in the public schema (its app is in ``SHARED_APPS`` and not in
   ``TENANT_APPS``) with a foreign key to a carried model, level by level: Domain, RegionStatusChange,
   AuditEvent and BillingProfile point at Region; InvoiceReminder points at Invoice, and so on.
   A row is carried when one of its keys points at a carried row of *this* region;
3. rows that name a region only by its code (a ``region_code`` field, no foreign key) are *records kept
   by their owner* after a region is deleted (published benchmark aggregates, their versions and
   events): a restore must not bring them back nor duplicate them, so they are listed in the manifest
   as left with their owner and not carried. An app that wants such a table carried names it in
   ``settings.REGION_BACKUP_CODE_KEYED`` ("app_label.Model"), without tenants importing it;
4. ``settings.REGION_BACKUP_SKIP`` ("app_label.Model") leaves a discovered table out.

A foreign key declared ``on_delete=SET_NULL`` marks a *survivor*: its row outlives the region with the
key emptied (AuditEvent). Restore re-links such a row when it is still there, unchanged apart from the
key, instead of refusing it as a conflict or inserting it twice.
"""

# Conditions are built from Django's own table and column names, quoted.
# ruff: noqa: S608

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models
from django_tenants.utils import get_tenant_model

CODE_FIELDS = ("region_code",)


@dataclass(frozen=True)
class PublicTable:
    label: str  # app_label.Model
    table: str
    pk: str
    columns: tuple[str, ...]
    link_columns: tuple[str, ...]  # keys emptied when the region goes (SET_NULL): re-linked on restore
    where: str  # SQL condition on the table's own columns selecting the region's rows
    serial: bool  # an integer key from a sequence: the sequence is moved past restored rows

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "table": self.table,
            "pk": self.pk,
            "columns": list(self.columns),
            "link_columns": list(self.link_columns),
            "where": self.where,
            "serial": self.serial,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PublicTable:
        return cls(
            label=str(data["label"]),
            table=str(data["table"]),
            pk=str(data["pk"]),
            columns=tuple(data["columns"]),  # type: ignore[arg-type]
            link_columns=tuple(data["link_columns"]),  # type: ignore[arg-type]
            where=str(data["where"]),
            serial=bool(data["serial"]),
        )


@dataclass(frozen=True)
class Plan:
    tables: tuple[PublicTable, ...]  # parents before children
    left_with_owner: tuple[str, ...]  # "label (table): why"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _public_only_models() -> list[type[models.Model]]:
    tenant_apps = set(settings.TENANT_APPS)
    shared_apps = set(settings.SHARED_APPS)
    found: list[type[models.Model]] = []
    for config in apps.get_app_configs():
        if config.name not in shared_apps or config.name in tenant_apps:
            continue
        found.extend(model for model in config.get_models() if model._meta.managed and not model._meta.proxy)
    return found


def _columns(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(str(field.column) for field in model._meta.concrete_fields)


def _pk_column(model: type[models.Model]) -> str:
    assert model._meta.pk is not None
    return str(model._meta.pk.column)


def _is_serial(model: type[models.Model]) -> bool:
    return isinstance(model._meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField)


def region_plan(region_pk: int, region_code: str) -> Plan:
    """The public tables to carry for one region and the condition selecting its rows in each."""
    if not re.fullmatch(r"[0-9A-Za-z._-]{1,20}", region_code):
        raise ValueError(f"Unexpected region code {region_code!r}.")
    skip = set(getattr(settings, "REGION_BACKUP_SKIP", ()))
    code_keyed = set(getattr(settings, "REGION_BACKUP_CODE_KEYED", ()))
    tenant = get_tenant_model()
    pk_column = _pk_column(tenant)
    chosen: dict[type[models.Model], PublicTable] = {
        tenant: PublicTable(
            label=tenant._meta.label,
            table=tenant._meta.db_table,
            pk=pk_column,
            columns=_columns(tenant),
            link_columns=(),
            where=f"{quote_ident(pk_column)} = {int(region_pk)}",
            serial=_is_serial(tenant),
        )
    }
    order = [tenant]
    candidates = [model for model in _public_only_models() if model is not tenant]
    while True:
        level: list[tuple[type[models.Model], PublicTable]] = []
        for model in candidates:
            if model in chosen or model._meta.label in skip:
                continue
            keys = [
                field
                for field in model._meta.concrete_fields
                if isinstance(field, models.ForeignKey) and field.related_model in chosen
            ]
            if not keys:
                continue
            conditions, links = [], []
            for field in keys:
                parent = chosen[field.related_model]
                target = str(field.target_field.column)
                conditions.append(
                    f"{quote_ident(str(field.column))} IN (SELECT {quote_ident(target)} FROM public."
                    f"{quote_ident(parent.table)} WHERE {parent.where})"
                )
                if field.null and field.remote_field.on_delete is models.SET_NULL:
                    links.append(str(field.column))
            level.append(
                (
                    model,
                    PublicTable(
                        label=model._meta.label,
                        table=model._meta.db_table,
                        pk=_pk_column(model),
                        columns=_columns(model),
                        link_columns=tuple(links),
                        where=" OR ".join(f"({condition})" for condition in conditions),
                        serial=_is_serial(model),
                    ),
                )
            )
        if not level:
            break
        for model, table in level:  # a level sees only the levels above it: no cycles
            chosen[model] = table
            order.append(model)
    left: list[str] = []
    for model in candidates:
        if model in chosen:
            continue
        fields = [field for field in model._meta.concrete_fields if field.name in CODE_FIELDS]
        if not fields:
            continue
        if model._meta.label in code_keyed and model._meta.label not in skip:
            chosen[model] = PublicTable(
                label=model._meta.label,
                table=model._meta.db_table,
                pk=_pk_column(model),
                columns=_columns(model),
                link_columns=(),
                where=f"{quote_ident(str(fields[0].column))} = {quote_literal(region_code)}",
                serial=_is_serial(model),
            )
            order.append(model)
        else:
            left.append(
                f"{model._meta.label} ({model._meta.db_table}): names the region by code only; kept by its"
                " owner when a region is deleted"
            )
    left.extend(f"{label}: skipped by REGION_BACKUP_SKIP" for label in sorted(skip))
    return Plan(tables=tuple(chosen[model] for model in order), left_with_owner=tuple(left))
