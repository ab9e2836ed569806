"""ApiGateway: the public HTTPS entry of a stack, an HTTP API reaching an internal ALB."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.alarms import metric_alarm
from components.aws.refs import Ingress, NetworkRef, PlatformRef
from components.specs.gateway import GatewaySpec

TOKEN = "blueprints:aws:ApiGateway"
HTTPS_PORT = 443
HTTP_PORT = 80
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
ALB_LOG_PREFIX = "alb"
STAGE = "$default"
RULE_PRIORITY_STEP = 10

ELB_LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com"
# Regions opened before August 2022 also deliver ALB logs from a regional ELB account; the
# service principal alone is only documented for newer regions.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
LEGACY_ELB_LOG_ACCOUNTS: dict[str, str] = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-gov-east-1": "190560391635",
    "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
}

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "responseLatency": "$context.responseLatency",
        "integrationError": "$context.integrationErrorMessage",
    }
)


class ApiGateway(pulumi.ComponentResource):
    """An API Gateway HTTP API whose routes reach services through a VPC link and an internal
    Application Load Balancer.

    Creates a `$default` stage (auto-deployed, throttled, detailed metrics, JSON access logs to
    a log group encrypted with the stack KMS key), one HTTP_PROXY integration over a VPC link to
    the ALB listener, `ANY <path>` and `ANY <path>/{proxy+}` routes per spec route, an internal
    ALB in the private subnets whose listener answers 404 unless a service adds a rule (see
    `ingress`), an S3 bucket for the ALB access logs, 5xx-rate and p99-latency alarms, and,
    when a domain is set, a regional custom domain name mapped to the stage.

    Security defaults: the execute-api endpoint is HTTPS only (and disabled when a custom domain
    on TLS 1.2 serves the API); the ALB is internal, drops invalid header fields and only
    accepts traffic from the VPC link's security group on the listener port (HTTPS with a
    TLS 1.2/1.3 policy when a certificate is given, with API Gateway verifying the certificate
    name); neither security group has a rule open to 0.0.0.0/0. The log bucket blocks all
    public access, enforces bucket-owner object ownership, is encrypted with SSE-S3 (the only
    encryption ALB log delivery supports), refuses non-TLS requests and only lets Elastic Load
    Balancing write under this account's log prefix.
    """

    url: pulumi.Output[str]
    api_id: pulumi.Output[str]
    listener_arn: pulumi.Output[str]
    load_balancer_arn_suffix: pulumi.Output[str]
    load_balancer_security_group_id: pulumi.Output[str]
    listener_port: int
    domain_target_name: pulumi.Output[str] | None
    """Target of the DNS alias record for `domain_name` (none without a custom domain)."""
    domain_hosted_zone_id: pulumi.Output[str] | None
    """Hosted zone of that alias target (none without a custom domain)."""

    def __init__(
        self,
        name: str,
        spec: GatewaySpec,
        *,
        network: NetworkRef,
        platform: PlatformRef,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TOKEN, name, None, opts)
        self._name = name
        self._spec = spec
        self._network = network
        self.listener_port = HTTPS_PORT if spec.certificate_arn else HTTP_PORT

        self.access_log_group = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            retention_in_days=spec.access_log_retention_days,
            kms_key_id=platform.kms_key_arn,
            opts=self._child(),
        )
        self.vpc_link_security_group, self.alb_security_group = self._security_groups()
        self.log_bucket, log_bucket_ready = self._alb_log_bucket()
        self.load_balancer = self._load_balancer(log_bucket_ready)
        self.listener = self._listener()
        self.vpc_link = aws.apigatewayv2.VpcLink(
            f"{name}-vpc-link",
            subnet_ids=list(network.private_subnet_ids),
            security_group_ids=[self.vpc_link_security_group.id],
            opts=self._child(),
        )
        self.api = aws.apigatewayv2.Api(
            f"{name}-api",
            protocol_type="HTTP",
            description=f"Public entry of the {pulumi.get_stack()} stack",
            disable_execute_api_endpoint=spec.domain_name is not None,
            opts=self._child(),
        )
        self.integration = self._integration()
        self.routes = self._routes()
        self.stage = self._stage()
        self.domain = self._custom_domain()
        self.alarms = self._alarms(platform.alarm_topic_arn)

        self.api_id = self.api.id
        self.url = (
            pulumi.Output.from_input(f"https://{spec.domain_name}")
            if spec.domain_name
            else self.api.api_endpoint
        )
        self.listener_arn = self.listener.arn
        self.load_balancer_arn_suffix = self.load_balancer.arn_suffix
        self.load_balancer_security_group_id = self.alb_security_group.id
        self.domain_target_name = None
        self.domain_hosted_zone_id = None
        if self.domain is not None:
            config = self.domain.domain_name_configuration
            self.domain_target_name = config.apply(lambda c: c.target_domain_name or "")
            self.domain_hosted_zone_id = config.apply(lambda c: c.hosted_zone_id or "")
        self.register_outputs(
            {
                "url": self.url,
                "api_id": self.api_id,
                "stage_name": self.stage.name,
                "listener_arn": self.listener_arn,
                "listener_port": self.listener_port,
                "load_balancer_arn_suffix": self.load_balancer_arn_suffix,
                "load_balancer_security_group_id": self.load_balancer_security_group_id,
                "vpc_link_id": self.vpc_link.id,
                "access_log_group_name": self.access_log_group.name,
                "alb_log_bucket": self.log_bucket.bucket,
                "domain_target_name": self.domain_target_name,
                "domain_hosted_zone_id": self.domain_hosted_zone_id,
            }
        )

    # --- public ---------------------------------------------------------------------------
    def ingress(self, service: str) -> Ingress:
        """How `service` plugs into the load balancer: its path patterns and rule priority.

        Priorities are spaced by 10 so a service needing several listener rules (a rule takes
        at most 5 condition values) can use `priority`, `priority + 1`, ...
        """
        indexes = [i for i, r in enumerate(self._spec.routes) if r.service == service]
        if not indexes:
            raise ValueError(f"the gateway has no route to service {service!r}")
        patterns: list[str] = []
        for i in indexes:
            path = self._spec.routes[i].path
            patterns += [path, f"{path}/*"]
        return Ingress(
            listener_arn=self.listener_arn,
            load_balancer_arn_suffix=self.load_balancer_arn_suffix,
            security_group_id=self.load_balancer_security_group_id,
            path_patterns=patterns,
            priority=RULE_PRIORITY_STEP * (indexes[0] + 1),
        )

    # --- building blocks ------------------------------------------------------------------
    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on) or None)

    def _security_groups(self) -> tuple[aws.ec2.SecurityGroup, aws.ec2.SecurityGroup]:
        name, port, cidr = self._name, self.listener_port, self._network.vpc_cidr_block
        vpc_link = aws.ec2.SecurityGroup(
            f"{name}-vpc-link-sg",
            description="API Gateway VPC link: egress to the internal load balancer only",
            vpc_id=self._network.vpc_id,
            opts=self._child(),
        )
        alb = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            description="Internal load balancer: ingress from the API Gateway VPC link only",
            vpc_id=self._network.vpc_id,
            opts=self._child(),
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-vpc-link-egress",
            security_group_id=vpc_link.id,
            description="To the internal load balancer listener",
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            cidr_ipv4=cidr,
            opts=self._child(),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-alb-ingress",
            security_group_id=alb.id,
            description="From the API Gateway VPC link",
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=vpc_link.id,
            opts=self._child(),
        )
        # Service ports are only known to the services, which admit the ALB group themselves.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-egress",
            security_group_id=alb.id,
            description="To service targets inside the VPC",
            ip_protocol="tcp",
            from_port=0,
            to_port=65535,
            cidr_ipv4=cidr,
            opts=self._child(),
        )
        return vpc_link, alb

    def _alb_log_bucket(self) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
        """The ALB access-log bucket, and the resources that must exist before the ALB logs."""
        name = self._name
        bucket = aws.s3.Bucket(f"{name}-alb-logs", opts=self._child())
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-alb-logs-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=self._child(),
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-alb-logs-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self._child(),
        )
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-alb-logs-encryption",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=self._child(),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-alb-logs-lifecycle",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "expiration": {"days": self._spec.access_log_retention_days},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                }
            ],
            opts=self._child(),
        )
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke).partition
        # S3 rejects concurrent configuration changes on one bucket: write the policy last.
        policy = aws.s3.BucketPolicy(
            f"{name}-alb-logs-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, account, region, partition).apply(
                lambda a: _log_bucket_policy(
                    bucket_arn=a[0], account=a[1], region=a[2], partition=a[3]
                )
            ),
            opts=self._child(ownership, public_access),
        )
        return bucket, [policy, encryption]

    def _load_balancer(self, log_bucket_ready: list[pulumi.Resource]) -> aws.lb.LoadBalancer:
        return aws.lb.LoadBalancer(
            f"{self._name}-alb",
            load_balancer_type="application",
            internal=True,
            subnets=list(self._network.private_subnet_ids),
            security_groups=[self.alb_security_group.id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=self._spec.deletion_protection,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=self.log_bucket.bucket, prefix=ALB_LOG_PREFIX, enabled=True
            ),
            # Enabling access logs fails unless the bucket policy already lets ELB write.
            opts=self._child(*log_bucket_ready),
        )

    def _listener(self) -> aws.lb.Listener:
        not_found = aws.lb.ListenerDefaultActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="application/json",
                status_code="404",
                message_body=json.dumps({"message": "Not Found"}),
            ),
        )
        tls = self._spec.certificate_arn is not None
        return aws.lb.Listener(
            f"{self._name}-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=self.listener_port,
            protocol="HTTPS" if tls else "HTTP",
            ssl_policy=TLS_POLICY if tls else None,
            certificate_arn=self._spec.certificate_arn,
            default_actions=[not_found],
            opts=self._child(),
        )

    def _integration(self) -> aws.apigatewayv2.Integration:
        tls_config = (
            aws.apigatewayv2.IntegrationTlsConfigArgs(server_name_to_verify=self._spec.domain_name)
            if self._spec.certificate_arn
            else None
        )
        return aws.apigatewayv2.Integration(
            f"{self._name}-integration",
            api_id=self.api.id,
            description="Every route, through the VPC link, to the internal load balancer",
            integration_type="HTTP_PROXY",
            integration_method="ANY",
            connection_type="VPC_LINK",
            connection_id=self.vpc_link.id,
            integration_uri=self.listener.arn,
            payload_format_version="1.0",
            tls_config=tls_config,
            opts=self._child(),
        )

    def _routes(self) -> list[aws.apigatewayv2.Route]:
        target = pulumi.Output.concat("integrations/", self.integration.id)
        routes: list[aws.apigatewayv2.Route] = []
        for i, route in enumerate(self._spec.routes):
            for suffix, key in (("", route.path), ("-proxy", f"{route.path}/{{proxy+}}")):
                routes.append(
                    aws.apigatewayv2.Route(
                        f"{self._name}-route-{i}{suffix}",
                        api_id=self.api.id,
                        route_key=f"ANY {key}",
                        target=target,
                        opts=self._child(),
                    )
                )
        return routes

    def _stage(self) -> aws.apigatewayv2.Stage:
        return aws.apigatewayv2.Stage(
            f"{self._name}-stage",
            api_id=self.api.id,
            name=STAGE,
            auto_deploy=True,
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_burst_limit=self._spec.throttle_burst_limit,
                throttling_rate_limit=self._spec.throttle_rate_limit,
                detailed_metrics_enabled=True,
            ),
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=self.access_log_group.arn,
                format=ACCESS_LOG_FORMAT,
            ),
            opts=self._child(*self.routes),
        )

    def _custom_domain(self) -> aws.apigatewayv2.DomainName | None:
        spec = self._spec
        if spec.domain_name is None or spec.certificate_arn is None:
            return None
        domain = aws.apigatewayv2.DomainName(
            f"{self._name}-domain",
            domain_name=spec.domain_name,
            domain_name_configuration=aws.apigatewayv2.DomainNameDomainNameConfigurationArgs(
                certificate_arn=spec.certificate_arn,
                endpoint_type="REGIONAL",
                security_policy="TLS_1_2",
            ),
            opts=self._child(),
        )
        aws.apigatewayv2.ApiMapping(
            f"{self._name}-api-mapping",
            api_id=self.api.id,
            domain_name=domain.domain_name,
            stage=self.stage.name,
            opts=self._child(),
        )
        return domain

    def _alarms(self, topic_arn: pulumi.Input[str]) -> list[aws.cloudwatch.MetricAlarm]:
        spec = self._spec
        dimensions = {"ApiId": self.api.id, "Stage": STAGE}
        return [
            # HTTP APIs publish 5xx as 0 or 1 per request: its average is the error rate.
            metric_alarm(
                self,
                f"{self._name}-alarm-5xx-rate",
                description=f"More than {spec.error_rate_alarm_percent}% of API requests fail "
                "with a 5xx",
                namespace="AWS/ApiGateway",
                metric_name="5xx",
                dimensions=dimensions,
                statistic="Average",
                threshold=spec.error_rate_alarm_percent / 100,
                comparison="GreaterThanThreshold",
                alarm_topic_arn=topic_arn,
                treat_missing_data="notBreaching",
            ),
            metric_alarm(
                self,
                f"{self._name}-alarm-latency-p99",
                description=f"API p99 latency above {spec.latency_p99_alarm_ms} ms",
                namespace="AWS/ApiGateway",
                metric_name="Latency",
                dimensions=dimensions,
                extended_statistic="p99",
                threshold=spec.latency_p99_alarm_ms,
                comparison="GreaterThanThreshold",
                alarm_topic_arn=topic_arn,
                treat_missing_data="notBreaching",
            ),
        ]


def _log_bucket_policy(*, bucket_arn: str, account: str, region: str, partition: str) -> str:
    log_objects = f"{bucket_arn}/{ALB_LOG_PREFIX}/AWSLogs/{account}/*"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ElbLogDelivery",
            "Effect": "Allow",
            "Principal": {"Service": ELB_LOG_DELIVERY},
            "Action": "s3:PutObject",
            "Resource": log_objects,
        }
    ]
    legacy_account = LEGACY_ELB_LOG_ACCOUNTS.get(region)
    if legacy_account:
        statements.append(
            {
                "Sid": "RegionalElbAccountLogDelivery",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{legacy_account}:root"},
                "Action": "s3:PutObject",
                "Resource": log_objects,
            }
        )
    statements.append(
        {
            "Sid": "DenyWithoutTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
