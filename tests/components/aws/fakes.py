"""Literal references for testing one component without building its neighbours."""

from components.aws.refs import NetworkRef, PlatformRef

NETWORK = NetworkRef(
    vpc_id="vpc-0123456789abcdef0",
    vpc_cidr_block="10.0.0.0/16",
    private_subnet_ids=["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"],
    public_subnet_ids=["subnet-pub-a", "subnet-pub-b", "subnet-pub-c"],
    availability_zones=["us-east-1a", "us-east-1b", "us-east-1c"],
    namespace_id="ns-0123456789abcdef",
    namespace_name="test.internal",
)

PLATFORM = PlatformRef(
    kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
    alarm_topic_arn="arn:aws:sns:us-east-1:123456789012:test-alarms",
    cluster_arn="arn:aws:ecs:us-east-1:123456789012:cluster/test",
    cluster_name="test",
)
