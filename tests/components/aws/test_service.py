from __future__ import annotations

import dataclasses
import json
from typing import Any

import pulumi
import pulumi_aws
import pytest
from pydantic import ValidationError

from blueprints.runtime import Plan, run_function
from components.aws.refs import Binding, Connection, Ingress, SecretRef
from components.aws.service import AutoscaledService
from components.specs.service import ServiceSpec
from tests.components.aws.fakes import NETWORK, PLATFORM

TOKEN = "blueprints:aws:AutoscaledService"
DB_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
API_KEY_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-key-GhIjKl"
SECRET_VALUE = "s3cr3t-value-never-shown"
INGRESS = Ingress(
    listener_arn="arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/gw/abc/def",
    load_balancer_arn_suffix="app/gw/0123456789abcdef",
    security_group_id="sg-alb",
    path_patterns=["/api/*"],
    priority=10,
)
BINDING = Binding(
    environment={
        "ZETA": "last",
        "DB_HOST": pulumi.Output.from_input("db.test.internal"),
        "ALPHA": "first",
    },
    secrets=[
        SecretRef(env_name="DB_PASSWORD", secret_arn=DB_SECRET, json_key="password"),
        SecretRef(env_name="API_KEY", secret_arn=API_KEY_SECRET),
    ],
    connections=[
        Connection(name="postgres", security_group_id="sg-postgres", port=5432),
        Connection(name="redis", security_group_id="sg-redis", port=6379),
    ],
    policy_statements=[
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": pulumi.Output.from_input("arn:aws:s3:::bucket/*"),
        }
    ],
)


def spec(**overrides: Any) -> ServiceSpec:
    return ServiceSpec(
        **{"name": "api", "image": "registry.example.com/api:1.2.3", "max_count": 6, **overrides}
    )


def build(
    service_spec: ServiceSpec | None = None,
    *,
    binding: Binding = BINDING,
    ingress: Ingress | None = INGRESS,
    register: bool = False,
) -> Plan:
    return run_function(
        lambda: (
            AutoscaledService(
                "api",
                service_spec or spec(),
                network=NETWORK,
                platform=PLATFORM,
                binding=binding,
                ingress=ingress,
                register_in_namespace=register,
            )
            and None
        )
    )


@pytest.fixture(scope="module")
def routed() -> Plan:
    return build()


@pytest.fixture(scope="module")
def worker() -> Plan:
    return build(ingress=None, register=True, binding=Binding())


def container(plan: Plan) -> dict[str, Any]:
    [definition] = json.loads(plan.named("api-task").inputs["containerDefinitions"])
    return definition


def policy(plan: Plan, name: str) -> dict[str, Any]:
    return json.loads(plan.named(name).inputs["policy"])


def test_routed_resource_set(routed: Plan) -> None:
    assert routed.counts_by_type() == {
        TOKEN: 1,
        "aws:appautoscaling/policy:Policy": 3,
        "aws:appautoscaling/target:Target": 1,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 4,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:ecs/service:Service": 1,
        "aws:ecs/taskDefinition:TaskDefinition": 1,
        "aws:iam/role:Role": 2,
        "aws:iam/rolePolicy:RolePolicy": 2,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
        "aws:lb/listenerRule:ListenerRule": 1,
        "aws:lb/targetGroup:TargetGroup": 1,
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 3,
    }


def test_worker_resource_set(worker: Plan) -> None:
    assert worker.counts_by_type() == {
        TOKEN: 1,
        "aws:appautoscaling/policy:Policy": 2,
        "aws:appautoscaling/target:Target": 1,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:ecs/service:Service": 1,
        "aws:ecs/taskDefinition:TaskDefinition": 1,
        "aws:iam/role:Role": 2,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
        "aws:servicediscovery/service:Service": 1,
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
    }


@pytest.mark.parametrize("plan_name", ["routed", "worker"])
def test_every_child_is_parented_to_the_component(plan_name: str, request: Any) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    component = plan.named("api")
    assert component.type == TOKEN
    children = [r for r in plan.resources if r is not component]
    assert children
    assert all(r.parent == component.urn for r in children)
    assert all(r.name.startswith("api-") for r in children)


def test_log_group_is_encrypted_with_retention(routed: Plan) -> None:
    inputs = routed.named("api-logs").inputs
    assert inputs["kmsKeyId"] == PLATFORM.kms_key_arn
    assert inputs["retentionInDays"] == 30


def test_service_runs_privately_with_rollback(routed: Plan) -> None:
    inputs = routed.named("api-service").inputs
    assert inputs["cluster"] == PLATFORM.cluster_arn
    assert inputs["networkConfiguration"]["assignPublicIp"] is False
    assert inputs["networkConfiguration"]["subnets"] == list(NETWORK.private_subnet_ids)
    service_sg = routed.named("api-from-ingress").inputs["securityGroupId"]
    assert inputs["networkConfiguration"]["securityGroups"] == [service_sg]
    assert inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert inputs["deploymentMinimumHealthyPercent"] == 100
    assert inputs["deploymentMaximumPercent"] == 200
    assert inputs["enableExecuteCommand"] is False
    assert inputs["propagateTags"] == "SERVICE"
    assert inputs["waitForSteadyState"] is False
    assert inputs["desiredCount"] == 1
    assert inputs["healthCheckGracePeriodSeconds"] == 60
    assert inputs["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1}]
    assert "launchType" not in inputs


def test_routed_service_is_behind_its_target_group_after_the_rule(routed: Plan) -> None:
    service = routed.named("api-service")
    [balancer] = service.inputs["loadBalancers"]
    assert balancer["containerName"] == "api"
    assert balancer["containerPort"] == 8080
    assert ":targetgroup/api-tg/" in balancer["targetGroupArn"]
    assert routed.named("api-rule").urn in service.dependencies
    assert routed.named("api-execution-secrets-policy").urn in service.dependencies


def test_target_group_and_listener_rule(routed: Plan) -> None:
    group = routed.named("api-tg").inputs
    assert group["targetType"] == "ip"
    assert group["protocol"] == "HTTP"
    assert group["port"] == 8080
    assert group["vpcId"] == NETWORK.vpc_id
    assert group["deregistrationDelay"] == 30
    assert group["healthCheck"]["path"] == "/healthz"
    assert group["healthCheck"]["matcher"] == "200-399"
    rule = routed.named("api-rule").inputs
    assert rule["listenerArn"] == INGRESS.listener_arn
    assert rule["priority"] == 10
    assert rule["conditions"] == [{"pathPattern": {"values": ["/api/*"]}}]
    assert rule["actions"][0]["type"] == "forward"


def test_task_definition_is_fargate_with_both_roles(routed: Plan) -> None:
    inputs = routed.named("api-task").inputs
    assert inputs["family"] == "blueprints-test-api"
    assert inputs["networkMode"] == "awsvpc"
    assert inputs["requiresCompatibilities"] == ["FARGATE"]
    assert (inputs["cpu"], inputs["memory"]) == ("256", "512")
    assert inputs["runtimePlatform"] == {
        "operatingSystemFamily": "LINUX",
        "cpuArchitecture": "X86_64",
    }
    assert inputs["executionRoleArn"].endswith(":role/api-execution-role")
    assert inputs["taskRoleArn"].endswith(":role/api-task-role")
    assert inputs["volumes"] == [{"name": "tmp"}]


def test_container_is_hardened(routed: Plan) -> None:
    definition = container(routed)
    assert definition["readonlyRootFilesystem"] is True
    assert definition["privileged"] is False
    assert definition["essential"] is True
    assert definition["linuxParameters"] == {"initProcessEnabled": True}
    assert definition["mountPoints"] == [
        {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}
    ]
    assert definition["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    assert definition["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -fsS http://localhost:8080/healthz || exit 1"],
        "interval": 15,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 30,
    }
    assert definition["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "api-logs",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "api",
        },
    }


def test_container_environment_is_sorted_and_merged(routed: Plan) -> None:
    plan = build(spec(environment={"LOG_LEVEL": "info"}))
    assert [(e["name"], e["value"]) for e in container(plan)["environment"]] == [
        ("ALPHA", "first"),
        ("DB_HOST", "db.test.internal"),
        ("LOG_LEVEL", "info"),
        ("ZETA", "last"),
    ]


def test_secrets_are_arns_only(routed: Plan) -> None:
    definition = container(routed)
    assert definition["secrets"] == [
        {"name": "API_KEY", "valueFrom": API_KEY_SECRET},
        {"name": "DB_PASSWORD", "valueFrom": f"{DB_SECRET}:password::"},
    ]
    assert "DB_PASSWORD" not in {e["name"] for e in definition["environment"]}


def test_secret_values_never_reach_any_input() -> None:
    secret_value = pulumi.Output.secret(SECRET_VALUE)
    plan = build(
        binding=Binding(
            secrets=[SecretRef(env_name="TOKEN", secret_arn=DB_SECRET)],
            policy_statements=[{"Effect": "Allow", "Action": "s3:*", "Resource": secret_value}],
        )
    )
    everything = json.dumps([r.inputs for r in plan.resources])
    assert SECRET_VALUE not in everything


def test_execution_role_reads_exactly_the_bound_secrets(routed: Plan) -> None:
    trust = json.loads(routed.named("api-execution-role").inputs["assumeRolePolicy"])
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    read, decrypt = policy(routed, "api-execution-secrets-policy")["Statement"]
    assert read["Action"] == "secretsmanager:GetSecretValue"
    assert read["Resource"] == [DB_SECRET, API_KEY_SECRET]
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Resource"] == PLATFORM.kms_key_arn
    attachment = routed.named("api-execution-managed-policy").inputs
    assert attachment["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    )


def test_no_inline_policies_without_secrets_or_statements(worker: Plan) -> None:
    assert worker.of_type("aws:iam/rolePolicy:RolePolicy") == []


def test_task_role_holds_the_binding_statements(routed: Plan) -> None:
    assert policy(routed, "api-task-policy")["Statement"] == [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}
    ]


def test_security_group_admits_only_the_load_balancer(routed: Plan) -> None:
    assert routed.named("api-sg").inputs["vpcId"] == NETWORK.vpc_id
    ingress = routed.named("api-from-ingress").inputs
    assert ingress["referencedSecurityGroupId"] == "sg-alb"
    assert (ingress["fromPort"], ingress["toPort"], ingress["ipProtocol"]) == (8080, 8080, "tcp")
    assert "cidrIpv4" not in ingress
    egress = routed.named("api-egress").inputs
    assert (egress["cidrIpv4"], egress["ipProtocol"]) == ("0.0.0.0/0", "-1")


def test_worker_security_group_has_no_ingress(worker: Plan) -> None:
    assert worker.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") == []


def test_each_connection_opens_the_peer_security_group(routed: Plan) -> None:
    service_sg = routed.named("api-from-ingress").inputs["securityGroupId"]
    for peer, group, port in [("postgres", "sg-postgres", 5432), ("redis", "sg-redis", 6379)]:
        rule = routed.named(f"api-to-{peer}").inputs
        assert rule["securityGroupId"] == group
        assert rule["referencedSecurityGroupId"] == service_sg
        assert (rule["fromPort"], rule["toPort"], rule["ipProtocol"]) == (port, port, "tcp")


def test_autoscaling_bounds_and_routed_policies(routed: Plan) -> None:
    target = routed.named("api-scaling-target").inputs
    assert target["resourceId"] == "service/test/api-service"
    assert target["scalableDimension"] == "ecs:service:DesiredCount"
    assert (target["minCapacity"], target["maxCapacity"]) == (1, 6)
    metrics = {}
    for what in ("cpu", "memory", "requests"):
        config = routed.named(f"api-scale-{what}").inputs[
            "targetTrackingScalingPolicyConfiguration"
        ]
        assert (config["scaleOutCooldown"], config["scaleInCooldown"]) == (60, 300)
        metrics[what] = (config["predefinedMetricSpecification"], config["targetValue"])
    assert metrics["cpu"] == ({"predefinedMetricType": "ECSServiceAverageCPUUtilization"}, 60)
    assert metrics["memory"] == (
        {"predefinedMetricType": "ECSServiceAverageMemoryUtilization"},
        75,
    )
    spec_, value = metrics["requests"]
    assert spec_["predefinedMetricType"] == "ALBRequestCountPerTarget"
    assert spec_["resourceLabel"].startswith("app/gw/0123456789abcdef/targetgroup/api-tg/")
    assert value == 1000


def test_spot_strategy_keeps_one_on_demand_task() -> None:
    plan = build(spec(use_spot=True), ingress=None)
    assert plan.named("api-service").inputs["capacityProviderStrategies"] == [
        {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3},
    ]


def test_alarms(routed: Plan) -> None:
    cpu = routed.named("api-alarm-cpu").inputs
    assert (cpu["namespace"], cpu["metricName"], cpu["threshold"]) == (
        "AWS/ECS",
        "CPUUtilization",
        90,
    )
    assert cpu["dimensions"] == {"ClusterName": "test", "ServiceName": "api-service"}
    assert cpu["alarmActions"] == [PLATFORM.alarm_topic_arn]
    tasks = routed.named("api-alarm-running-tasks").inputs
    assert (tasks["namespace"], tasks["metricName"]) == (
        "ECS/ContainerInsights",
        "RunningTaskCount",
    )
    assert (tasks["comparisonOperator"], tasks["threshold"]) == ("LessThanThreshold", 1)
    errors = routed.named("api-alarm-5xx").inputs
    assert (errors["metricName"], errors["statistic"], errors["threshold"]) == (
        "HTTPCode_Target_5XX_Count",
        "Sum",
        10,
    )
    assert errors["dimensions"]["LoadBalancer"] == INGRESS.load_balancer_arn_suffix
    assert errors["dimensions"]["TargetGroup"].startswith("targetgroup/api-tg/")
    latency = routed.named("api-alarm-latency-p99").inputs
    assert (latency["metricName"], latency["extendedStatistic"], latency["threshold"]) == (
        "TargetResponseTime",
        "p99",
        0.5,
    )
    assert "statistic" not in latency


def test_no_running_task_alarm_when_scaling_to_zero() -> None:
    plan = build(spec(min_count=0), ingress=None, binding=Binding())
    names = {r.name for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert names == {"api-alarm-cpu"}


def test_namespace_registration(worker: Plan) -> None:
    discovery = worker.named("api-discovery").inputs
    assert discovery["name"] == "api"
    assert discovery["namespaceId"] == NETWORK.namespace_id
    assert discovery["dnsConfig"]["routingPolicy"] == "MULTIVALUE"
    assert discovery["dnsConfig"]["dnsRecords"] == [{"type": "A", "ttl": 10}]
    registries = worker.named("api-service").inputs["serviceRegistries"]
    assert registries["registryArn"].startswith("arn:aws:servicediscovery:")
    assert "loadBalancers" not in worker.named("api-service").inputs


def test_exec_form_health_check() -> None:
    plan = build(
        spec(health_check_command=("/healthcheck",), health_check_shell=False), ingress=None
    )
    assert container(plan)["healthCheck"]["command"] == ["CMD", "/healthcheck"]


def test_environment_set_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="ALPHA"):
        build(spec(environment={"ALPHA": "again"}))
    clash = Binding(environment={"API_KEY": "x"}, secrets=BINDING.secrets)
    with pytest.raises(ValueError, match="API_KEY"):
        build(binding=clash)


@pytest.mark.parametrize(
    "overrides",
    [
        {"image": "registry.example.com/api:latest"},
        {"image": "registry.example.com/api"},
        {"name": "Not_A_Label"},
        {"cpu": 300},
        {"cpu": 256, "memory": 4096},
        {"min_count": 5, "max_count": 2},
        {"environment": {"DB_PASSWORD": "x"}},
        {"environment": {"lower": "x"}},
        {"port": 80},
        {"unknown": True},
    ],
)
def test_bad_specs_are_rejected(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(**overrides)


def test_more_than_five_path_patterns_spread_over_consecutive_rules() -> None:
    patterns = [f"/v1/r{i}" for i in range(6)] + ["/v1/r0/*"]
    plan = build(ingress=dataclasses.replace(INGRESS, path_patterns=patterns))
    rules = plan.of_type("aws:lb/listenerRule:ListenerRule")
    assert [r.name for r in rules] == ["api-rule", "api-rule-1"]
    assert [r.inputs["priority"] for r in rules] == [10, 11]
    values = [r.inputs["conditions"][0]["pathPattern"]["values"] for r in rules]
    assert values == [patterns[:5], patterns[5:]]


def test_service_waits_for_the_clusters_capacity_providers() -> None:
    """The strategy names FARGATE: ECS refuses the service until the cluster has it."""

    def declare() -> None:
        providers = pulumi_aws.ecs.ClusterCapacityProviders(
            "cluster-capacity-providers",
            cluster_name=PLATFORM.cluster_name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
        )
        platform = dataclasses.replace(PLATFORM, cluster_dependencies=(providers,))
        AutoscaledService("api", spec(), network=NETWORK, platform=platform, binding=Binding())

    plan = run_function(declare)
    service = plan.named("api-service")
    assert plan.named("cluster-capacity-providers").urn in service.dependencies
