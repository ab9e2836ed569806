from __future__ import annotations

from typing import Any

import pytest

from blueprints.runtime import Plan, PlannedResource, run_function
from components.k8s.postgres import PostgresCluster, image_for
from components.k8s.refs import ClusterRef, Peer, SecretFile
from components.specs.postgres import PostgresSpec
from tests.components.k8s.fakes import CLUSTER

TOKEN = "blueprints:k8s:PostgresCluster"
CNPG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster"
POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler"
SECRET = "kubernetes:core/v1:Secret"
PASSWORD = "pulumi-python:dynamic:Resource"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
INSTANCE_PODS = {"cnpg.io/cluster": "orders-pg", "cnpg.io/podRole": "instance"}
POOLER_PODS = {"cnpg.io/poolerName": "orders-pg-pooler-rw"}
CLIENT_PODS = {"blueprints.io/client-orders-pg": "true"}
HA_SPEC = PostgresSpec(
    database_name="orders",
    instance_class="db.r7g.large",
    read_replicas=2,
    multi_az=True,
    allocated_storage_gb=100,
    deletion_protection=True,
)


def build(spec: PostgresSpec, cluster: ClusterRef = CLUSTER) -> tuple[Plan, PostgresCluster]:
    made: list[PostgresCluster] = []
    plan = run_function(lambda: made.append(PostgresCluster("orders-pg", spec, cluster=cluster)))
    return plan, made[0]


@pytest.fixture(scope="module")
def ha() -> tuple[Plan, PostgresCluster]:
    return build(HA_SPEC)


@pytest.fixture(scope="module")
def dev() -> tuple[Plan, PostgresCluster]:
    return build(PostgresSpec())


def one(plan: Plan, type_: str) -> PlannedResource:
    [resource] = plan.of_type(type_)
    return resource


def cluster_spec(plan: Plan) -> dict[str, Any]:
    return one(plan, CNPG_CLUSTER).inputs["spec"]


def test_ha_resource_set_is_parented_and_labelled(ha: tuple[Plan, PostgresCluster]) -> None:
    plan, _ = ha
    assert plan.counts_by_type() == {
        TOKEN: 1,
        PASSWORD: 1,
        SECRET: 1,
        CNPG_CLUSTER: 1,
        POOLER: 1,
        PDB: 1,
        NETWORK_POLICY: 2,
    }
    component = plan.named("orders-pg")
    children = [r for r in plan.resources if r is not component]
    assert all(r.parent == component.urn for r in children)
    assert {r.name for r in children} == {
        "orders-pg-readonly-password",
        "orders-pg-readonly-secret",
        "orders-pg-cluster",
        "orders-pg-pooler",
        "orders-pg-pooler-pdb",
        "orders-pg-network-policy",
        "orders-pg-pooler-network-policy",
    }
    for child in children:
        if child.type != PASSWORD:
            assert child.inputs["metadata"]["namespace"] == "test"
            assert child.inputs["metadata"]["labels"].items() >= CLUSTER.labels.items()


def test_only_the_cluster_is_protected(ha: tuple[Plan, PostgresCluster]) -> None:
    plan, _ = ha
    assert [r.name for r in plan.resources if r.protect] == ["orders-pg-cluster"]


def test_ha_cluster_manifest(ha: tuple[Plan, PostgresCluster]) -> None:
    plan, _ = ha
    resource = one(plan, CNPG_CLUSTER).inputs
    assert resource["apiVersion"] == "postgresql.cnpg.io/v1"
    assert resource["kind"] == "Cluster"
    assert resource["metadata"]["name"] == "orders-pg"
    spec = resource["spec"]
    assert spec["instances"] == 3
    assert spec["imageName"] == "ghcr.io/cloudnative-pg/postgresql:16.13-standard-trixie"
    assert spec["bootstrap"] == {
        "initdb": {"database": "orders", "owner": "app", "dataChecksums": True}
    }
    assert spec["storage"] == {"size": "100Gi", "resizeInUseVolumes": True}
    assert spec["walStorage"] == {"size": "25Gi", "resizeInUseVolumes": True}
    assert spec["primaryUpdateStrategy"] == "unsupervised"
    assert spec["primaryUpdateMethod"] == "switchover"
    assert spec["enablePDB"] is True
    assert spec["affinity"] == {
        "enablePodAntiAffinity": True,
        "topologyKey": "topology.kubernetes.io/zone",
        "podAntiAffinityType": "preferred",
    }
    assert spec["inheritedMetadata"] == {
        "labels": {"environment": "test", "owner": "team-test", "cost-center": "cc-0"}
    }
    assert "backup" not in spec
    assert "monitoring" not in spec


def test_guaranteed_resources_from_instance_class(ha: tuple[Plan, PostgresCluster]) -> None:
    plan, _ = ha
    spec = cluster_spec(plan)
    assert spec["resources"] == {
        "requests": {"cpu": "2", "memory": "16Gi"},
        "limits": {"cpu": "2", "memory": "16Gi"},
    }
    assert spec["postgresql"]["parameters"]["shared_buffers"] == "4096MB"
    assert spec["postgresql"]["parameters"]["effective_cache_size"] == "12288MB"


def test_tls_enforced_and_statements_logged(ha: tuple[Plan, PostgresCluster]) -> None:
    plan, _ = ha
    postgresql = cluster_spec(plan)["postgresql"]
    assert postgresql["pg_hba"] == ["hostnossl all all all reject"]
    parameters = postgresql["parameters"]
    assert parameters["ssl_min_protocol_version"] == "TLSv1.3"
    assert parameters["log_min_duration_statement"] == "500"
    assert parameters["log_connections"] == "on"
    assert parameters["log_disconnections"] == "on"


def test_multi_az_is_synchronous_replication(ha: tuple[Plan, PostgresCluster]) -> None:
    plan, _ = ha
    assert cluster_spec(plan)["postgresql"]["synchronous"] == {
        "method": "any",
        "number": 1,
        "dataDurability": "preferred",
    }
    assert "minSyncReplicas" not in cluster_spec(plan)


def test_read_only_role_and_its_secret(ha: tuple[Plan, PostgresCluster]) -> None:
    plan, _ = ha
    assert cluster_spec(plan)["managed"] == {
        "roles": [
            {
                "name": "app_readonly",
                "ensure": "present",
                "comment": "Read-only services (blueprints)",
                "login": True,
                "inherit": True,
                "inRoles": ["pg_read_all_data"],
                "passwordSecret": {"name": "orders-pg-readonly"},
            }
        ]
    }
    secret = one(plan, SECRET).inputs
    assert secret["metadata"]["name"] == "orders-pg-readonly"
    assert secret["metadata"]["labels"]["cnpg.io/reload"] == "true"
    assert secret["type"] == "kubernetes.io/basic-auth"
    assert secret["stringData"] == "[secret]"
    password = one(plan, PASSWORD).inputs
    assert password["length"] == 32
    assert password["__provider"] == "[secret]"  # the pickled provider never shows


def test_pooler(ha: tuple[Plan, PostgresCluster]) -> None:
    plan, _ = ha
    pooler = one(plan, POOLER).inputs
    assert pooler["apiVersion"] == "postgresql.cnpg.io/v1"
    assert pooler["kind"] == "Pooler"
    assert pooler["metadata"]["name"] == "orders-pg-pooler-rw"
    spec = pooler["spec"]
    assert spec["cluster"] == {"name": "orders-pg"}
    assert spec["instances"] == 2
    assert spec["type"] == "rw"
    assert spec["pgbouncer"]["poolMode"] == "transaction"
    [container] = spec["template"]["spec"]["containers"]
    assert container["name"] == "pgbouncer"
    assert container["resources"]["limits"] == {"cpu": "500m", "memory": "256Mi"}
    pdb = one(plan, PDB).inputs["spec"]
    assert pdb == {"maxUnavailable": 1, "selector": {"matchLabels": POOLER_PODS}}


def test_instances_network_policy(ha: tuple[Plan, PostgresCluster]) -> None:
    plan, _ = ha
    policy = plan.named("orders-pg-network-policy").inputs
    assert policy["metadata"]["name"] == "orders-pg"
    spec = policy["spec"]
    assert spec["podSelector"] == {"matchLabels": INSTANCE_PODS}
    assert spec["policyTypes"] == ["Ingress"]
    clients, internal = spec["ingress"]
    assert clients == {
        "from": [
            {"podSelector": {"matchLabels": CLIENT_PODS}},
            {"podSelector": {"matchLabels": POOLER_PODS}},
        ],
        "ports": [{"port": 5432, "protocol": "TCP"}],
    }
    assert internal == {
        "from": [
            {"podSelector": {"matchLabels": INSTANCE_PODS}},
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": "cnpg-system"}
                },
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "cloudnative-pg"}},
            },
        ],
        "ports": [{"port": 5432, "protocol": "TCP"}, {"port": 8000, "protocol": "TCP"}],
    }


def test_pooler_network_policy_admits_clients_only(ha: tuple[Plan, PostgresCluster]) -> None:
    plan, _ = ha
    policy = plan.named("orders-pg-pooler-network-policy").inputs
    assert policy["metadata"]["name"] == "orders-pg-pooler-rw"
    assert policy["spec"] == {
        "podSelector": {"matchLabels": POOLER_PODS},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [{"podSelector": {"matchLabels": CLIENT_PODS}}],
                "ports": [{"port": 5432, "protocol": "TCP"}],
            }
        ],
    }


def test_dev_single_instance(dev: tuple[Plan, PostgresCluster]) -> None:
    plan, component = dev
    assert component.instances == 1
    spec = cluster_spec(plan)
    assert spec["instances"] == 1
    assert spec["enablePDB"] is False
    assert "affinity" not in spec
    assert "synchronous" not in spec["postgresql"]
    assert spec["walStorage"] == {"size": "12Gi", "resizeInUseVolumes": True}
    assert spec["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    assert one(plan, POOLER).inputs["spec"]["instances"] == 1
    assert plan.of_type(PDB) == []
    assert all(not r.protect for r in plan.resources)
    assert component.reader_service == "orders-pg-r"
    reader = "orders-pg-r.test.svc.cluster.local"
    assert component.binding(read_only=True).environment["DATABASE_HOST"] == reader
    assert component.binding().environment["DATABASE_READER_HOSTS"] == reader


def test_storage_class_from_cluster() -> None:
    cluster = ClusterRef(namespace="test", labels=CLUSTER.labels, storage_class="gp3")
    plan, _ = build(PostgresSpec(allocated_storage_gb=20), cluster)
    spec = cluster_spec(plan)
    assert spec["storage"]["storageClass"] == "gp3"
    assert spec["walStorage"] == {
        "size": "10Gi",
        "resizeInUseVolumes": True,
        "storageClass": "gp3",
    }


def test_outputs(ha: tuple[Plan, PostgresCluster]) -> None:
    _, component = ha
    assert component.rw_service == "orders-pg-rw"
    assert component.ro_service == "orders-pg-ro"
    assert component.pooler_service == "orders-pg-pooler-rw"
    assert component.app_secret == "orders-pg-app"
    assert component.read_only_secret == "orders-pg-readonly"
    assert component.reader_service == "orders-pg-ro"
    assert component.port == 5432
    assert component.database_name == "orders"


PEERS = [
    Peer("postgres", {"cnpg.io/cluster": "orders-pg"}, [5432]),
    Peer("postgres-pooler", POOLER_PODS, [5432]),
]


def test_read_write_binding(ha: tuple[Plan, PostgresCluster]) -> None:
    _, component = ha
    binding = component.binding()
    assert binding.environment == {
        "DATABASE_HOST": "orders-pg-pooler-rw.test.svc.cluster.local",
        "DATABASE_READER_HOSTS": "orders-pg-ro.test.svc.cluster.local",
        "DATABASE_PORT": "5432",
        "DATABASE_NAME": "orders",
        "PGSSLMODE": "require",
    }
    assert list(binding.secret_files) == [
        SecretFile("DATABASE_USERNAME_FILE", "orders-pg-app", "username"),
        SecretFile("DATABASE_PASSWORD_FILE", "orders-pg-app", "password"),
    ]
    assert list(binding.peers) == PEERS
    assert binding.pod_labels == CLIENT_PODS


def test_read_only_binding(ha: tuple[Plan, PostgresCluster]) -> None:
    _, component = ha
    binding = component.binding(read_only=True)
    assert binding.environment["DATABASE_HOST"] == "orders-pg-ro.test.svc.cluster.local"
    assert list(binding.secret_files) == [
        SecretFile("DATABASE_USERNAME_FILE", "orders-pg-readonly", "username"),
        SecretFile("DATABASE_PASSWORD_FILE", "orders-pg-readonly", "password"),
    ]
    assert list(binding.peers) == PEERS
    assert binding.pod_labels == CLIENT_PODS


@pytest.mark.parametrize(
    ("replicas", "multi_az", "expected"),
    [(0, False, 1), (0, True, 2), (1, True, 2), (3, False, 4), (2, True, 3)],
)
def test_instance_count(replicas: int, multi_az: bool, expected: int) -> None:
    spec = PostgresSpec(read_replicas=replicas, multi_az=multi_az)
    assert spec.instance_count == expected


def test_image_pinned_per_major() -> None:
    assert image_for("17") == "ghcr.io/cloudnative-pg/postgresql:17.9-standard-trixie"
    assert image_for("16.4") == "ghcr.io/cloudnative-pg/postgresql:16.13-standard-trixie"
    with pytest.raises(ValueError, match="supported majors are 14, 15, 16, 17, 18"):
        image_for("13")
