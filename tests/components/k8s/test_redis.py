from __future__ import annotations

from typing import Any

import pytest

from blueprints.runtime import Plan, PlannedResource, run_function
from components.k8s.redis import RedisCluster, image_for, leader_count, tls_dns_names
from components.k8s.refs import ClusterRef, Peer, SecretFile
from components.specs.redis import RedisSpec
from tests.components.k8s.fakes import CLUSTER

TOKEN = "blueprints:k8s:RedisCluster"
REDIS_CLUSTER = "kubernetes:redis.redis.opstreelabs.in/v1beta2:RedisCluster"
CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate"
SECRET = "kubernetes:core/v1:Secret"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
PASSWORD = "pulumi-python:dynamic:Resource"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
CLIENT_PODS = {"blueprints.io/client-orders-redis": "true"}
REDIS_PODS = {
    "matchLabels": {"redis_setup_type": "cluster"},
    "matchExpressions": [
        {"key": "app", "operator": "In", "values": ["orders-redis-leader", "orders-redis-follower"]}
    ],
}
HA_SPEC = RedisSpec(
    node_type="cache.r7g.large", shards=4, replicas_per_shard=2, multi_az=True, protect=True
)


def build(
    spec: RedisSpec, *, tls_issuer: str | None = None, cluster: ClusterRef = CLUSTER
) -> tuple[Plan, RedisCluster]:
    made: list[RedisCluster] = []
    plan = run_function(
        lambda: made.append(
            RedisCluster("orders-redis", spec, cluster=cluster, tls_issuer=tls_issuer)
        )
    )
    return plan, made[0]


@pytest.fixture(scope="module")
def ha() -> tuple[Plan, RedisCluster]:
    return build(HA_SPEC, tls_issuer="internal-ca")


@pytest.fixture(scope="module")
def dev() -> tuple[Plan, RedisCluster]:
    return build(RedisSpec())


def one(plan: Plan, type_: str) -> PlannedResource:
    [resource] = plan.of_type(type_)
    return resource


def redis_spec(plan: Plan) -> dict[str, Any]:
    return one(plan, REDIS_CLUSTER).inputs["spec"]


def test_ha_resource_set_is_parented_and_labelled(ha: tuple[Plan, RedisCluster]) -> None:
    plan, _ = ha
    assert plan.counts_by_type() == {
        TOKEN: 1,
        PASSWORD: 1,
        SECRET: 1,
        CONFIG_MAP: 1,
        CERTIFICATE: 1,
        REDIS_CLUSTER: 1,
        NETWORK_POLICY: 1,
    }
    component = plan.named("orders-redis")
    children = [r for r in plan.resources if r is not component]
    assert all(r.parent == component.urn for r in children)
    assert {r.name for r in children} == {
        "orders-redis-auth-token",
        "orders-redis-auth",
        "orders-redis-config",
        "orders-redis-tls",
        "orders-redis-cluster",
        "orders-redis-network-policy",
    }
    for child in children:
        if child.type != PASSWORD:
            assert child.inputs["metadata"]["namespace"] == "test"
            assert child.inputs["metadata"]["labels"].items() >= CLUSTER.labels.items()
    assert [r.name for r in plan.resources if r.protect] == ["orders-redis-cluster"]


def test_ha_cluster_manifest(ha: tuple[Plan, RedisCluster]) -> None:
    plan, component = ha
    resource = one(plan, REDIS_CLUSTER).inputs
    assert resource["apiVersion"] == "redis.redis.opstreelabs.in/v1beta2"
    assert resource["kind"] == "RedisCluster"
    assert resource["metadata"]["name"] == "orders-redis"
    spec = resource["spec"]
    assert spec["clusterSize"] == 4
    assert spec["clusterVersion"] == "v7"
    assert spec["persistenceEnabled"] is True
    assert spec["port"] == 6379
    assert spec["redisLeader"]["replicas"] == 4
    assert spec["redisFollower"]["replicas"] == 8
    assert (component.leaders, component.followers) == (4, 8)
    assert spec["kubernetesConfig"] == {
        "image": "quay.io/opstree/redis:v7.0.15",
        "imagePullPolicy": "IfNotPresent",
        "resources": {
            "requests": {"cpu": "2", "memory": "16Gi"},
            "limits": {"cpu": "2", "memory": "16Gi"},
        },
        "redisSecret": {"name": "orders-redis-auth", "key": "password"},
    }
    assert spec["storage"] == {
        "volumeClaimTemplate": {
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "32Gi"}},
            }
        },
        "nodeConfVolume": True,
        "nodeConfVolumeClaimTemplate": {
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            }
        },
    }
    assert "redisExporter" not in spec


@pytest.mark.parametrize("role", ["redisLeader", "redisFollower"])
def test_roles_hardened_spread_and_budgeted(ha: tuple[Plan, RedisCluster], role: str) -> None:
    plan, _ = ha
    spec = redis_spec(plan)[role]
    assert spec["redisConfig"] == {"additionalRedisConfig": "orders-redis-config"}
    assert spec["pdb"] == {"enabled": True, "maxUnavailable": 1}
    assert spec["resources"]["limits"] == {"cpu": "2", "memory": "16Gi"}
    assert spec["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "runAsGroup": 1000,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    [term] = spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"] == {
        "labelSelector": REDIS_PODS,
        "topologyKey": "kubernetes.io/hostname",
    }
    assert spec["topologySpreadConstraints"] == [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": REDIS_PODS,
        }
    ]


def test_pod_security_context(ha: tuple[Plan, RedisCluster]) -> None:
    plan, _ = ha
    assert redis_spec(plan)["podSecurityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "runAsGroup": 1000,
        "fsGroup": 1000,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_auth_secret_and_memory_cap(ha: tuple[Plan, RedisCluster]) -> None:
    plan, component = ha
    secret = one(plan, SECRET).inputs
    assert secret["metadata"]["name"] == "orders-redis-auth"
    assert secret["type"] == "Opaque"
    assert secret["stringData"] == "[secret]"
    password = one(plan, PASSWORD).inputs
    assert password["length"] == 64
    assert password["__provider"] == "[secret]"  # the pickled provider never shows
    config = one(plan, CONFIG_MAP).inputs
    assert config["metadata"]["name"] == "orders-redis-config"
    assert config["data"] == {
        "redis-additional.conf": "maxmemory 12288mb\nmaxmemory-policy volatile-lru\n"
    }
    assert component.auth_secret == "orders-redis-auth"


def test_tls_certificate_and_cluster_tls(ha: tuple[Plan, RedisCluster]) -> None:
    plan, component = ha
    assert component.tls is True
    certificate = one(plan, CERTIFICATE).inputs
    assert certificate["apiVersion"] == "cert-manager.io/v1"
    assert certificate["metadata"]["name"] == "orders-redis-tls"
    spec = certificate["spec"]
    assert spec["secretName"] == "orders-redis-tls"
    assert spec["issuerRef"] == {
        "name": "internal-ca",
        "kind": "ClusterIssuer",
        "group": "cert-manager.io",
    }
    assert spec["dnsNames"] == tls_dns_names("orders-redis", "test", 4, 8)
    assert spec["privateKey"] == {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"}
    assert redis_spec(plan)["TLS"] == {
        "ca": "ca.crt",
        "cert": "tls.crt",
        "key": "tls.key",
        "secret": {"secretName": "orders-redis-tls"},
    }


def test_tls_dns_names() -> None:
    assert tls_dns_names("c", "ns", 3, 0) == [
        "c-leader",
        "c-leader.ns.svc",
        "c-leader.ns.svc.cluster.local",
        "*.c-leader-headless.ns.svc.cluster.local",
        "c-leader-0",
        "c-leader-1",
        "c-leader-2",
        "c-follower",
        "c-follower.ns.svc",
        "c-follower.ns.svc.cluster.local",
        "*.c-follower-headless.ns.svc.cluster.local",
    ]


def test_network_policy(ha: tuple[Plan, RedisCluster]) -> None:
    plan, _ = ha
    policy = one(plan, NETWORK_POLICY).inputs
    assert policy["metadata"]["name"] == "orders-redis"
    assert policy["spec"] == {
        "podSelector": REDIS_PODS,
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [
                    {"podSelector": {"matchLabels": CLIENT_PODS}},
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "ot-operators"}
                        }
                    },
                ],
                "ports": [{"port": 6379, "protocol": "TCP"}],
            },
            {
                "from": [{"podSelector": REDIS_PODS}],
                "ports": [{"port": 6379, "protocol": "TCP"}, {"port": 16379, "protocol": "TCP"}],
            },
        ],
    }


def test_tls_binding(ha: tuple[Plan, RedisCluster]) -> None:
    _, component = ha
    binding = component.binding()
    assert binding.environment == {
        "REDIS_HOST": "orders-redis-leader.test.svc.cluster.local",
        "REDIS_PORT": "6379",
        "REDIS_TLS": "true",
        "REDIS_CLUSTER_MODE": "true",
    }
    assert list(binding.secret_files) == [
        SecretFile("REDIS_AUTH_TOKEN_FILE", "orders-redis-auth", "password"),
        SecretFile("REDIS_TLS_CA_FILE", "orders-redis-tls", "ca.crt"),
    ]
    assert list(binding.peers) == [
        Peer(
            "redis-leader",
            {"app": "orders-redis-leader", "redis_setup_type": "cluster", "role": "leader"},
            [6379],
        ),
        Peer(
            "redis-follower",
            {"app": "orders-redis-follower", "redis_setup_type": "cluster", "role": "follower"},
            [6379],
        ),
    ]
    assert binding.pod_labels == CLIENT_PODS


def test_dev_defaults_raised_to_three_leaders(dev: tuple[Plan, RedisCluster]) -> None:
    plan, component = dev
    assert plan.of_type(CERTIFICATE) == []
    assert all(not r.protect for r in plan.resources)
    spec = redis_spec(plan)
    assert spec["clusterSize"] == 3
    assert spec["redisLeader"]["replicas"] == 3
    assert spec["redisFollower"]["replicas"] == 3
    assert "TLS" not in spec
    spread = spec["redisLeader"]["topologySpreadConstraints"][0]
    assert spread["whenUnsatisfiable"] == "ScheduleAnyway"
    assert spec["kubernetesConfig"]["resources"]["limits"] == {"cpu": "2", "memory": "2Gi"}
    assert component.host == "orders-redis-leader.test.svc.cluster.local"
    assert component.port == 6379
    binding = component.binding()
    assert binding.environment["REDIS_TLS"] == "false"
    assert list(binding.secret_files) == [
        SecretFile("REDIS_AUTH_TOKEN_FILE", "orders-redis-auth", "password")
    ]


def test_no_followers_without_replicas() -> None:
    plan, component = build(RedisSpec(shards=3, replicas_per_shard=0))
    follower = redis_spec(plan)["redisFollower"]
    assert follower["replicas"] == 0
    assert follower["pdb"] == {"enabled": False, "maxUnavailable": 1}
    assert component.followers == 0


def test_storage_class_from_cluster() -> None:
    cluster = ClusterRef(namespace="test", labels=CLUSTER.labels, storage_class="gp3")
    plan, _ = build(RedisSpec(), cluster=cluster)
    storage = redis_spec(plan)["storage"]
    assert storage["volumeClaimTemplate"]["spec"]["storageClassName"] == "gp3"
    assert storage["nodeConfVolumeClaimTemplate"]["spec"]["storageClassName"] == "gp3"


@pytest.mark.parametrize(("shards", "expected"), [(1, 3), (2, 3), (3, 3), (7, 7)])
def test_leader_count(shards: int, expected: int) -> None:
    assert leader_count(RedisSpec(shards=shards)) == expected


def test_unsupported_engines_fail_clearly() -> None:
    with pytest.raises(ValueError, match="engine 'valkey' is not available on Kubernetes"):
        image_for(RedisSpec(engine="valkey"))
    # Versions ElastiCache does not offer are refused by the spec, on both targets.
    with pytest.raises(ValueError, match=r"redis 6\.2 is not offered here: redis 7\.0, 7\.1"):
        RedisSpec(engine_version="6.2")
