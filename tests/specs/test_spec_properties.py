"""Property-based tests of the spec models: what they accept, what they refuse, and the
invariants of what they compute."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from components.specs import GatewaySpec, KafkaSpec, NetworkSpec, RouteSpec, ServiceSpec, TopicSpec
from components.specs.service import FARGATE_SIZES

fargate_size = st.sampled_from(sorted(FARGATE_SIZES)).flatmap(
    lambda cpu: st.tuples(st.just(cpu), st.sampled_from(list(FARGATE_SIZES[cpu])))
)


@given(size=fargate_size, counts=st.tuples(st.integers(0, 1000), st.integers(1, 1000)))
def test_service_accepts_every_fargate_size_and_ordered_counts(
    size: tuple[int, int], counts: tuple[int, int]
) -> None:
    cpu, memory = size
    low, high = sorted(counts)
    spec = ServiceSpec(
        name="api",
        image="ghcr.io/acme/api:1.2.3",
        cpu=cpu,
        memory=memory,
        min_count=low,
        max_count=max(high, 1),
    )
    assert spec.min_count <= spec.max_count


@given(cpu=st.sampled_from(sorted(FARGATE_SIZES)), memory=st.integers(128, 130_000))
def test_service_refuses_memory_that_does_not_fit_the_cpu(cpu: int, memory: int) -> None:
    if memory in FARGATE_SIZES[cpu]:
        return
    with pytest.raises(ValidationError, match="does not fit cpu"):
        ServiceSpec(name="api", image="ghcr.io/acme/api:1.2.3", cpu=cpu, memory=memory)


@given(low=st.integers(2, 1000), gap=st.integers(1, 500))
def test_service_refuses_min_above_max(low: int, gap: int) -> None:
    with pytest.raises(ValidationError, match="exceeds max_count"):
        ServiceSpec(
            name="api", image="ghcr.io/acme/api:1.2.3", min_count=low, max_count=max(low - gap, 1)
        )


@pytest.mark.parametrize(
    "image", ["nginx", "nginx:latest", "ghcr.io/acme/api:latest", "ghcr.io/acme/api@sha256:abc"]
)
def test_service_refuses_unpinned_images(image: str) -> None:
    with pytest.raises(ValidationError, match="pinned"):
        ServiceSpec(name="api", image=image)


@given(secret_word=st.sampled_from(["PASSWORD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY"]))
def test_service_refuses_secret_looking_environment(secret_word: str) -> None:
    with pytest.raises(ValidationError, match="looks like a secret"):
        ServiceSpec(name="api", image="a/b:1", environment={f"DB_{secret_word}": "x"})


@given(
    base=st.sampled_from(["10.0.0.0", "10.20.0.0", "172.16.0.0", "192.168.0.0"]),
    prefix=st.integers(16, 20),
    azs=st.integers(2, 6),
)
def test_network_subnets_are_disjoint_and_inside_the_vpc(base: str, prefix: int, azs: int) -> None:
    cidr = str(ipaddress.IPv4Network(f"{base}/{prefix}", strict=False))
    spec = NetworkSpec(cidr_block=cidr, az_count=azs)
    public, private = spec.subnet_cidrs()
    assert len(public) == len(private) == azs
    vpc = ipaddress.IPv4Network(cidr)
    nets = [ipaddress.IPv4Network(s) for s in public + private]
    assert all(n.subnet_of(vpc) for n in nets)
    for i, a in enumerate(nets):
        for b in nets[i + 1 :]:
            assert not a.overlaps(b)


@given(prefix=st.sampled_from([8, 12, 15, 21, 24, 28]))
def test_network_refuses_prefixes_outside_16_to_20(prefix: int) -> None:
    with pytest.raises(ValidationError, match="prefix length"):
        NetworkSpec(cidr_block=str(ipaddress.IPv4Network(f"10.0.0.0/{prefix}", strict=False)))


@given(rf=st.integers(1, 5), isr=st.integers(1, 5), hours=st.integers(1, 87600))
def test_topic_isr_never_exceeds_replication(rf: int, isr: int, hours: int) -> None:
    if isr > rf:
        with pytest.raises(ValidationError, match="cannot exceed"):
            TopicSpec(name="t", replication_factor=rf, min_insync_replicas=isr)
        return
    topic = TopicSpec(
        name="t", replication_factor=rf, min_insync_replicas=isr, retention_hours=hours
    )
    configs = topic.configs()
    assert configs["retention.ms"] == str(hours * 3_600_000)
    assert all(isinstance(v, str) for v in configs.values())


@given(brokers=st.integers(1, 5), rf=st.integers(1, 5))
def test_kafka_refuses_topics_replicated_beyond_the_brokers(brokers: int, rf: int) -> None:
    topic = TopicSpec(name="t", replication_factor=rf, min_insync_replicas=1)
    build = lambda: KafkaSpec(  # noqa: E731
        broker_count=brokers, default_replication_factor=1, min_insync_replicas=1, topics=(topic,)
    )
    if rf > brokers:
        with pytest.raises(ValidationError, match="exceeds broker_count"):
            build()
    else:
        assert build().topics[0].replication_factor == rf


def test_specs_are_frozen_and_strict() -> None:
    spec = NetworkSpec()
    with pytest.raises(ValidationError):
        spec.az_count = 3  # type: ignore[misc]  # frozen on purpose
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        NetworkSpec.model_validate({"az_count": 2, "azs": 3})


def test_gateway_domain_and_certificate_go_together() -> None:
    with pytest.raises(ValidationError, match="go together"):
        GatewaySpec(domain_name="api.example.com")
    with pytest.raises(ValidationError, match="duplicate route"):
        GatewaySpec(routes=(RouteSpec(path="/a", service="x"), RouteSpec(path="/a", service="y")))
