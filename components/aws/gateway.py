"""ApiGateway: the public HTTPS entry of a stack, an HTTP API reaching an internal ALB, or an
internet-facing ALB behind AWS WAF."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.alarms import MathMetric, metric_alarm, metric_math_alarm
from components.aws.refs import Ingress, NetworkRef, PlatformRef
from components.names import BUCKET, LOAD_BALANCER, MAX_WAF_METRIC_NAME, autonamed, shorten
from components.specs.gateway import GatewaySpec

TOKEN = "blueprints:aws:ApiGateway"
HTTPS_PORT = 443
HTTP_PORT = 80
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
ALB_LOG_PREFIX = "alb"
STAGE = "$default"
RULE_PRIORITY_STEP = 10
ANYWHERE_V4 = "0.0.0.0/0"
WAF_MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
"""AWS managed rule groups of the load-balancer endpoint's web ACL, after its rate rule."""
WAF_RATE_WINDOW_SECONDS = 300
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"
"""AWS WAF only logs to a log group whose name starts with this."""
MAX_LOG_GROUP_NAME = 512
WAF_LOGGED_ACTIONS = ("BLOCK", "COUNT", "EXCLUDED_AS_COUNT")
"""What `waf_logging: blocked` keeps: blocked requests, and requests a rule counted.
EXCLUDED_AS_COUNT is the action a logging filter sees for a managed rule switched to count by
a rule action override (`waf_count_rules`); COUNT is that of a rule whose own action is
count."""
WAF_REDACTED_HEADERS = ("authorization", "cookie")
"""Request headers left out of the WAF logs (credentials and sessions); lower case, as WAF
wants them."""
LB_5XX_RATE = "100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0))"
"""5xx share of the internet-facing ALB's requests, in percent."""

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
    """The public HTTPS entry of a stack, in one of two shapes (`GatewaySpec.endpoint`).

    `api-gateway` (the default): an API Gateway HTTP API whose routes reach services through a
    VPC link and an internal Application Load Balancer. Creates a `$default` stage
    (auto-deployed, throttled, detailed metrics, JSON access logs to a log group encrypted with
    the stack KMS key), one HTTP_PROXY integration over a VPC link to the ALB listener,
    `ANY <path>` and `ANY <path>/{proxy+}` routes per spec route, an internal ALB in the
    private subnets whose listener answers 404 unless a service adds a rule (see `ingress`), an
    S3 bucket for the ALB access logs, 5xx-rate and p99-latency alarms on the API, when a
    domain is set, a regional custom domain name mapped to the stage, and with `jwt_issuer` a
    JWT authorizer every route requires.

    `load-balancer`: an internet-facing Application Load Balancer in the public subnets serves
    `domain_name` over HTTPS on 443 itself, with the same 404 default and `ingress` contract,
    the same log bucket, an AWS WAF web ACL (with `waf`) and 5xx-rate and p99-latency alarms on
    the load balancer. No API Gateway resource, no VPC link, no stage log group. On the web
    ACL: WAF logging to a log group `aws-waf-logs-<stack>-<name>` encrypted with the stack KMS
    key (`waf_logging`: blocked and counted requests by default, every request, or none), and,
    opt-in, managed rules switched from block to count (`waf_count_rules`).

    Security defaults, `api-gateway`: the execute-api endpoint is HTTPS only (and disabled when
    a custom domain on TLS 1.2 serves the API); the ALB is internal, drops invalid header fields
    and only accepts traffic from the VPC link's security group on the listener port (HTTPS
    with a TLS 1.2/1.3 policy when a certificate is given, with API Gateway verifying the
    certificate name); neither security group has a rule open to 0.0.0.0/0.

    Security defaults, `load-balancer`: the only listener is HTTPS on 443 with
    `ELBSecurityPolicy-TLS13-1-2-2021-06` (no port 80, no redirect); the ALB's security group
    admits TCP 443 from 0.0.0.0/0 and nothing else (the VPC is IPv4 only) and reaches only the
    VPC CIDR; the ALB drops invalid header fields; with `waf`, a regional web ACL runs a
    per-IP rate rule and the AWS managed Common and Known-bad-inputs rule groups, and the ALB
    fails open (requests pass unfiltered while AWS WAF is unreachable: availability over
    filtering). WAF logs (blocked and counted requests by default) leave out the
    `authorization` and `cookie` headers.

    Both: the log bucket blocks all public access, enforces bucket-owner object ownership, is
    encrypted with SSE-S3 (the only encryption ALB log delivery supports), refuses non-TLS
    requests and only lets Elastic Load Balancing write under this account's log prefix.
    """

    endpoint: str
    """`api-gateway` or `load-balancer` (the spec's `endpoint`)."""
    url: pulumi.Output[str]
    api_id: pulumi.Output[str] | None
    """Id of the HTTP API (none with the load-balancer endpoint)."""
    vpc_link_id: pulumi.Output[str] | None
    """Id of the VPC link (none with the load-balancer endpoint)."""
    listener_arn: pulumi.Output[str]
    load_balancer_arn_suffix: pulumi.Output[str]
    load_balancer_security_group_id: pulumi.Output[str]
    listener_port: int
    web_acl_arn: pulumi.Output[str] | None
    """ARN of the WAF web ACL (load-balancer endpoint with `waf` only)."""
    waf_log_group_name: pulumi.Output[str] | None
    """Name of the WAF log group (load-balancer endpoint with `waf`, unless `waf_logging` is
    none)."""
    domain_target_name: pulumi.Output[str] | None
    """Target of the DNS alias record for `domain_name`: the API Gateway regional domain, or the
    load balancer's DNS name (none without a custom domain)."""
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
        self.endpoint = spec.endpoint
        public = spec.endpoint == "load-balancer"
        self.listener_port = HTTPS_PORT if spec.certificate_arn else HTTP_PORT

        self.access_log_group: aws.cloudwatch.LogGroup | None = None
        self.vpc_link_security_group: aws.ec2.SecurityGroup | None = None
        self.vpc_link: aws.apigatewayv2.VpcLink | None = None
        self.api: aws.apigatewayv2.Api | None = None
        self.integration: aws.apigatewayv2.Integration | None = None
        self.routes: list[aws.apigatewayv2.Route] = []
        self.authorizer: aws.apigatewayv2.Authorizer | None = None
        self.stage: aws.apigatewayv2.Stage | None = None
        self.domain: aws.apigatewayv2.DomainName | None = None
        self.web_acl: aws.wafv2.WebAcl | None = None
        self.web_acl_association: aws.wafv2.WebAclAssociation | None = None
        self.waf_log_group: aws.cloudwatch.LogGroup | None = None
        self.waf_logging_configuration: aws.wafv2.WebAclLoggingConfiguration | None = None

        # The api-gateway endpoint's stage log group and VPC link group (none when public).
        api_parts: tuple[aws.cloudwatch.LogGroup, aws.ec2.SecurityGroup] | None = None
        if public:
            self.alb_security_group = self._public_security_group()
        else:
            access_log_group = aws.cloudwatch.LogGroup(
                f"{name}-access-logs",
                retention_in_days=spec.access_log_retention_days,
                kms_key_id=platform.kms_key_arn,
                opts=self._child(),
            )
            vpc_link_security_group, self.alb_security_group = self._security_groups()
            api_parts = (access_log_group, vpc_link_security_group)
            self.access_log_group, self.vpc_link_security_group = api_parts
        self.log_bucket, log_bucket_ready = self._alb_log_bucket()
        self.load_balancer = self._load_balancer(log_bucket_ready)
        self.listener = self._listener()

        if api_parts is None:
            if spec.waf:
                self.web_acl, self.web_acl_association = self._web_acl()
                if spec.waf_logging != "none":
                    self.waf_log_group, self.waf_logging_configuration = self._waf_logging(
                        self.web_acl, platform.kms_key_arn
                    )
            self.alarms = self._load_balancer_alarms(platform.alarm_topic_arn)
        else:
            access_log_group, vpc_link_security_group = api_parts
            self.vpc_link = aws.apigatewayv2.VpcLink(
                f"{name}-vpc-link",
                subnet_ids=list(network.private_subnet_ids),
                security_group_ids=[vpc_link_security_group.id],
                opts=self._child(),
            )
            self.api = aws.apigatewayv2.Api(
                f"{name}-api",
                protocol_type="HTTP",
                description=f"Public entry of the {pulumi.get_stack()} stack",
                disable_execute_api_endpoint=spec.domain_name is not None,
                opts=self._child(),
            )
            self.integration = self._integration(self.api, self.vpc_link)
            self.authorizer = self._authorizer(self.api)
            self.routes = self._routes(self.api, self.integration)
            self.stage = self._stage(self.api, access_log_group, self.routes)
            self.domain = self._custom_domain(self.api, self.stage)
            self.alarms = self._api_alarms(self.api, platform.alarm_topic_arn)

        self.api_id = self.api.id if self.api else None
        self.vpc_link_id = self.vpc_link.id if self.vpc_link else None
        self.web_acl_arn = self.web_acl.arn if self.web_acl else None
        self.waf_log_group_name = self.waf_log_group.name if self.waf_log_group else None
        if self.api is not None and not spec.domain_name:
            self.url = self.api.api_endpoint
        else:  # a custom domain (the load-balancer endpoint always has one)
            self.url = pulumi.Output.from_input(f"https://{spec.domain_name}")
        self.listener_arn = self.listener.arn
        self.load_balancer_arn_suffix = self.load_balancer.arn_suffix
        self.load_balancer_security_group_id = self.alb_security_group.id
        self.domain_target_name = None
        self.domain_hosted_zone_id = None
        if public:
            self.domain_target_name = self.load_balancer.dns_name
            self.domain_hosted_zone_id = self.load_balancer.zone_id
        elif self.domain is not None:
            config = self.domain.domain_name_configuration
            self.domain_target_name = config.apply(lambda c: c.target_domain_name or "")
            self.domain_hosted_zone_id = config.apply(lambda c: c.hosted_zone_id or "")
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "url": self.url,
                "api_id": self.api_id,
                "authorizer_id": self.authorizer.id if self.authorizer else None,
                "stage_name": self.stage.name if self.stage else None,
                "listener_arn": self.listener_arn,
                "listener_port": self.listener_port,
                "load_balancer_arn_suffix": self.load_balancer_arn_suffix,
                "load_balancer_security_group_id": self.load_balancer_security_group_id,
                "vpc_link_id": self.vpc_link_id,
                "access_log_group_name": (
                    self.access_log_group.name if self.access_log_group else None
                ),
                "alb_log_bucket": self.log_bucket.bucket,
                "web_acl_arn": self.web_acl_arn,
                "waf_log_group_name": self.waf_log_group_name,
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
        self._alb_egress(alb)
        return vpc_link, alb

    def _alb_egress(self, alb: aws.ec2.SecurityGroup) -> None:
        # Service ports are only known to the services, which admit the ALB group themselves.
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-alb-egress",
            security_group_id=alb.id,
            description="To service targets inside the VPC",
            ip_protocol="tcp",
            from_port=0,
            to_port=65535,
            cidr_ipv4=self._network.vpc_cidr_block,
            opts=self._child(),
        )

    def _public_security_group(self) -> aws.ec2.SecurityGroup:
        """The internet-facing ALB's group: HTTPS from anywhere in, the VPC out."""
        name = self._name
        alb = aws.ec2.SecurityGroup(
            f"{name}-alb-sg",
            description="Internet-facing load balancer: HTTPS from anywhere",
            vpc_id=self._network.vpc_id,
            opts=self._child(),
        )
        # The VPC and its subnets are IPv4 only (components/aws/network.py): no ::/0 rule.
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-alb-ingress",
            security_group_id=alb.id,
            description="HTTPS from the Internet",
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            cidr_ipv4=ANYWHERE_V4,
            opts=self._child(),
        )
        self._alb_egress(alb)
        return alb

    def _alb_log_bucket(self) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
        """The ALB access-log bucket, and the resources that must exist before the ALB logs."""
        name = self._name
        bucket = aws.s3.Bucket(autonamed(f"{name}-alb-logs", BUCKET), opts=self._child())
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
        spec = self._spec
        public = spec.endpoint == "load-balancer"
        capacity = (
            aws.lb.LoadBalancerMinimumLoadBalancerCapacityArgs(
                capacity_units=spec.reserved_capacity_units
            )
            if spec.reserved_capacity_units is not None
            else None
        )
        subnets = self._network.public_subnet_ids if public else self._network.private_subnet_ids
        return aws.lb.LoadBalancer(
            autonamed(f"{self._name}-alb", LOAD_BALANCER),
            load_balancer_type="application",
            internal=not public,
            subnets=list(subnets),
            security_groups=[self.alb_security_group.id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=spec.deletion_protection,
            # A WAF outage must not take the API down: requests then pass unfiltered.
            enable_waf_fail_open=True if public and spec.waf else None,
            minimum_load_balancer_capacity=capacity,
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

    def _integration(
        self, api: aws.apigatewayv2.Api, vpc_link: aws.apigatewayv2.VpcLink
    ) -> aws.apigatewayv2.Integration:
        tls_config = (
            aws.apigatewayv2.IntegrationTlsConfigArgs(server_name_to_verify=self._spec.domain_name)
            if self._spec.certificate_arn
            else None
        )
        return aws.apigatewayv2.Integration(
            f"{self._name}-integration",
            api_id=api.id,
            description="Every route, through the VPC link, to the internal load balancer",
            integration_type="HTTP_PROXY",
            integration_method="ANY",
            connection_type="VPC_LINK",
            connection_id=vpc_link.id,
            integration_uri=self.listener.arn,
            payload_format_version="1.0",
            tls_config=tls_config,
            opts=self._child(),
        )

    def _authorizer(self, api: aws.apigatewayv2.Api) -> aws.apigatewayv2.Authorizer | None:
        spec = self._spec
        if spec.jwt_issuer is None:
            return None
        return aws.apigatewayv2.Authorizer(
            f"{self._name}-authorizer",
            api_id=api.id,
            authorizer_type="JWT",
            identity_sources=["$request.header.Authorization"],
            jwt_configuration=aws.apigatewayv2.AuthorizerJwtConfigurationArgs(
                issuer=spec.jwt_issuer, audiences=list(spec.jwt_audiences)
            ),
            opts=self._child(),
        )

    def _routes(
        self, api: aws.apigatewayv2.Api, integration: aws.apigatewayv2.Integration
    ) -> list[aws.apigatewayv2.Route]:
        target = pulumi.Output.concat("integrations/", integration.id)
        authorizer = self.authorizer
        routes: list[aws.apigatewayv2.Route] = []
        for i, route in enumerate(self._spec.routes):
            for suffix, key in (("", route.path), ("-proxy", f"{route.path}/{{proxy+}}")):
                routes.append(
                    aws.apigatewayv2.Route(
                        f"{self._name}-route-{i}{suffix}",
                        api_id=api.id,
                        route_key=f"ANY {key}",
                        target=target,
                        authorization_type="JWT" if authorizer else None,
                        authorizer_id=authorizer.id if authorizer else None,
                        opts=self._child(),
                    )
                )
        return routes

    def _stage(
        self,
        api: aws.apigatewayv2.Api,
        access_log_group: aws.cloudwatch.LogGroup,
        routes: list[aws.apigatewayv2.Route],
    ) -> aws.apigatewayv2.Stage:
        return aws.apigatewayv2.Stage(
            f"{self._name}-stage",
            api_id=api.id,
            name=STAGE,
            auto_deploy=True,
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_burst_limit=self._spec.throttle_burst_limit,
                throttling_rate_limit=self._spec.throttle_rate_limit,
                detailed_metrics_enabled=True,
            ),
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=access_log_group.arn,
                format=ACCESS_LOG_FORMAT,
            ),
            opts=self._child(*routes),
        )

    def _custom_domain(
        self, api: aws.apigatewayv2.Api, stage: aws.apigatewayv2.Stage
    ) -> aws.apigatewayv2.DomainName | None:
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
            api_id=api.id,
            domain_name=domain.domain_name,
            stage=stage.name,
            opts=self._child(),
        )
        return domain

    def _api_alarms(
        self, api: aws.apigatewayv2.Api, topic_arn: pulumi.Input[str]
    ) -> list[aws.cloudwatch.MetricAlarm]:
        spec = self._spec
        dimensions = {"ApiId": api.id, "Stage": STAGE}
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

    def _web_acl(self) -> tuple[aws.wafv2.WebAcl, aws.wafv2.WebAclAssociation]:
        """A regional web ACL on the internet-facing ALB: a per-IP rate rule first (every
        request counts towards it), then the AWS managed rule groups; anything else passes."""
        name, spec = self._name, self._spec
        metric = _waf_metric_name(name)

        def visibility(metric_name: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
            return aws.wafv2.WebAclRuleVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True,
                metric_name=metric_name,
                sampled_requests_enabled=True,
            )

        rules = [
            aws.wafv2.WebAclRuleArgs(
                name="rate-limit-per-ip",
                priority=0,
                action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                        aggregate_key_type="IP",
                        limit=spec.waf_rate_limit_per_ip,
                        evaluation_window_sec=WAF_RATE_WINDOW_SECONDS,
                    )
                ),
                visibility_config=visibility(
                    shorten(f"{metric}-rate-limit-per-ip", MAX_WAF_METRIC_NAME)
                ),
            )
        ]
        # Managed rules the spec switches from block to count; AWS WAF ignores a name that a
        # managed group does not have, so the same list goes on every group.
        count_overrides = [
            aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs(
                name=rule,
                action_to_use=(
                    aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs(
                        count=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs()
                    )
                ),
            )
            for rule in spec.waf_count_rules
        ]
        for priority, group in enumerate(WAF_MANAGED_RULE_GROUPS, start=1):
            rules.append(
                aws.wafv2.WebAclRuleArgs(
                    name=group,
                    priority=priority,
                    override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                        none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
                    ),
                    statement=aws.wafv2.WebAclRuleStatementArgs(
                        managed_rule_group_statement=(
                            aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                                name=group,
                                vendor_name="AWS",
                                rule_action_overrides=count_overrides or None,
                            )
                        )
                    ),
                    visibility_config=visibility(shorten(f"{metric}-{group}", MAX_WAF_METRIC_NAME)),
                )
            )
        acl = aws.wafv2.WebAcl(
            f"{name}-waf",
            description=f"Public load balancer of the {pulumi.get_stack()} stack",
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(
                allow=aws.wafv2.WebAclDefaultActionAllowArgs()
            ),
            rules=rules,
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True,
                metric_name=metric,
                sampled_requests_enabled=True,
            ),
            opts=self._child(),
        )
        association = aws.wafv2.WebAclAssociation(
            f"{name}-waf-association",
            resource_arn=self.load_balancer.arn,
            web_acl_arn=acl.arn,
            opts=self._child(),
        )
        return acl, association

    def _waf_logging(
        self, acl: aws.wafv2.WebAcl, kms_key_arn: pulumi.Input[str]
    ) -> tuple[aws.cloudwatch.LogGroup, aws.wafv2.WebAclLoggingConfiguration]:
        """The web ACL's logs in an encrypted log group whose name starts with
        `aws-waf-logs-` (AWS WAF refuses any other), credentials redacted: blocked and counted
        requests only (`waf_logging: blocked`), or every request it inspects (`all`)."""
        name = self._name
        logging_filter = None
        if self._spec.waf_logging == "blocked":
            logging_filter = aws.wafv2.WebAclLoggingConfigurationLoggingFilterArgs(
                default_behavior="DROP",
                filters=[
                    aws.wafv2.WebAclLoggingConfigurationLoggingFilterFilterArgs(
                        behavior="KEEP",
                        requirement="MEETS_ANY",
                        conditions=[
                            aws.wafv2.WebAclLoggingConfigurationLoggingFilterFilterConditionArgs(
                                action_condition=aws.wafv2.WebAclLoggingConfigurationLoggingFilterFilterConditionActionConditionArgs(
                                    action=action
                                )
                            )
                            for action in WAF_LOGGED_ACTIONS
                        ],
                    )
                ],
            )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-waf-logs",
            name=waf_log_group_name(name),
            retention_in_days=self._spec.access_log_retention_days,
            kms_key_id=kms_key_arn,
            opts=self._child(),
        )
        logging = aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-waf-logging",
            resource_arn=acl.arn,
            # LogGroup.arn has no `:*` suffix (the provider strips it), as WAF requires.
            log_destination_configs=[log_group.arn],
            redacted_fields=[
                {"single_header": {"name": header}} for header in WAF_REDACTED_HEADERS
            ],
            logging_filter=logging_filter,
            opts=self._child(),
        )
        return log_group, logging

    def _load_balancer_alarms(
        self, topic_arn: pulumi.Input[str]
    ) -> list[aws.cloudwatch.MetricAlarm]:
        spec = self._spec
        dimensions = {"LoadBalancer": self.load_balancer.arn_suffix}

        def count(metric_name: str) -> MathMetric:
            return MathMetric("AWS/ApplicationELB", metric_name, dimensions, stat="Sum")

        return [
            # 5xx counts are only published when non-zero: FILL makes a quiet minute 0.
            # RequestCount leaves out requests refused before a target is chosen (a 503 when
            # no target is registered): the load balancer's own 5xx join the denominator, so
            # an outage of every target still reads as a high rate, not as no data.
            metric_math_alarm(
                self,
                f"{self._name}-alarm-5xx-rate",
                description=f"More than {spec.error_rate_alarm_percent}% of load balancer "
                "requests fail with a 5xx (load balancer or targets)",
                expression=LB_5XX_RATE,
                label="5xx rate (%)",
                metrics={
                    "elb5xx": count("HTTPCode_ELB_5XX_Count"),
                    "target5xx": count("HTTPCode_Target_5XX_Count"),
                    "requests": count("RequestCount"),
                },
                threshold=spec.error_rate_alarm_percent,
                comparison="GreaterThanThreshold",
                alarm_topic_arn=topic_arn,
                treat_missing_data="notBreaching",
            ),
            # TargetResponseTime is in seconds.
            metric_alarm(
                self,
                f"{self._name}-alarm-latency-p99",
                description=f"Load balancer p99 target response time above "
                f"{spec.latency_p99_alarm_ms} ms",
                namespace="AWS/ApplicationELB",
                metric_name="TargetResponseTime",
                dimensions=dimensions,
                extended_statistic="p99",
                threshold=spec.latency_p99_alarm_ms / 1000,
                comparison="GreaterThanThreshold",
                alarm_topic_arn=topic_arn,
                treat_missing_data="notBreaching",
            ),
        ]


def _waf_metric_name(name: str) -> str:
    """CloudWatch metric name of the web ACL: per stack, since WAF metrics of every stack of
    the account and region share the `AWS/WAFV2` namespace."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{pulumi.get_stack()}-{name}")


def waf_log_group_name(name: str) -> str:
    """`aws-waf-logs-<stack>-<name>`, in the characters a log group name accepts (letters,
    digits, '_', '-', '.'), at most 512 characters.

    A name that is too long keeps its start and gets a short hash of the whole, so two long
    names never collapse into one.
    """
    full = WAF_LOG_GROUP_PREFIX + re.sub(r"[^A-Za-z0-9_.-]", "-", f"{pulumi.get_stack()}-{name}")
    if len(full) <= MAX_LOG_GROUP_NAME:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{full[: MAX_LOG_GROUP_NAME - len(digest) - 1]}-{digest}"


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
