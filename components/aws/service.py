"""AutoscaledService: an application container on ECS Fargate, scaled between two bounds."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.alarms import metric_alarm
from components.aws.refs import Binding, Connection, Ingress, NetworkRef, PlatformRef, SecretRef
from components.names import IAM_ROLE, TARGET_GROUP, autonamed
from components.specs.service import ServiceSpec

TOKEN = "blueprints:aws:AutoscaledService"
ANYWHERE = "0.0.0.0/0"
TMP_VOLUME = "tmp"
STOP_TIMEOUT_SECONDS = 30
HEALTH_CHECK_GRACE_SECONDS = 60
SCALE_OUT_COOLDOWN_SECONDS = 60
SCALE_IN_COOLDOWN_SECONDS = 300
CPU_ALARM_PERCENT = 90
TARGET_5XX_PER_MINUTE = 10
SPOT_WEIGHT = 3
MAX_PATTERNS_PER_RULE = 5


class AutoscaledService(pulumi.ComponentResource):
    """One container image run as an ECS service on Fargate, scaled between `min_count` and
    `max_count` tasks.

    Creates a log group, a task execution role, a task role, a security group for the tasks,
    an ingress rule on each connected peer's security group, a task definition, the ECS
    service, an autoscaling target with target-tracking policies on CPU and memory (and on
    requests per task when routed), and alarms on CPU, running tasks and, when routed, target
    5XX errors and p99 latency. When given an `Ingress`, also a target group and a listener
    rule on the load balancer's listener; when `register_in_namespace`, a Cloud Map service
    `<spec.name>.<namespace>` (A records of the tasks).

    Security defaults: logs encrypted with the stack KMS key; tasks in private subnets with no
    public IP; the tasks' security group admits only the load balancer's security group on the
    service port (nothing at all when not routed); secrets reach the container only as Secrets
    Manager ARNs resolved at start by the execution role, which may read exactly those secrets
    (and decrypt with the stack key through Secrets Manager only); the task role holds only the
    binding's statements; roles are assumable by ECS tasks of this account only; read-only root
    filesystem (a task-scoped writable `/tmp`), no privileged mode, no ECS Exec. Deployments
    roll back on failure (circuit breaker) and never drop below the running capacity.
    """

    service_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    target_group_arn: pulumi.Output[str] | None
    service: aws.ecs.Service

    def __init__(
        self,
        name: str,
        spec: ServiceSpec,
        *,
        network: NetworkRef,
        platform: PlatformRef,
        binding: Binding,
        ingress: Ingress | None = None,
        register_in_namespace: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        environment = merged_environment(spec, binding)
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._spec = spec
        self._network = network
        self._platform = platform
        self._binding = binding
        invoke = pulumi.InvokeOutputOptions(parent=self)
        self._account = aws.get_caller_identity_output(opts=invoke).account_id
        self._region = aws.get_region_output(opts=invoke).region
        self._partition = aws.get_partition_output(opts=invoke).partition

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            retention_in_days=spec.log_retention_days,
            kms_key_id=platform.kms_key_arn,
            opts=self._child(),
        )
        # A log group's id is its (auto-generated) name, known as soon as it is created.
        self.log_group_name = self.log_group.id
        self.execution_role, execution_policies = self._execution_role()
        self.task_role, task_policies = self._task_role()
        self.security_group = self._security_group(ingress)
        self.peer_rules = [self._peer_rule(c) for c in binding.connections]
        self.task_definition = self._task_definition(environment)
        self.target_group, self.listener_rules = (
            self._routing(ingress) if ingress is not None else (None, [])
        )
        self.discovery = self._discovery() if register_in_namespace else None
        self.service = self._service(
            ingress,
            depends_on=[
                *platform.cluster_dependencies,
                *execution_policies,
                *task_policies,
                *self.listener_rules,
            ],
        )
        self.scaling_target, self.scaling_policies = self._autoscaling(ingress)
        self.alarms = self._alarms(ingress)

        self.service_name = self.service.name
        self.security_group_id = self.security_group.id
        self.task_role_arn = self.task_role.arn
        self.execution_role_arn = self.execution_role.arn
        self.target_group_arn = self.target_group.arn if self.target_group else None
        self.register_outputs(
            {
                "service_name": self.service_name,
                "security_group_id": self.security_group_id,
                "task_role_arn": self.task_role_arn,
                "execution_role_arn": self.execution_role_arn,
                "log_group_name": self.log_group_name,
                "task_definition_arn": self.task_definition.arn,
                "target_group_arn": self.target_group_arn,
            }
        )

    def _child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    # --- IAM ---------------------------------------------------------------------------------
    def _ecs_tasks_trust_policy(self) -> pulumi.Output[str]:
        return self._account.apply(ecs_tasks_trust_policy)

    def _execution_role(self) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
        role = aws.iam.Role(
            autonamed(f"{self._name}-execution-role", IAM_ROLE),
            description=f"Starts the tasks of the {self._spec.name} service",
            assume_role_policy=self._ecs_tasks_trust_policy(),
            opts=self._child(),
        )
        policies: list[pulumi.Resource] = [
            aws.iam.RolePolicyAttachment(
                f"{self._name}-execution-managed-policy",
                role=role.name,
                policy_arn=self._partition.apply(
                    lambda p: (
                        f"arn:{p}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
                    )
                ),
                opts=self._child(),
            )
        ]
        if self._binding.secrets:
            secret_arns = pulumi.Output.all(*(s.secret_arn for s in self._binding.secrets))
            policies.append(
                aws.iam.RolePolicy(
                    f"{self._name}-execution-secrets-policy",
                    role=role.id,
                    policy=pulumi.Output.all(
                        secret_arns, self._platform.kms_key_arn, self._region
                    ).apply(
                        lambda a: secrets_read_policy(
                            secret_arns=a[0], kms_key_arn=a[1], region=a[2]
                        )
                    ),
                    opts=self._child(),
                )
            )
        return role, policies

    def _task_role(self) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
        role = aws.iam.Role(
            autonamed(f"{self._name}-task-role", IAM_ROLE),
            description=f"Identity of the {self._spec.name} service's containers",
            assume_role_policy=self._ecs_tasks_trust_policy(),
            opts=self._child(),
        )
        if not self._binding.policy_statements:
            return role, []
        policy = aws.iam.RolePolicy(
            f"{self._name}-task-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [dict(s) for s in self._binding.policy_statements],
                }
            ),
            opts=self._child(),
        )
        return role, [policy]

    # --- network -----------------------------------------------------------------------------
    def _security_group(self, ingress: Ingress | None) -> aws.ec2.SecurityGroup:
        group = aws.ec2.SecurityGroup(
            f"{self._name}-sg",
            description=f"Tasks of the {self._spec.name} service",
            vpc_id=self._network.vpc_id,
            opts=self._child(),
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-egress",
            security_group_id=group.id,
            description="Outbound to dependencies and AWS APIs",
            ip_protocol="-1",
            cidr_ipv4=ANYWHERE,
            opts=self._child(),
        )
        if ingress is not None:
            aws.vpc.SecurityGroupIngressRule(
                f"{self._name}-from-ingress",
                security_group_id=group.id,
                description="From the load balancer",
                referenced_security_group_id=ingress.security_group_id,
                ip_protocol="tcp",
                from_port=self._spec.port,
                to_port=self._spec.port,
                opts=self._child(),
            )
        return group

    def _peer_rule(self, connection: Connection) -> aws.vpc.SecurityGroupIngressRule:
        return aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-to-{connection.name}",
            security_group_id=connection.security_group_id,
            description=f"From the {self._spec.name} service",
            referenced_security_group_id=self.security_group.id,
            ip_protocol="tcp",
            from_port=connection.port,
            to_port=connection.port,
            opts=self._child(),
        )

    # --- task definition ---------------------------------------------------------------------
    def _task_definition(
        self, environment: Mapping[str, pulumi.Input[str]]
    ) -> aws.ecs.TaskDefinition:
        spec = self._spec
        return aws.ecs.TaskDefinition(
            f"{self._name}-task",
            family=task_family(self._name),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            cpu=str(spec.cpu),
            memory=str(spec.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=TMP_VOLUME)],
            container_definitions=pulumi.Output.json_dumps(
                [
                    container_definition(
                        spec,
                        environment=environment,
                        secrets=self._binding.secrets,
                        log_group_name=self.log_group_name,
                        region=self._region,
                    )
                ]
            ),
            opts=self._child(),
        )

    # --- routing and discovery ---------------------------------------------------------------
    def _routing(self, ingress: Ingress) -> tuple[aws.lb.TargetGroup, list[aws.lb.ListenerRule]]:
        spec = self._spec
        target_group = aws.lb.TargetGroup(
            autonamed(f"{self._name}-tg", TARGET_GROUP),
            target_type="ip",
            protocol="HTTP",
            port=spec.port,
            vpc_id=self._network.vpc_id,
            deregistration_delay=STOP_TIMEOUT_SECONDS,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                protocol="HTTP",
                port="traffic-port",
                path=spec.health_check_path,
                matcher="200-399",
                interval=15,
                timeout=5,
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),
            opts=self._child(),
        )
        # An ALB rule takes at most five condition values: spread the patterns over
        # consecutive priorities, the first rule keeping the unsuffixed name.
        patterns = list(ingress.path_patterns)
        chunks = [
            patterns[i : i + MAX_PATTERNS_PER_RULE]
            for i in range(0, len(patterns), MAX_PATTERNS_PER_RULE)
        ]
        rules = [
            aws.lb.ListenerRule(
                f"{self._name}-rule" if i == 0 else f"{self._name}-rule-{i}",
                listener_arn=ingress.listener_arn,
                priority=ingress.priority + i,
                actions=[
                    aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=target_group.arn)
                ],
                conditions=[
                    aws.lb.ListenerRuleConditionArgs(
                        path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=chunk)
                    )
                ],
                opts=self._child(),
            )
            for i, chunk in enumerate(chunks)
        ]
        return target_group, rules

    def _discovery(self) -> aws.servicediscovery.Service:
        return aws.servicediscovery.Service(
            f"{self._name}-discovery",
            name=self._spec.name,
            description=f"Tasks of the {self._spec.name} service",
            namespace_id=self._network.namespace_id,
            dns_config=aws.servicediscovery.ServiceDnsConfigArgs(
                namespace_id=self._network.namespace_id,
                routing_policy="MULTIVALUE",
                dns_records=[aws.servicediscovery.ServiceDnsConfigDnsRecordArgs(ttl=10, type="A")],
            ),
            # ECS reports task health to Cloud Map (failure_threshold is deprecated: always 1).
            health_check_custom_config=aws.servicediscovery.ServiceHealthCheckCustomConfigArgs(),
            opts=self._child(),
        )

    # --- service and scaling -----------------------------------------------------------------
    def _service(
        self, ingress: Ingress | None, *, depends_on: Sequence[pulumi.Resource]
    ) -> aws.ecs.Service:
        spec = self._spec
        load_balancers = (
            [
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=self.target_group.arn,
                    container_name=spec.name,
                    container_port=spec.port,
                )
            ]
            if self.target_group is not None
            else None
        )
        registries = (
            aws.ecs.ServiceServiceRegistriesArgs(registry_arn=self.discovery.arn)
            if self.discovery is not None
            else None
        )
        return aws.ecs.Service(
            f"{self._name}-service",
            cluster=self._platform.cluster_arn,
            task_definition=self.task_definition.arn,
            desired_count=spec.min_count,
            capacity_provider_strategies=capacity_provider_strategies(use_spot=spec.use_spot),
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=list(self._network.private_subnet_ids),
                security_groups=[self.security_group.id],
                assign_public_ip=False,
            ),
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            health_check_grace_period_seconds=(
                HEALTH_CHECK_GRACE_SECONDS if ingress is not None else None
            ),
            load_balancers=load_balancers,
            service_registries=registries,
            enable_execute_command=False,
            propagate_tags="SERVICE",
            wait_for_steady_state=spec.wait_for_steady_state,
            # Autoscaling owns the running count once the service exists.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(depends_on), ignore_changes=["desiredCount"]
            ),
        )

    def _autoscaling(
        self, ingress: Ingress | None
    ) -> tuple[aws.appautoscaling.Target, list[aws.appautoscaling.Policy]]:
        spec = self._spec
        target = aws.appautoscaling.Target(
            f"{self._name}-scaling-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat(
                "service/", self._platform.cluster_name, "/", self.service.name
            ),
            min_capacity=spec.min_count,
            max_capacity=spec.max_count,
            opts=self._child(),
        )
        policies = [
            self._tracking_policy(
                target, "cpu", "ECSServiceAverageCPUUtilization", spec.cpu_target_percent
            ),
            self._tracking_policy(
                target, "memory", "ECSServiceAverageMemoryUtilization", spec.memory_target_percent
            ),
        ]
        if ingress is not None and self.target_group is not None:
            policies.append(
                self._tracking_policy(
                    target,
                    "requests",
                    "ALBRequestCountPerTarget",
                    spec.requests_per_target,
                    resource_label=pulumi.Output.concat(
                        ingress.load_balancer_arn_suffix, "/", self.target_group.arn_suffix
                    ),
                )
            )
        return target, policies

    def _tracking_policy(
        self,
        target: aws.appautoscaling.Target,
        what: str,
        metric: str,
        value: float,
        *,
        resource_label: pulumi.Input[str] | None = None,
    ) -> aws.appautoscaling.Policy:
        return aws.appautoscaling.Policy(
            f"{self._name}-scale-{what}",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=value,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type=metric, resource_label=resource_label
                ),
                scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS,
                scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS,
            ),
            opts=self._child(),
        )

    # --- alarms ------------------------------------------------------------------------------
    def _alarms(self, ingress: Ingress | None) -> list[aws.cloudwatch.MetricAlarm]:
        spec = self._spec
        topic = self._platform.alarm_topic_arn
        service_dims = {
            "ClusterName": self._platform.cluster_name,
            "ServiceName": self.service.name,
        }
        alarms = [
            metric_alarm(
                self,
                f"{self._name}-alarm-cpu",
                description=f"{spec.name}: average CPU above {CPU_ALARM_PERCENT}% for 5 minutes",
                namespace="AWS/ECS",
                metric_name="CPUUtilization",
                dimensions=service_dims,
                threshold=CPU_ALARM_PERCENT,
                comparison="GreaterThanThreshold",
                alarm_topic_arn=topic,
            )
        ]
        if spec.min_count > 0:
            alarms.append(
                metric_alarm(
                    self,
                    f"{self._name}-alarm-running-tasks",
                    description=f"{spec.name}: fewer than {spec.min_count} running tasks",
                    namespace="ECS/ContainerInsights",
                    metric_name="RunningTaskCount",
                    dimensions=service_dims,
                    threshold=spec.min_count,
                    comparison="LessThanThreshold",
                    statistic="Minimum",
                    alarm_topic_arn=topic,
                    treat_missing_data="breaching",
                )
            )
        if ingress is not None and self.target_group is not None:
            lb_dims = {
                "LoadBalancer": ingress.load_balancer_arn_suffix,
                "TargetGroup": self.target_group.arn_suffix,
            }
            alarms += [
                metric_alarm(
                    self,
                    f"{self._name}-alarm-5xx",
                    description=(
                        f"{spec.name}: more than {TARGET_5XX_PER_MINUTE} 5XX responses a minute"
                    ),
                    namespace="AWS/ApplicationELB",
                    metric_name="HTTPCode_Target_5XX_Count",
                    dimensions=lb_dims,
                    threshold=TARGET_5XX_PER_MINUTE,
                    comparison="GreaterThanThreshold",
                    statistic="Sum",
                    alarm_topic_arn=topic,
                    treat_missing_data="notBreaching",
                ),
                metric_alarm(
                    self,
                    f"{self._name}-alarm-latency-p99",
                    description=f"{spec.name}: p99 response time above {spec.latency_p99_alarm_ms} ms",
                    namespace="AWS/ApplicationELB",
                    metric_name="TargetResponseTime",
                    dimensions=lb_dims,
                    threshold=spec.latency_p99_alarm_ms / 1000,
                    comparison="GreaterThanThreshold",
                    extended_statistic="p99",
                    alarm_topic_arn=topic,
                    treat_missing_data="notBreaching",
                ),
            ]
        return alarms


# --- pure helpers ----------------------------------------------------------------------------
def merged_environment(spec: ServiceSpec, binding: Binding) -> dict[str, pulumi.Input[str]]:
    """The binding's and the spec's plain variables; a name set twice (or also a secret's) is
    an error rather than a silent override."""
    clashes = sorted(set(binding.environment) & set(spec.environment))
    if clashes:
        raise ValueError(f"{spec.name}: environment {clashes} set by both the spec and a binding")
    environment: dict[str, pulumi.Input[str]] = {**binding.environment, **spec.environment}
    secret_names = [s.env_name for s in binding.secrets]
    duplicated = sorted({n for n in secret_names if secret_names.count(n) > 1})
    if duplicated:
        raise ValueError(f"{spec.name}: secrets {duplicated} bound more than once")
    shadowed = sorted(set(environment) & set(secret_names))
    if shadowed:
        raise ValueError(f"{spec.name}: {shadowed} set both as plain environment and as secrets")
    return environment


def secret_value_from(secret: SecretRef) -> pulumi.Input[str]:
    """ECS `valueFrom`: the secret's ARN, or `<arn>:<json key>::` for one key of a JSON secret."""
    if secret.json_key is None:
        return secret.secret_arn
    return pulumi.Output.concat(secret.secret_arn, ":", secret.json_key, "::")


def health_check_command(spec: ServiceSpec) -> list[str]:
    if spec.health_check_command is None:
        url = f"http://localhost:{spec.port}{spec.health_check_path}"
        return ["CMD-SHELL", f"curl -fsS {url} || exit 1"]
    if spec.health_check_shell:
        return ["CMD-SHELL", " ".join(spec.health_check_command)]
    return ["CMD", *spec.health_check_command]


def container_definition(
    spec: ServiceSpec,
    *,
    environment: Mapping[str, pulumi.Input[str]],
    secrets: Sequence[SecretRef],
    log_group_name: pulumi.Input[str],
    region: pulumi.Input[str],
) -> dict[str, Any]:
    """The one container of the task, as ECS expects it (values may be Outputs)."""
    container: dict[str, Any] = {
        "name": spec.name,
        "image": spec.image,
        "essential": True,
        "privileged": False,
        "readonlyRootFilesystem": True,
        "portMappings": [{"containerPort": spec.port, "protocol": "tcp"}],
        "environment": [{"name": k, "value": environment[k]} for k in sorted(environment)],
        "secrets": [
            {"name": s.env_name, "valueFrom": secret_value_from(s)}
            for s in sorted(secrets, key=lambda s: s.env_name)
        ],
        "mountPoints": [{"sourceVolume": TMP_VOLUME, "containerPath": "/tmp", "readOnly": False}],
        "linuxParameters": {"initProcessEnabled": True},
        "healthCheck": {
            "command": health_check_command(spec),
            "interval": 15,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 30,
        },
        "stopTimeout": STOP_TIMEOUT_SECONDS,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": region,
                "awslogs-stream-prefix": spec.name,
            },
        },
    }
    if spec.command:
        container["command"] = list(spec.command)
    return container


def capacity_provider_strategies(
    *, use_spot: bool
) -> list[aws.ecs.ServiceCapacityProviderStrategyArgs]:
    """On-demand only; or one on-demand task first, then three Spot tasks per on-demand one."""
    if not use_spot:
        return [aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", weight=1)]
    return [
        aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", base=1, weight=1),
        aws.ecs.ServiceCapacityProviderStrategyArgs(
            capacity_provider="FARGATE_SPOT", weight=SPOT_WEIGHT
        ),
    ]


def task_family(name: str) -> str:
    """`<project>-<stack>-<name>`: unique per stack in an account, as a family must be."""
    label = f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
    return re.sub(r"[^A-Za-z0-9_-]", "-", label)[:255]


def ecs_tasks_trust_policy(account: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ],
        }
    )


def secrets_read_policy(*, secret_arns: Sequence[str], kms_key_arn: str, region: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadBoundSecrets",
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": list(dict.fromkeys(secret_arns)),
                },
                {
                    "Sid": "DecryptThemThroughSecretsManager",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": kms_key_arn,
                    "Condition": {
                        "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                    },
                },
            ],
        }
    )
