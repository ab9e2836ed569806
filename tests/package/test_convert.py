"""Package inputs to specs: schema property paths and refused outputs."""

from __future__ import annotations

import pulumi
import pytest

from components.package.convert import InvalidInputs, camel, plain, property_path, spec_of
from components.specs import RedisSpec


def test_camel() -> None:
    assert camel("az_count") == "azCount"
    assert camel("name") == "name"
    assert camel("load_balancer_arn_suffix") == "loadBalancerArnSuffix"


def test_property_path() -> None:
    assert property_path(("binding", "secret_files", 2, "env_name")) == (
        "binding.secretFiles[2].envName"
    )


def test_spec_of_reports_the_schema_path() -> None:
    with pytest.raises(InvalidInputs) as caught:
        spec_of(RedisSpec, {"name": "cache", "shards": "many"}, "KubernetesRedisCluster")
    assert [path for path, _ in caught.value.errors] == ["shards"]
    assert str(caught.value).startswith("KubernetesRedisCluster: shards: ")


def test_plain_refuses_an_output() -> None:
    with pytest.raises(InvalidInputs) as caught:
        plain({"a": [pulumi.Output.from_input("x")]}, ("labels",), "C")
    assert caught.value.errors == [
        (
            "labels.a[0]",
            "must be a plain value, not an output of another resource: it decides which "
            "resources are created",
        )
    ]
