"""The blueprint model, the catalog and the layering of defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from blueprints.catalog import Catalog, load_blueprint_file
from blueprints.errors import ConfigError
from blueprints.resolve import resolve
from blueprints.settings import StackSettings

MINIMAL = """name: {name}
description: test
topics:
  - {{name: events, dead_letter: true}}
services:
  - name: api
    image: ghcr.io/acme/api:1.0.0
    produces: [events]
  - name: worker
    image: ghcr.io/acme/worker:1.0.0
    consumes: [events]
routes:
  - {{path: /v1, service: api}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_builtin_blueprints_load() -> None:
    catalog = Catalog()
    assert catalog.names() == ["analytics", "lottery", "orders"]
    for name in catalog.names():
        assert catalog.load(name).name == name


def test_custom_catalog_shadows_builtins_and_is_found_by_name(tmp_path: Path) -> None:
    write(tmp_path, "mini", MINIMAL.format(name="mini"))
    catalog = Catalog([tmp_path])
    assert "mini" in catalog.names()
    assert catalog.load("mini").topic_names() == ["events", "events.dlq"]


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (("produces: [events]", "produces: [event]"), "", "unknown topic 'event'"),
        (("service: api}", "service: apii}"), "", "unknown service 'apii'"),
        (
            ("image: ghcr.io/acme/api:1.0.0", "image: ghcr.io/acme/api:latest"),
            "services[0].image",
            "pinned",
        ),
        (("description: test", "descripton: test"), "descripton", "did you mean 'description'"),
        (
            ("    consumes: [events]", "    consumes: [events]\n    environment: {API_TOKEN: x}"),
            "services[1].environment",
            "looks like a secret",
        ),
    ],
)
def test_bad_blueprints_name_the_file_and_key(
    tmp_path: Path, change: tuple[str, str], key: str, message: str
) -> None:
    path = write(tmp_path, "mini", MINIMAL.format(name="mini").replace(*change))
    with pytest.raises(ConfigError) as info:
        load_blueprint_file(path, "catalog/mini.yaml")
    assert info.value.source == "catalog/mini.yaml"
    assert info.value.key_path == key
    assert message in info.value.message


def test_file_name_must_match_blueprint_name(tmp_path: Path) -> None:
    path = write(tmp_path, "other", MINIMAL.format(name="mini"))
    with pytest.raises(ConfigError, match="must match the file name"):
        load_blueprint_file(path)


def settings(env: str, **overrides: object) -> StackSettings:
    return StackSettings.model_validate(
        {"blueprint": "orders", "environment": env, "overrides": overrides}
    )


def test_layering_profile_then_blueprint_then_stack() -> None:
    orders = Catalog().load("orders")
    dev = resolve(orders, settings("dev"), stack="orders-dev", source="s.yaml")
    assert dev.postgres is not None and dev.postgres.read_replicas == 0
    assert dev.services[0].spec.use_spot is True  # dev profile
    assert dev.postgres.database_name == "orders"  # blueprint
    prod = resolve(
        orders,
        settings(
            "prod",
            services={"orders": {"min_count": 7}},
            service_defaults={"max_count": 40},
            topics={"order-events.dlq": {"partitions": 2}},
        ),
        stack="orders-prod",
        source="s.yaml",
    )
    by_name = {w.name: w.spec for w in prod.services}
    assert by_name["orders"].min_count == 7  # stack, per service
    assert by_name["payments"].min_count == 3  # prod profile
    assert by_name["payments"].max_count == 40  # stack service_defaults over profile
    assert prod.kafka is not None
    topics = {t.name: t for t in prod.kafka.topics}
    assert topics["order-events.dlq"].partitions == 2
    assert topics["order-events"].replication_factor == 3
    consumer = next(w for w in prod.services if w.name == "inventory")
    assert consumer.dead_letter_topics == ("order-events.dlq",)


def test_stack_tags_cannot_override_the_reserved_ones() -> None:
    with pytest.raises(ValidationError, match="tag key 'environment' is set by every stack"):
        StackSettings.model_validate(
            {"blueprint": "orders", "environment": "dev", "tags": {"environment": "prod"}}
        )
    orders = Catalog().load("orders")
    s = StackSettings.model_validate(
        {"blueprint": "orders", "environment": "dev", "tags": {"owner": "x"}}
    )
    tags = resolve(orders, s, stack="orders-dev", source="s.yaml").tags()
    assert tags["environment"] == "dev"
    assert tags["owner"] == "x"
