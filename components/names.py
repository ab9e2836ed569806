"""Physical names within what AWS and Kubernetes accept.

A name that fits is used as it is. Only a name over its limit (one that could never have been
deployed, so shortening it renames nothing that exists) keeps its start and gets a short hash
of the whole, so two long names never collapse into one.

Most AWS resources here are auto-named by Pulumi: the physical name is the logical name, `-`
and 7 random characters (the pulumi-aws bridge's default, `tfbridge.AutoName`), and Pulumi
refuses to create one whose logical name leaves no room for them. `autonamed()` gives the
logical name to use so that the physical name fits.
"""

from __future__ import annotations

import hashlib

AUTONAME_SUFFIX = len("-") + 7
HASH_LENGTH = 8

LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
IAM_ROLE = "aws:iam/role:Role"
BUCKET = "aws:s3/bucket:Bucket"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
MAX_WAF_METRIC_NAME = 128
"""WAFV2 VisibilityConfig `MetricName`: "from one to 128 characters" (its length constraint
says 255; the shorter holds)."""

AUTONAMED_LIMITS: dict[str, int] = {
    # Elastic Load Balancing API Reference, CreateLoadBalancer / CreateTargetGroup `Name`:
    # at most 32 alphanumerics or hyphens, neither starting nor ending with a hyphen.
    LOAD_BALANCER: 32,
    TARGET_GROUP: 32,
    # IAM User Guide, "IAM and AWS STS quotas": role names 64, inline policy names 128.
    IAM_ROLE: 64,
    "aws:iam/rolePolicy:RolePolicy": 128,
    # S3 User Guide, "General purpose bucket naming rules": 3 to 63 characters.
    BUCKET: 63,
    # ElastiCache API Reference, CreateReplicationGroup `ReplicationGroupId`: 1 to 40.
    REPLICATION_GROUP: 40,
    # CreateCacheSubnetGroup / CreateCacheParameterGroup, CreateDBSubnetGroup /
    # CreateDBClusterParameterGroup, CreateSecurityGroup `GroupName`: 255.
    "aws:elasticache/subnetGroup:SubnetGroup": 255,
    "aws:elasticache/parameterGroup:ParameterGroup": 255,
    "aws:rds/subnetGroup:SubnetGroup": 255,
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": 255,
    "aws:ec2/securityGroup:SecurityGroup": 255,
    # SNS allows 256; pulumi-aws auto-names topics with at most 80 (its SQS queue limit).
    "aws:sns/topic:Topic": 80,
    # Secrets Manager API Reference, CreateSecret `Name`: 512.
    "aws:secretsmanager/secret:Secret": 512,
    # WAFV2 CreateWebACL, API Gateway v2 CreateApi / CreateVpcLink / CreateAuthorizer: 128.
    "aws:wafv2/webAcl:WebAcl": 128,
    "aws:apigatewayv2/api:Api": 128,
    "aws:apigatewayv2/vpcLink:VpcLink": 128,
    "aws:apigatewayv2/authorizer:Authorizer": 128,
    # CloudWatch PutMetricAlarm `AlarmName`, ECS CreateService `serviceName`, Application
    # Auto Scaling PutScalingPolicy `PolicyName`: 255 (the last allows 256).
    "aws:cloudwatch/metricAlarm:MetricAlarm": 255,
    "aws:ecs/service:Service": 255,
    "aws:appautoscaling/policy:Policy": 255,
    # MSK CreateConfiguration documents no length; held to the cluster name's 64.
    "aws:msk/configuration:Configuration": 64,
}
"""The longest physical name of each auto-named resource type the components create."""

RESERVED_PREFIXES: dict[str, tuple[str, ...]] = {
    # CreateLoadBalancer: a name "must not begin with internal-".
    LOAD_BALANCER: ("internal-",),
    # S3 bucket naming rules: prefixes reserved for access points and examples.
    BUCKET: ("xn--", "sthree-", "amzn-s3-demo-"),
}
"""Starts of names a resource type refuses; a logical name starting so gets `bp-` before."""
RESERVED_PREFIX_GUARD = "bp-"


def shorten(name: str, limit: int) -> str:
    """`name` if it has at most `limit` characters, else its start and a hash of the whole."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:HASH_LENGTH]
    return f"{name[: limit - HASH_LENGTH - 1].rstrip('-')}-{digest}"


def autonamed(logical: str, type_token: str) -> str:
    """The logical name to give a resource Pulumi auto-names, so that its physical name (the
    logical name and a random suffix) fits what `type_token` accepts."""
    if logical.startswith(RESERVED_PREFIXES.get(type_token, ())):
        logical = RESERVED_PREFIX_GUARD + logical
    return shorten(logical, AUTONAMED_LIMITS[type_token] - AUTONAME_SUFFIX)
