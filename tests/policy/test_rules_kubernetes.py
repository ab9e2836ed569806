"""Kubernetes rules (BP2xx): a violating and a compliant case for every rule on hand-made
manifests, the selector/replica helpers, and no mandatory finding on any built-in stack on the
kubernetes target."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from blueprints.policy.engine import evaluate
from blueprints.policy.model import Finding, Resource, Rule, StackView
from blueprints.policy.rules import kubernetes as k
from tests.policy.builtin_plans import STACKS, builtin_view

RULES: dict[str, Rule] = {rule.id: rule for rule in k.RULES}
NS = "shop-prod"
STACK_URN = "urn:pulumi:shop-prod::blueprints::pulumi:pulumi:Stack::blueprints-shop-prod"
LABELS = {
    "owner": "team",
    "environment": "prod",
    "cost-center": "cc-1",
    "blueprint": "shop",
}
SELECTOR = {"app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api"}
SECURE = {
    "allowPrivilegeEscalation": False,
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
PROBE = {"httpGet": {"path": "/healthz", "port": "http"}}
RESOURCES = {
    "requests": {"cpu": "500m", "memory": "512Mi"},
    "limits": {"cpu": "1", "memory": "512Mi"},
}


def res(type_: str, name: str, props: dict[str, Any]) -> Resource:
    return Resource(
        urn=f"urn:pulumi:shop-prod::blueprints::{type_}::{name}",
        type=type_,
        name=name,
        parent=STACK_URN,
        props=props,
    )


def manifest(type_: str, name: str, spec: dict[str, Any] | None = None, **extra: Any) -> Resource:
    api_version, kind = type_.removeprefix("kubernetes:").rsplit(":", 1)
    props: dict[str, Any] = {
        "apiVersion": api_version.removeprefix("core/"),
        "kind": kind,
        "metadata": {"name": name, "namespace": NS, "labels": {**LABELS, **SELECTOR}},
        **extra,
    }
    if spec is not None:
        props["spec"] = spec
    return res(type_, f"{name}-{kind.lower()}", props)


def container(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "api",
        "image": "ghcr.io/acme/api:1.2.3@sha256:" + "a" * 64,
        "env": [{"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel:4317"}],
        "resources": copy.deepcopy(RESOURCES),
        "livenessProbe": PROBE,
        "readinessProbe": PROBE,
        "securityContext": copy.deepcopy(SECURE),
        **overrides,
    }


def pod_spec(**overrides: Any) -> dict[str, Any]:
    return {
        "serviceAccountName": "api",
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "topologySpreadConstraints": [
            {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "labelSelector": {}}
        ],
        "containers": [container()],
        **overrides,
    }


def deployment(
    name: str = "api", replicas: int = 3, type_: str = k.DEPLOYMENT, **pod: Any
) -> Resource:
    return manifest(
        type_,
        name,
        {
            "replicas": float(replicas),
            "selector": {"matchLabels": dict(SELECTOR)},
            "template": {
                "metadata": {"labels": {**LABELS, **SELECTOR, "tier": "web"}},
                "spec": pod_spec(**pod),
            },
        },
    )


def hpa(target: str = "api", low: int = 3, high: int = 12, kind: str = "Deployment") -> Resource:
    return manifest(
        k.HPAS[0],
        target,
        {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": target},
            "minReplicas": float(low),
            "maxReplicas": float(high),
        },
    )


def pdb(selector: Any = None, **spec: Any) -> Resource:
    chosen = {"matchLabels": dict(SELECTOR)} if selector is None else selector
    return manifest(k.PDBS[0], "api", {"selector": chosen, **(spec or {"maxUnavailable": 1})})


def network_policy(name: str = "api", selector: Any = None) -> Resource:
    chosen = {"matchLabels": dict(SELECTOR)} if selector is None else selector
    return manifest(
        k.NETWORK_POLICY, name, {"podSelector": chosen, "policyTypes": ["Ingress", "Egress"]}
    )


def service_account(name: str = "api", automount: bool | None = False) -> Resource:
    extra: dict[str, Any] = {} if automount is None else {"automountServiceAccountToken": automount}
    return manifest(k.SERVICE_ACCOUNT, name, None, **extra)


def otel(**spec: Any) -> Resource:
    base = {
        "mode": "deployment",
        "image": "otel/opentelemetry-collector-contrib:0.160.0@sha256:" + "c" * 64,
        "replicas": 3.0,
        "autoscaler": {"minReplicas": 3.0, "maxReplicas": 12.0},
        "resources": copy.deepcopy(RESOURCES),
        "serviceAccount": "otel-collector",
        "podSecurityContext": {"runAsNonRoot": True, "runAsUser": 10001.0},
        "securityContext": copy.deepcopy(SECURE),
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname"}],
    }
    return manifest(k.OTEL_COLLECTORS[0], "otel", {**base, **spec})


def otel_network_policy() -> Resource:
    selector = {
        "matchLabels": {
            "app.kubernetes.io/component": "opentelemetry-collector",
            "app.kubernetes.io/instance": f"{NS}.otel",
        }
    }
    return network_policy("otel", selector)


def cnpg(**spec: Any) -> Resource:
    base = {
        "instances": 3.0,
        "enablePDB": True,
        "resources": copy.deepcopy(RESOURCES),
        "affinity": {"enablePodAntiAffinity": True},
    }
    return manifest(k.CNPG_CLUSTER, "db", {**base, **spec})


def pooler(**spec: Any) -> Resource:
    base = {
        "cluster": {"name": "db"},
        "instances": 2.0,
        "template": {"spec": {"containers": [{"name": "pgbouncer", "resources": RESOURCES}]}},
    }
    return manifest(k.CNPG_POOLER, "db-pooler-rw", {**base, **spec})


def kafka(**config: Any) -> Resource:
    base = {"default.replication.factor": 3.0, "min.insync.replicas": 2.0}
    return manifest(k.KAFKAS[0], "events", {"kafka": {"config": {**base, **config}}})


def node_pool(replicas: int = 3, **spec: Any) -> Resource:
    base = {
        "replicas": float(replicas),
        "roles": ["broker"],
        "resources": copy.deepcopy(RESOURCES),
        "template": {"pod": {"topologySpreadConstraints": [{"maxSkew": 1}]}},
    }
    return manifest(k.KAFKA_NODE_POOLS[0], "brokers", {**base, **spec})


def topic(spec: dict[str, Any] | None = None) -> Resource:
    resource = manifest(
        k.KAFKA_TOPICS[0],
        "orders",
        spec if spec is not None else {"replicas": 3.0, "config": {"min.insync.replicas": "2"}},
    )
    resource.props["metadata"]["labels"]["strimzi.io/cluster"] = "events"
    return resource


def redis(**spec: Any) -> Resource:
    role = {
        "pdb": {"enabled": True, "maxUnavailable": 1},
        "topologySpreadConstraints": [{"maxSkew": 1}],
    }
    base = {
        "clusterSize": 3.0,
        "kubernetesConfig": {"image": "quay.io/opstree/redis:v7.0.15", "resources": RESOURCES},
        "redisLeader": copy.deepcopy(role),
        "redisFollower": {**copy.deepcopy(role), "replicas": 3.0},
    }
    return manifest(k.REDIS_CLUSTER, "cache", {**base, **spec})


def datastore_policies() -> list[Resource]:
    return [
        network_policy("db", {"matchLabels": {"cnpg.io/cluster": "db"}}),
        network_policy("pooler", {"matchLabels": {"cnpg.io/poolerName": "db-pooler-rw"}}),
        network_policy(
            "cache",
            {
                "matchLabels": {"redis_setup_type": "cluster"},
                "matchExpressions": [
                    {"key": "app", "operator": "In", "values": ["cache-leader", "cache-follower"]}
                ],
            },
        ),
    ]


def compliant() -> list[Resource]:
    """A prod stack every Kubernetes rule accepts."""
    return [
        deployment(),
        hpa(),
        pdb(),
        network_policy(),
        service_account(),
        otel(),
        otel_network_policy(),
        service_account("otel-collector"),
        cnpg(),
        pooler(),
        kafka(),
        node_pool(),
        topic(),
        redis(),
        *datastore_policies(),
    ]


def view(resources: list[Resource], environment: str = "prod") -> StackView:
    return StackView(
        stack=f"shop-{environment}", environment=environment, resources=tuple(resources)
    )


def findings(rule_id: str, resources: list[Resource], environment: str = "prod") -> list[Finding]:
    return evaluate(view(resources, environment), [RULES[rule_id]])


def replace(resources: list[Resource], old_type: str, new: Resource | None) -> list[Resource]:
    out = [r for r in resources if r.type != old_type]
    return [*out, new] if new is not None else out


def without(resources: list[Resource], type_: str) -> list[Resource]:
    return [r for r in resources if r.type != type_]


def with_deployment(**pod: Any) -> Callable[[list[Resource]], list[Resource]]:
    return lambda rs: replace(rs, k.DEPLOYMENT, deployment(**pod))


def with_container(**overrides: Any) -> Callable[[list[Resource]], list[Resource]]:
    return with_deployment(containers=[container(**overrides)])


def with_security(**overrides: Any) -> Callable[[list[Resource]], list[Resource]]:
    return with_container(securityContext={**SECURE, **overrides})


VIOLATIONS: dict[str, Callable[[list[Resource]], list[Resource]]] = {
    "BP200": with_container(livenessProbe=None),
    "BP201": with_container(readinessProbe=None),
    "BP202": with_container(resources={"limits": RESOURCES["limits"]}),
    "BP203": with_container(resources={"requests": RESOURCES["requests"]}),
    "BP204": with_container(image="nginx:latest"),
    "BP205": with_container(image="ghcr.io/acme/api:1.2.3"),
    "BP206": with_security(privileged=True),
    "BP207": with_deployment(hostNetwork=True),
    "BP208": with_security(allowPrivilegeEscalation=None),
    "BP209": lambda rs: [*rs, res(k.CONFIG_MAP, "loose", {"kind": "ConfigMap", "metadata": {}})],
    "BP210": with_security(readOnlyRootFilesystem=False),
    "BP211": lambda rs: replace(
        rs,
        k.DEPLOYMENT,
        deployment(
            securityContext={},
            containers=[
                container(securityContext={**SECURE, "runAsNonRoot": None, "runAsUser": 0})
            ],
        ),
    ),
    "BP212": with_security(runAsUser=1000),
    "BP213": with_security(capabilities={"drop": ["ALL"], "add": ["NET_RAW"]}),
    "BP214": with_security(seccompProfile={"type": "Unconfined"}),
    "BP215": lambda rs: replace(
        replace(rs, k.DEPLOYMENT, deployment(automountServiceAccountToken=None)),
        k.SERVICE_ACCOUNT,
        service_account(automount=None),
    ),
    "BP216": with_container(
        env=[
            {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel:4317"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
        ]
    ),
    "BP217": lambda rs: [
        r for r in rs if not (r.type == k.NETWORK_POLICY and r.name == "api-networkpolicy")
    ],
    "BP218": lambda rs: without(rs, k.PDBS[0]),
    "BP219": lambda rs: replace(rs, k.PDBS[0], pdb(minAvailable=3)),
    "BP220": lambda rs: replace(rs, k.HPAS[0], hpa(low=2, high=2)),
    "BP221": with_deployment(topologySpreadConstraints=None),
    "BP230": lambda rs: replace(rs, k.CNPG_CLUSTER, cnpg(instances=1.0)),
    "BP231": lambda rs: replace(rs, k.CNPG_CLUSTER, cnpg(enablePDB=False)),
    "BP232": lambda rs: replace(rs, k.KAFKA_NODE_POOLS[0], node_pool(replicas=2)),
    "BP233": lambda rs: replace(rs, k.KAFKAS[0], kafka(**{"min.insync.replicas": "1"})),
    "BP234": lambda rs: replace(rs, k.KAFKA_TOPICS[0], topic({"replicas": 2.0})),
    "BP235": lambda rs: replace(rs, k.REDIS_CLUSTER, redis(clusterSize=2.0)),
    "BP236": lambda rs: replace(rs, k.OTEL_COLLECTORS[0], otel(autoscaler=None, replicas=1.0)),
}


def test_every_rule_has_a_violating_case() -> None:
    assert set(VIOLATIONS) == set(RULES)


def test_rules_are_well_formed() -> None:
    for rule in k.RULES:
        assert rule.id.startswith("BP2") and 200 <= int(rule.id[2:]) <= 299
        assert rule.name == rule.name.lower() and " " not in rule.name
        assert rule.description and rule.remediation and rule.references
        assert (rule.check is None) != (rule.stack_check is None)
        assert set(rule.enforcement) == {"dev", "staging", "prod"}
    assert len({r.id for r in k.RULES}) == len(k.RULES)
    assert len({r.name for r in k.RULES}) == len(k.RULES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_compliant_stack(rule_id: str) -> None:
    assert findings(rule_id, compliant()) == []


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_violation(rule_id: str) -> None:
    found = findings(rule_id, VIOLATIONS[rule_id](compliant()))
    assert found, rule_id
    assert all(f.rule.id == rule_id and f.message for f in found)


# --- Details -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("nginx", False),
        ("nginx:latest", False),
        ("registry:5000/team/app", False),
        ("registry:5000/team/app:1.0", True),
        ("app@sha256:" + "b" * 64, True),
        ("", False),
        (None, False),
        (k.UNKNOWN, True),
    ],
)
def test_image_pinning(image: Any, pinned: bool) -> None:
    assert (k.image_problem(image) is None) == pinned


@pytest.mark.parametrize(
    ("selector", "selected"),
    [
        ({}, True),
        (None, True),
        ({"matchLabels": {"app": "a"}}, True),
        ({"matchLabels": {"app": "b"}}, False),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "c"]}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "Bogus"}]}, False),
    ],
)
def test_selectors(selector: Any, selected: bool) -> None:
    assert k.selects(selector, {"app": "a"}) == selected


def test_network_policy_in_another_namespace_does_not_count() -> None:
    other = network_policy()
    other.props["metadata"]["namespace"] = "elsewhere"
    resources = [deployment(), other]
    assert findings("BP217", resources)
    assert findings("BP217", [deployment(), network_policy(selector={})]) == []


def test_disruption_budget_follows_the_autoscaler_minimum() -> None:
    # One replica declared, but the HPA keeps 2: a PDB is needed.
    assert findings("BP218", [deployment(replicas=1), hpa(low=2)])
    # Three replicas declared, but the HPA may go down to 1: no PDB needed.
    assert findings("BP218", [deployment(replicas=3), hpa(low=1)]) == []
    assert findings("BP218", [deployment(replicas=1)]) == []
    # A PDB selecting other pods does not count.
    assert findings("BP218", [deployment(), pdb({"matchLabels": {"app": "other"}})])


def test_disruption_budget_only_in_prod() -> None:
    resources = [deployment(), hpa()]
    assert findings("BP218", resources, "dev") == []
    (staging,) = findings("BP218", resources, "staging")
    assert staging.enforcement == "advisory"
    (prod,) = findings("BP218", resources, "prod")
    assert prod.mandatory


@pytest.mark.parametrize(
    ("spec", "blocks"),
    [
        ({"maxUnavailable": 1}, False),
        ({"maxUnavailable": 0}, True),
        ({"maxUnavailable": "0%"}, True),
        ({"maxUnavailable": "25%"}, False),
        ({"minAvailable": "100%"}, True),
        ({"minAvailable": 2}, False),
        ({"minAvailable": 3}, True),
        ({"minAvailable": "50%"}, False),
    ],
)
def test_disruption_budget_allows_eviction(spec: dict[str, Any], blocks: bool) -> None:
    assert bool(findings("BP219", [deployment(replicas=3), pdb(**spec)])) == blocks


def test_autoscaler_must_exist_and_scale() -> None:
    assert findings("BP220", [deployment()])
    assert findings("BP220", [deployment(), hpa(low=1, high=4)])
    assert findings("BP220", [deployment(), hpa(kind="StatefulSet")])
    assert findings("BP220", [deployment(), hpa()]) == []
    assert findings("BP220", [deployment()], "dev") == []


def test_run_as_non_root_reads_pod_and_container() -> None:
    pod_only = deployment(
        containers=[container(securityContext={**SECURE, "runAsNonRoot": None, "runAsUser": None})]
    )
    assert findings("BP211", [pod_only]) == []
    overridden = deployment(
        containers=[container(securityContext={**SECURE, "runAsNonRoot": False, "runAsUser": 0})]
    )
    assert findings("BP211", [overridden])


def test_service_account_token_off_on_the_account_is_enough() -> None:
    pod = deployment(automountServiceAccountToken=None)
    assert findings("BP215", [pod, service_account()]) == []
    assert findings("BP215", [pod, service_account(automount=True)])
    assert findings("BP215", [deployment(automountServiceAccountToken=True), service_account()])


def test_secrets_from_env_from() -> None:
    env_from = with_container(envFrom=[{"secretRef": {"name": "creds"}}])
    assert findings("BP216", env_from(compliant()))


def test_other_workload_kinds() -> None:
    stateful = deployment(type_=k.STATEFUL_SET, containers=[container(livenessProbe=None)])
    assert findings("BP200", [stateful])
    job = manifest(
        k.JOB,
        "migrate",
        {"template": {"spec": pod_spec(containers=[container(livenessProbe=None)])}},
    )
    assert findings("BP200", [job]) == []  # jobs need no probes
    cron = manifest(
        k.CRON_JOB,
        "nightly",
        {"jobTemplate": {"spec": {"template": {"spec": pod_spec(hostPID=True)}}}},
    )
    assert findings("BP207", [cron])


def test_init_containers_are_checked_for_security_not_probes() -> None:
    init = container(name="init", livenessProbe=None, readinessProbe=None)
    assert findings("BP200", [deployment(initContainers=[init])]) == []
    privileged = container(name="init", securityContext={**SECURE, "privileged": True})
    (found,) = findings("BP206", [deployment(initContainers=[privileged])])
    assert "init container" in found.message


def test_otel_collector_pods() -> None:
    assert findings("BP213", [otel(securityContext={**SECURE, "capabilities": {}})])
    assert findings("BP204", [otel(image=None)]) == []  # the operator's pinned default
    assert findings("BP204", [otel(image="otel/opentelemetry-collector:latest")])
    assert findings("BP217", [otel()])
    assert findings("BP236", [otel(mode="daemonset", autoscaler=None, replicas=1.0)]) == []
    assert findings("BP236", [otel(autoscaler={"minReplicas": 2.0, "maxReplicas": 2.0})])


def test_namespace_rule() -> None:
    namespace = res(
        "kubernetes:core/v1:Namespace", "ns", {"kind": "Namespace", "metadata": {"name": NS}}
    )
    issuer = res(
        "kubernetes:cert-manager.io/v1:ClusterIssuer",
        "issuer",
        {"kind": "ClusterIssuer", "metadata": {"name": "le"}},
    )
    default = manifest(k.CONFIG_MAP, "cfg")
    default.props["metadata"]["namespace"] = "default"
    release = res("kubernetes:helm.sh/v3:Release", "chart", {"chart": "x", "namespace": "default"})
    assert findings("BP209", [namespace, issuer, release]) == []
    (found,) = findings("BP209", [default])
    assert "namespace default" in found.message
    assert findings("BP209", [cnpg()]) == []  # CloudNativePG's Cluster is namespaced
    unnamespaced = cnpg()
    del unnamespaced.props["metadata"]["namespace"]
    assert findings("BP209", [unnamespaced])


def test_kafka_topic_falls_back_to_cluster_default() -> None:
    assert findings("BP234", [kafka(), topic({})]) == []
    assert findings("BP234", [kafka(**{"default.replication.factor": 2}), topic({})])
    assert findings("BP234", [topic({})])
    low_isr = topic({"replicas": 3.0, "config": {"min.insync.replicas": "3"}})
    assert findings("BP234", [kafka(), low_isr])


def test_kafka_replication_reads_strings_and_numbers() -> None:
    assert findings("BP233", [kafka(**{"default.replication.factor": "3"})]) == []
    messages = [f.message for f in findings("BP233", [manifest(k.KAFKAS[0], "bare", {})])]
    assert len(messages) == 2


def test_redis_replicas() -> None:
    assert findings("BP235", [redis(redisFollower={"replicas": 0.0})])
    assert findings("BP235", [manifest(k.REDIS_STANDALONE, "single", {})])
    replication = manifest(k.REDIS_REPLICATION, "pair", {"clusterSize": 2.0})
    assert findings("BP235", [replication]) == []


def test_operator_disruption_budget_skips_absent_followers() -> None:
    no_followers = redis(redisFollower={"replicas": 0.0})
    assert findings("BP231", [no_followers]) == []
    assert findings("BP231", [redis(redisLeader={})])


def test_operator_resources() -> None:
    assert findings("BP202", [cnpg(resources=None)])
    assert findings("BP203", [node_pool(resources={"requests": RESOURCES["requests"]})])
    assert findings("BP202", [pooler(template={})])
    assert findings("BP203", [redis(kubernetesConfig={"resources": {}})])


def test_spread_on_operators() -> None:
    assert findings("BP221", [cnpg(affinity={"enablePodAntiAffinity": False})])
    assert findings("BP221", [node_pool(template={})])
    assert findings("BP221", [redis(redisLeader={"pdb": {"enabled": True}})])
    assert findings("BP221", [deployment(replicas=1, topologySpreadConstraints=None)]) == []


def test_unknown_values_are_not_violations() -> None:
    unknown = with_container(image=k.UNKNOWN, resources=k.UNKNOWN)(compliant())
    for rule_id in ("BP202", "BP203", "BP204", "BP205"):
        assert findings(rule_id, unknown) == [], rule_id


# --- Built-in stacks ---------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_builtin_stacks_have_no_mandatory_kubernetes_finding(stack: str) -> None:
    found = evaluate(builtin_view(stack, "kubernetes"), k.RULES)
    mandatory = [
        f"{f.rule.id} {f.resource and f.resource.name}: {f.message}" for f in found if f.mandatory
    ]
    assert mandatory == []
