from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest

from blueprints.runtime import Plan, PlannedResource, run_function
from components.k8s.refs import K8sBinding, Peer, Route, SecretFile
from components.k8s.service import AutoscaledService, volume_name_for
from components.specs.service import ServiceSpec
from tests.components.k8s.fakes import CLUSTER

TOKEN = "blueprints:k8s:AutoscaledService"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
SERVICE = "kubernetes:core/v1:Service"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
SELECTOR = {"app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api"}
GATEWAY_PODS = {"gateway.envoyproxy.io/owning-gateway-name": "edge"}
ROUTE = Route(
    path_prefixes=["/api", "/v2/api"],
    gateway_name="edge",
    gateway_namespace="gateways",
    gateway_pod_labels=GATEWAY_PODS,
)
POSTGRES_PODS = {"cnpg.io/cluster": "orders-pg"}
REDIS_PODS = {"app": "orders-redis"}
BINDING = K8sBinding(
    environment={
        "ZETA": "last",
        "DB_HOST": pulumi.Output.from_input("orders-pg-rw.test.svc.cluster.local"),
        "ALPHA": "first",
    },
    secret_files=[
        SecretFile(env_name="DB_PASSWORD_FILE", secret_name="orders-pg-app", key="password"),
        SecretFile(env_name="DB_USER_FILE", secret_name="orders-pg-app", key="username"),
        SecretFile(env_name="REDIS_PASSWORD_FILE", secret_name="orders-redis", key="password"),
    ],
    peers=[
        Peer("postgres", pod_labels=POSTGRES_PODS, ports=[5432]),
        Peer("redis", pod_labels=REDIS_PODS, ports=[6379, 16379]),
    ],
    pod_labels={"blueprints.io/otel-client": "true", "orders-pg-client": "true"},
)
PG_MOUNT = "/var/run/secrets/blueprints/secret-orders-pg-app"
REDIS_MOUNT = "/var/run/secrets/blueprints/secret-orders-redis"


def spec(**overrides: Any) -> ServiceSpec:
    return ServiceSpec(
        **{
            "name": "api",
            "image": "registry.example.com/api:1.2.3",
            "min_count": 2,
            "max_count": 6,
            "environment": {"LOG_LEVEL": "info"},
            **overrides,
        }
    )


def build(
    service_spec: ServiceSpec | None = None,
    *,
    binding: K8sBinding = BINDING,
    route: Route | None = ROUTE,
) -> tuple[Plan, AutoscaledService]:
    made: list[AutoscaledService] = []

    def declare() -> None:
        made.append(
            AutoscaledService(
                "orders-api",
                service_spec or spec(),
                cluster=CLUSTER,
                binding=binding,
                route=route,
            )
        )

    plan = run_function(declare)
    return plan, made[0]


@pytest.fixture(scope="module")
def routed() -> Plan:
    return build()[0]


@pytest.fixture(scope="module")
def worker() -> Plan:
    return build(spec(min_count=0, max_count=1), binding=K8sBinding(), route=None)[0]


def one(plan: Plan, type_: str) -> PlannedResource:
    [resource] = plan.of_type(type_)
    return resource


def pod_spec(plan: Plan) -> dict[str, Any]:
    return one(plan, DEPLOYMENT).inputs["spec"]["template"]["spec"]


def container(plan: Plan) -> dict[str, Any]:
    [only] = pod_spec(plan)["containers"]
    return only


def test_routed_resource_set(routed: Plan) -> None:
    assert routed.counts_by_type() == {
        TOKEN: 1,
        DEPLOYMENT: 1,
        HPA: 1,
        PDB: 1,
        SERVICE: 1,
        SERVICE_ACCOUNT: 1,
        NETWORK_POLICY: 1,
        HTTP_ROUTE: 1,
    }


def test_worker_resource_set_has_no_route_and_no_budget(worker: Plan) -> None:
    assert worker.counts_by_type() == {
        TOKEN: 1,
        DEPLOYMENT: 1,
        HPA: 1,
        SERVICE: 1,
        SERVICE_ACCOUNT: 1,
        NETWORK_POLICY: 1,
    }


@pytest.mark.parametrize("plan_name", ["routed", "worker"])
def test_every_child_is_parented_named_and_labelled(plan_name: str, request: Any) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    component = plan.named("orders-api")
    assert component.type == TOKEN
    children = [r for r in plan.resources if r is not component]
    assert all(r.parent == component.urn for r in children)
    assert all(r.name.startswith("orders-api-") for r in children)
    for child in children:
        meta = child.inputs["metadata"]
        assert meta["name"] == "api"
        assert meta["namespace"] == "test"
        assert meta["labels"].items() >= {**CLUSTER.labels, **SELECTOR}.items()


def test_logical_names(routed: Plan) -> None:
    assert {r.name for r in routed.resources} == {
        "orders-api",
        "orders-api-service-account",
        "orders-api-deployment",
        "orders-api-service",
        "orders-api-hpa",
        "orders-api-pdb",
        "orders-api-network-policy",
        "orders-api-route",
    }


def test_service_account_never_mounts_a_token(routed: Plan) -> None:
    assert one(routed, SERVICE_ACCOUNT).inputs["automountServiceAccountToken"] is False
    pod = pod_spec(routed)
    assert pod["serviceAccountName"] == "api"
    assert pod["automountServiceAccountToken"] is False


def test_deployment_rolls_without_losing_capacity(routed: Plan) -> None:
    deployment = one(routed, DEPLOYMENT).inputs["spec"]
    assert deployment["replicas"] == 2
    assert deployment["selector"] == {"matchLabels": SELECTOR}
    assert deployment["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"},
    }
    assert pod_spec(routed)["terminationGracePeriodSeconds"] == 30


def test_pods_carry_stack_selector_and_binding_labels(routed: Plan) -> None:
    pod_labels = one(routed, DEPLOYMENT).inputs["spec"]["template"]["metadata"]["labels"]
    assert pod_labels == {
        **CLUSTER.labels,
        **SELECTOR,
        "app.kubernetes.io/component": "service",
        "blueprints.io/otel-client": "true",
        "orders-pg-client": "true",
    }


def test_pod_and_container_are_hardened(routed: Plan) -> None:
    assert pod_spec(routed)["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert container(routed)["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_container_image_port_and_no_command_by_default(routed: Plan) -> None:
    main = container(routed)
    assert main["name"] == "api"
    assert main["image"] == "registry.example.com/api:1.2.3"
    assert main["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert "command" not in main


def test_command_is_passed_through() -> None:
    plan, _ = build(spec(command=("/app", "serve")))
    assert container(plan)["command"] == ["/app", "serve"]


def test_requests_and_limits(routed: Plan) -> None:
    assert container(routed)["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"cpu": "500m", "memory": "512Mi"},
    }


def test_larger_size_resources() -> None:
    plan, _ = build(spec(cpu=1024, memory=4096))
    assert container(plan)["resources"] == {
        "requests": {"cpu": "1", "memory": "4Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }


def test_probes_on_the_health_check_path() -> None:
    plan, _ = build(spec(health_check_path="/ready"))
    main = container(plan)
    http_get = {"path": "/ready", "port": "http"}
    assert main["startupProbe"] == {
        "httpGet": http_get,
        "periodSeconds": 5,
        "failureThreshold": 30,
        "timeoutSeconds": 2,
    }
    assert main["readinessProbe"] == {
        "httpGet": http_get,
        "periodSeconds": 10,
        "failureThreshold": 3,
        "timeoutSeconds": 2,
    }
    assert main["livenessProbe"] == {
        "httpGet": http_get,
        "periodSeconds": 20,
        "failureThreshold": 3,
        "timeoutSeconds": 2,
    }


def test_environment_is_sorted_with_secret_file_paths(routed: Plan) -> None:
    assert container(routed)["env"] == [
        {"name": "ALPHA", "value": "first"},
        {"name": "DB_HOST", "value": "orders-pg-rw.test.svc.cluster.local"},
        {"name": "DB_PASSWORD_FILE", "value": f"{PG_MOUNT}/password"},
        {"name": "DB_USER_FILE", "value": f"{PG_MOUNT}/username"},
        {"name": "LOG_LEVEL", "value": "info"},
        {"name": "REDIS_PASSWORD_FILE", "value": f"{REDIS_MOUNT}/password"},
        {"name": "ZETA", "value": "last"},
    ]


def test_secrets_are_read_only_volumes_of_the_bound_keys(routed: Plan) -> None:
    assert pod_spec(routed)["volumes"] == [
        {"name": "tmp", "emptyDir": {}},
        {
            "name": "secret-orders-pg-app",
            "secret": {
                "secretName": "orders-pg-app",
                "defaultMode": 0o400,
                "items": [
                    {"key": "password", "path": "password"},
                    {"key": "username", "path": "username"},
                ],
            },
        },
        {
            "name": "secret-orders-redis",
            "secret": {
                "secretName": "orders-redis",
                "defaultMode": 0o400,
                "items": [{"key": "password", "path": "password"}],
            },
        },
    ]
    assert container(routed)["volumeMounts"] == [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "secret-orders-pg-app", "mountPath": PG_MOUNT, "readOnly": True},
        {"name": "secret-orders-redis", "mountPath": REDIS_MOUNT, "readOnly": True},
    ]


def test_no_secret_value_or_secret_reference_in_any_manifest(routed: Plan) -> None:
    text = json.dumps([r.inputs for r in routed.resources])
    assert "[secret]" not in text
    assert "valueFrom" not in text
    assert "secretKeyRef" not in text
    assert "envFrom" not in text


def test_secret_known_only_as_an_output_gets_its_own_volume() -> None:
    binding = K8sBinding(
        secret_files=[
            SecretFile(
                env_name="API_TOKEN_FILE",
                secret_name=pulumi.Output.from_input("generated-name"),
                key="token",
            )
        ]
    )
    plan, _ = build(binding=binding, route=None)
    [_, volume] = pod_spec(plan)["volumes"]
    assert volume["name"] == "secret-api-token-file"
    assert volume["secret"]["secretName"] == "generated-name"
    assert {
        "name": "API_TOKEN_FILE",
        "value": "/var/run/secrets/blueprints/secret-api-token-file/token",
    } in container(plan)["env"]


def test_long_secret_names_give_valid_volume_names() -> None:
    name = volume_name_for("a" * 70 + ".b")
    assert len(name) <= 63
    assert name == volume_name_for("a" * 70 + ".b")
    assert name != volume_name_for("a" * 70 + ".c")
    assert volume_name_for("orders.pg-app") == "secret-orders-pg-app"


def test_spread_across_zones_and_nodes(routed: Plan) -> None:
    assert pod_spec(routed)["topologySpreadConstraints"] == [
        {
            "topologyKey": key,
            "maxSkew": 1,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": SELECTOR},
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


def test_cluster_ip_service(routed: Plan) -> None:
    assert one(routed, SERVICE).inputs["spec"] == {
        "type": "ClusterIP",
        "selector": SELECTOR,
        "ports": [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}],
    }


def test_autoscaler_bounds_metrics_and_behaviour(routed: Plan) -> None:
    hpa = one(routed, HPA).inputs["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}
    assert hpa["minReplicas"] == 2
    assert hpa["maxReplicas"] == 6
    assert hpa["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": resource,
                "target": {"type": "Utilization", "averageUtilization": percent},
            },
        }
        for resource, percent in (("cpu", 60), ("memory", 75))
    ]
    assert hpa["behavior"] == {
        "scaleUp": {"stabilizationWindowSeconds": 0},
        "scaleDown": {"stabilizationWindowSeconds": 300},
    }


def test_zero_minimum_starts_at_zero_with_an_hpa_minimum_of_one(worker: Plan) -> None:
    assert one(worker, DEPLOYMENT).inputs["spec"]["replicas"] == 0
    hpa = one(worker, HPA).inputs["spec"]
    assert hpa["minReplicas"] == 1
    assert hpa["maxReplicas"] == 1


def test_disruption_budget_allows_one_pod_down(routed: Plan) -> None:
    budget = one(routed, PDB).inputs["spec"]
    assert budget == {"maxUnavailable": 1, "selector": {"matchLabels": SELECTOR}}


def test_network_policy_of_a_routed_service(routed: Plan) -> None:
    policy = one(routed, NETWORK_POLICY).inputs["spec"]
    assert policy["podSelector"] == {"matchLabels": SELECTOR}
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [
        {
            "from": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "gateways"}
                    },
                    "podSelector": {"matchLabels": GATEWAY_PODS},
                }
            ],
            "ports": [{"port": 8080, "protocol": "TCP"}],
        }
    ]
    assert policy["egress"] == [
        {
            "to": [{"podSelector": {"matchLabels": POSTGRES_PODS}}],
            "ports": [{"port": 5432, "protocol": "TCP"}],
        },
        {
            "to": [{"podSelector": {"matchLabels": REDIS_PODS}}],
            "ports": [{"port": 6379, "protocol": "TCP"}, {"port": 16379, "protocol": "TCP"}],
        },
        {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                    }
                }
            ],
            "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        },
        {
            "to": [
                {
                    "ipBlock": {
                        "cidr": "0.0.0.0/0",
                        "except": [
                            "10.0.0.0/8",
                            "172.16.0.0/12",
                            "192.168.0.0/16",
                            "169.254.0.0/16",
                        ],
                    }
                }
            ],
            "ports": [{"port": 443, "protocol": "TCP"}],
        },
    ]


def test_network_policy_of_a_worker_admits_nothing(worker: Plan) -> None:
    policy = one(worker, NETWORK_POLICY).inputs["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy.get("ingress") in (None, [])
    dns, internet = policy["egress"]
    assert [p["port"] for p in dns["ports"]] == [53, 53]
    assert [p["port"] for p in internet["ports"]] == [443]
    assert "10.0.0.0/8" in internet["to"][0]["ipBlock"]["except"]


def test_http_route_attaches_to_the_gateway(routed: Plan) -> None:
    route = one(routed, HTTP_ROUTE).inputs
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["kind"] == "HTTPRoute"
    assert route["spec"] == {
        "parentRefs": [{"name": "edge", "namespace": "gateways"}],
        "rules": [
            {
                "matches": [
                    {"path": {"type": "PathPrefix", "value": "/api"}},
                    {"path": {"type": "PathPrefix", "value": "/v2/api"}},
                ],
                "backendRefs": [{"name": "api", "port": 8080}],
            }
        ],
    }


def test_attributes() -> None:
    _, service = build()
    assert service.service_name == "api"
    assert service.dns_name == "api.test.svc.cluster.local"
    assert service.port == 8080
    assert isinstance(service.deployment, k8s.apps.v1.Deployment)
    assert isinstance(service.hpa, k8s.autoscaling.v2.HorizontalPodAutoscaler)


def test_hpa_owns_the_replica_count(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[pulumi.ResourceOptions] = []

    class SpyDeployment(k8s.apps.v1.Deployment):
        def __init__(self, *args: Any, opts: pulumi.ResourceOptions, **kwargs: Any) -> None:
            seen.append(opts)
            super().__init__(*args, opts=opts, **kwargs)

    monkeypatch.setattr(k8s.apps.v1, "Deployment", SpyDeployment)
    build()
    [opts] = seen
    assert opts.ignore_changes == ["spec.replicas"]


def test_environment_set_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        build(binding=K8sBinding(environment={"LOG_LEVEL": "debug"}))


def test_secret_file_shadowing_a_variable_is_refused() -> None:
    binding = K8sBinding(
        environment={"DB_PASSWORD_FILE": "/elsewhere"},
        secret_files=[SecretFile("DB_PASSWORD_FILE", "orders-pg-app", "password")],
    )
    with pytest.raises(ValueError, match="DB_PASSWORD_FILE"):
        build(binding=binding)


def test_secret_file_bound_twice_is_refused() -> None:
    file = SecretFile("DB_PASSWORD_FILE", "orders-pg-app", "password")
    with pytest.raises(ValueError, match="more than once"):
        build(binding=K8sBinding(secret_files=[file, file]))
