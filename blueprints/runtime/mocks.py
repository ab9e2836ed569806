"""Deterministic stand-ins for what AWS and Kubernetes compute at deploy time.

Each entry fills in the outputs a real provider returns (ARNs, endpoints, generated ids) that our
components read, so downstream wiring can be checked offline. Values depend only on the resource
type and name: the same program gives the same plan, byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from pulumi.runtime import Mocks, rpc
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

ACCOUNT = "123456789012"
PARTITION = "aws"

State = dict[str, Any]


def _hex(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("::".join(parts).encode()).hexdigest()[:length]


def _uuid(*parts: str) -> str:
    h = _hex(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class OfflineMocks(Mocks):
    """Mocks for the AWS, random and Kubernetes providers, deterministic by name."""

    def __init__(self, region: str = "us-east-1") -> None:
        self.region = region

    # --- helpers ---------------------------------------------------------------------------
    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        reg = self.region if region else ""
        acct = ACCOUNT if account else ""
        return f"arn:{PARTITION}:{service}:{reg}:{acct}:{resource}"

    # --- Mocks API -------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        if not args.custom and not args.typ.startswith("kubernetes:"):
            return ("", {})
        name = args.name
        inputs: State = dict(args.inputs)
        builder = _OUTPUTS.get(args.typ)
        physical = str(inputs.get("name") or name)
        rid = f"{name}-{_hex(args.typ, name, length=8)}"
        computed: State = builder(self, physical, inputs) if builder else {}
        rid = str(computed.pop("id", rid))
        state = {**inputs, **computed}
        # Pulumi auto-names resources that take a `name`: stand in with a stable suffix.
        state.setdefault("name", f"{name}-{_hex('autoname', args.typ, name, length=7)}")
        state.setdefault("arn", self.arn(_service_of(args.typ), f"{_kind_of(args.typ)}/{physical}"))
        return (rid, state)

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        handler = _CALLS.get(args.token)
        # Failures must be a list: Pulumi's MockMonitor iterates them.
        if handler is None:
            return ({}, [])
        return (handler(self, dict(args.args)), [])


def _service_of(token: str) -> str:
    # "aws:rds/instance:Instance" -> "rds"
    pkg_mod = token.split(":")[1] if ":" in token else token
    return pkg_mod.split("/")[0]


def _kind_of(token: str) -> str:
    return token.rsplit(":", 1)[-1].lower()


# --- per-type computed outputs ---------------------------------------------------------------
def _vpc(m: OfflineMocks, name: str, i: State) -> State:
    return {"id": f"vpc-{_hex('vpc', name)}", "defaultSecurityGroupId": f"sg-{_hex('dsg', name)}"}


def _prefixed(prefix: str) -> Callable[[OfflineMocks, str, State], State]:
    def build(m: OfflineMocks, name: str, i: State) -> State:
        return {"id": f"{prefix}-{_hex(prefix, name)}"}

    return build


def _subnet(m: OfflineMocks, name: str, i: State) -> State:
    """A subnet placed by zone ID gets the zone's name in the offline account, and back."""
    zones = REGION_ZONES.get(m.region, {})
    state: State = {"id": f"subnet-{_hex('subnet', name)}"}
    zone_id, zone = i.get("availabilityZoneId"), i.get("availabilityZone")
    if zone_id and not zone:
        state["availabilityZone"] = zones.get(str(zone_id), f"{m.region}a")
    elif zone and not zone_id:
        names = {v: k for k, v in zones.items()}
        state["availabilityZoneId"] = names.get(str(zone), f"{_region_code(m.region)}-az1")
    return state


def _security_group(m: OfflineMocks, name: str, i: State) -> State:
    sg = f"sg-{_hex('sg', name)}"
    return {"id": sg, "arn": m.arn("ec2", f"security-group/{sg}")}


def _kms_key(m: OfflineMocks, name: str, i: State) -> State:
    key_id = _uuid("kms", name)
    return {"id": key_id, "keyId": key_id, "arn": m.arn("kms", f"key/{key_id}")}


def _log_group(m: OfflineMocks, name: str, i: State) -> State:
    return {"id": name, "arn": m.arn("logs", f"log-group:{name}")}


def _iam_role(m: OfflineMocks, name: str, i: State) -> State:
    return {
        "id": name,
        "arn": m.arn("iam", f"role/{name}", region=False),
        "uniqueId": _hex("role", name),
    }


def _iam_policy(m: OfflineMocks, name: str, i: State) -> State:
    return {"arn": m.arn("iam", f"policy/{name}", region=False)}


def _sns_topic(m: OfflineMocks, name: str, i: State) -> State:
    arn = m.arn("sns", name)
    return {"id": arn, "arn": arn}


def _rds_instance(m: OfflineMocks, name: str, i: State) -> State:
    ident = str(i.get("identifier") or name)
    host = f"{ident}.c{_hex('rds', ident, length=12)}.{m.region}.rds.amazonaws.com"
    state: State = {
        "id": ident,
        "identifier": ident,
        "address": host,
        "endpoint": f"{host}:5432",
        "port": 5432,
        "resourceId": f"db-{_hex('dbi', ident, length=26).upper()}",
        "arn": m.arn("rds", f"db:{ident}"),
    }
    if i.get("manageMasterUserPassword"):
        state["masterUserSecrets"] = [
            {
                "secretArn": m.arn("secretsmanager", f"secret:rds!db-{_uuid('sec', ident)}-AbCdEf"),
                "secretStatus": "active",
                "kmsKeyId": i.get("masterUserSecretKmsKeyId", ""),
            }
        ]
    return state


def _rds_cluster(m: OfflineMocks, name: str, i: State) -> State:
    ident = str(i.get("clusterIdentifier") or name)
    suffix = f"cluster-{_hex('rdsc', ident, length=12)}.{m.region}.rds.amazonaws.com"
    state: State = {
        "id": ident,
        "clusterIdentifier": ident,
        "endpoint": f"{ident}.{suffix}",
        "readerEndpoint": f"{ident}.{suffix.replace('cluster-', 'cluster-ro-', 1)}",
        "port": 5432,
        "clusterResourceId": f"cluster-{_hex('rdscr', ident, length=26).upper()}",
        "arn": m.arn("rds", f"cluster:{ident}"),
    }
    if i.get("manageMasterUserPassword"):
        state["masterUserSecrets"] = [
            {
                "secretArn": m.arn(
                    "secretsmanager", f"secret:rds!cluster-{_uuid('sec', ident)}-AbCdEf"
                ),
                "secretStatus": "active",
                "kmsKeyId": i.get("masterUserSecretKmsKeyId", ""),
            }
        ]
    return state


def _rds_cluster_instance(m: OfflineMocks, name: str, i: State) -> State:
    # Pulumi auto-names an instance's identifier: `<logical name>-<7 hex>`.
    ident = str(i.get("identifier") or f"{name}-{_hex('autoname', 'rdsi', name, length=7)}")
    host = f"{ident}.c{_hex('rds', ident, length=12)}.{m.region}.rds.amazonaws.com"
    return {
        "id": ident,
        "identifier": ident,
        "endpoint": host,
        "port": 5432,
        "dbiResourceId": f"db-{_hex('dbi', ident, length=26).upper()}",
        "arn": m.arn("rds", f"db:{ident}"),
    }


def _rds_proxy(m: OfflineMocks, name: str, i: State) -> State:
    proxy = str(i.get("name") or name)
    return {
        "id": proxy,
        "arn": m.arn("rds", f"db-proxy:prx-{_hex('prx', proxy)}"),
        "endpoint": f"{proxy}.proxy-{_hex('prxdns', proxy, length=12)}.{m.region}.rds.amazonaws.com",
    }


def _replication_group(m: OfflineMocks, name: str, i: State) -> State:
    ident = str(i.get("replicationGroupId") or name)
    return {
        "id": ident,
        "arn": m.arn("elasticache", f"replicationgroup:{ident}"),
        "configurationEndpointAddress": f"clustercfg.{ident}.{_hex('ec', ident, length=6)}.use1.cache.amazonaws.com",
        "port": 6379,
    }


def _msk_cluster(m: OfflineMocks, name: str, i: State) -> State:
    cluster = str(i.get("clusterName") or name)
    uuid = f"{_uuid('msk', cluster)}-3"
    brokers = ",".join(
        f"b-{n}.{cluster}.{_hex('msk', cluster, length=6)}.c2.kafka.{m.region}.amazonaws.com:9098"
        for n in range(1, int(i.get("numberOfBrokerNodes", 3)) + 1)
    )
    return {
        "id": m.arn("kafka", f"cluster/{cluster}/{uuid}"),
        "arn": m.arn("kafka", f"cluster/{cluster}/{uuid}"),
        "clusterUuid": uuid,
        "bootstrapBrokersSaslIam": brokers,
        "currentVersion": "K3AEGXETSR30VB",
    }


def _msk_configuration(m: OfflineMocks, name: str, i: State) -> State:
    return {
        "arn": m.arn("kafka", f"configuration/{name}/{_uuid('mskc', name)}-2"),
        "latestRevision": 1,
    }


# Canonical hosted zones of Application Load Balancers, per region (AWS "Elastic Load
# Balancing endpoints and quotas"); the alias target of a domain pointing at an ALB.
ALB_HOSTED_ZONES = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-central-1": "Z215JYRZR1TBD5",
}


def _load_balancer(m: OfflineMocks, name: str, i: State) -> State:
    suffix = f"app/{name}/{_hex('alb', name, length=16)}"
    scheme = "internal-" if i.get("internal", True) else ""
    return {
        "arn": m.arn("elasticloadbalancing", f"loadbalancer/{suffix}"),
        "arnSuffix": suffix,
        "dnsName": f"{scheme}{name}-{_hex('albdns', name, length=10)}.{m.region}.elb.amazonaws.com",
        "zoneId": ALB_HOSTED_ZONES.get(m.region, ALB_HOSTED_ZONES["us-east-1"]),
    }


def _target_group(m: OfflineMocks, name: str, i: State) -> State:
    suffix = f"targetgroup/{name}/{_hex('tg', name, length=16)}"
    return {"arn": m.arn("elasticloadbalancing", suffix), "arnSuffix": suffix}


def _listener(m: OfflineMocks, name: str, i: State) -> State:
    return {
        "arn": m.arn("elasticloadbalancing", f"listener/app/{name}/{_hex('lst', name, length=16)}")
    }


def _http_api(m: OfflineMocks, name: str, i: State) -> State:
    api_id = _hex("api", name, length=10)
    return {
        "id": api_id,
        "apiEndpoint": f"https://{api_id}.execute-api.{m.region}.amazonaws.com",
        "executionArn": m.arn("execute-api", api_id),
        "arn": m.arn("apigateway", f"/apis/{api_id}", account=False),
    }


def _api_stage(m: OfflineMocks, name: str, i: State) -> State:
    return {
        "invokeUrl": f"https://{_hex('api', name, length=10)}.execute-api.{m.region}.amazonaws.com/"
    }


def _domain_name(m: OfflineMocks, name: str, i: State) -> State:
    return {
        "domainNameConfiguration": {
            **(i.get("domainNameConfiguration") or {}),
            "targetDomainName": f"d-{_hex('dn', name, length=10)}.execute-api.{m.region}.amazonaws.com",
            "hostedZoneId": "Z1UJRXOUMOOFQ8",
        }
    }


def _ecs_cluster(m: OfflineMocks, name: str, i: State) -> State:
    return {
        "id": m.arn("ecs", f"cluster/{name}"),
        "arn": m.arn("ecs", f"cluster/{name}"),
        "name": name,
    }


def _ecs_service(m: OfflineMocks, name: str, i: State) -> State:
    return {"id": m.arn("ecs", f"service/{name}"), "name": name}


def _task_definition(m: OfflineMocks, name: str, i: State) -> State:
    family = str(i.get("family") or name)
    return {"arn": m.arn("ecs", f"task-definition/{family}:1"), "revision": 1}


def _namespace(m: OfflineMocks, name: str, i: State) -> State:
    ns = f"ns-{_hex('ns', name, length=16)}"
    return {
        "id": ns,
        "arn": m.arn("servicediscovery", f"namespace/{ns}"),
        "hostedZone": f"Z{_hex('hz', name, length=13).upper()}",
    }


def _sd_service(m: OfflineMocks, name: str, i: State) -> State:
    sid = f"srv-{_hex('srv', name, length=16)}"
    return {"id": sid, "arn": m.arn("servicediscovery", f"service/{sid}")}


def _secret(m: OfflineMocks, name: str, i: State) -> State:
    arn = m.arn("secretsmanager", f"secret:{name}-{_hex('sm', name, length=6)}")
    return {"id": arn, "arn": arn}


def _random_password(m: OfflineMocks, name: str, i: State) -> State:
    # A fixed, obviously fake value: it only ever travels inside secret outputs.
    value = "offline-preview-not-a-real-password-" + _hex("pw", name, length=8)
    return {"id": "none", "result": rpc.wrap_rpc_secret(value)}


def _s3_bucket(m: OfflineMocks, name: str, i: State) -> State:
    bucket = str(i.get("bucket") or name)
    return {"id": bucket, "bucket": bucket, "arn": f"arn:{PARTITION}:s3:::{bucket}"}


def _vpc_link(m: OfflineMocks, name: str, i: State) -> State:
    return {"id": _hex("vpclink", name, length=6)}


_OUTPUTS: dict[str, Callable[[OfflineMocks, str, State], State]] = {
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:ec2/internetGateway:InternetGateway": _prefixed("igw"),
    "aws:ec2/natGateway:NatGateway": _prefixed("nat"),
    "aws:ec2/eip:Eip": _prefixed("eipalloc"),
    "aws:ec2/routeTable:RouteTable": _prefixed("rtb"),
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _prefixed("vpce"),
    "aws:ec2/flowLog:FlowLog": _prefixed("fl"),
    "aws:kms/key:Key": _kms_key,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/policy:Policy": _iam_policy,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _rds_cluster_instance,
    "aws:rds/proxy:Proxy": _rds_proxy,
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": lambda m, name, i: {
        "name": "default"
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:msk/cluster:Cluster": _msk_cluster,
    "aws:msk/configuration:Configuration": _msk_configuration,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:apigatewayv2/api:Api": _http_api,
    "aws:apigatewayv2/stage:Stage": _api_stage,
    "aws:apigatewayv2/domainName:DomainName": _domain_name,
    "aws:apigatewayv2/vpcLink:VpcLink": _vpc_link,
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:ecs/cluster:Cluster": _ecs_cluster,
    "aws:ecs/service:Service": _ecs_service,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": _namespace,
    "aws:servicediscovery/service:Service": _sd_service,
    "aws:secretsmanager/secret:Secret": _secret,
    "random:index/randomPassword:RandomPassword": _random_password,
    # Every Pulumi dynamic resource has this type; the only one we declare is a password
    # (components/k8s/password.py).
    "pulumi-python:dynamic:Resource": _random_password,
}


# --- invokes ---------------------------------------------------------------------------------
# Zone IDs of each region, and the zone name each maps to in the offline account: the mapping
# is per account in AWS, so it is shuffled here too (us-east-1a is not use1-az1), which makes
# code that picks zones by name rather than ID visible in tests.
REGION_ZONES: dict[str, dict[str, str]] = {
    "us-east-1": {
        "use1-az1": "us-east-1d", "use1-az2": "us-east-1b", "use1-az3": "us-east-1a",
        "use1-az4": "us-east-1c", "use1-az5": "us-east-1f", "use1-az6": "us-east-1e",
    },
    "us-east-2": {"use2-az1": "us-east-2a", "use2-az2": "us-east-2b", "use2-az3": "us-east-2c"},
    "us-west-1": {"usw1-az1": "us-west-1b", "usw1-az3": "us-west-1c"},
    "us-west-2": {
        "usw2-az1": "us-west-2b", "usw2-az2": "us-west-2a", "usw2-az3": "us-west-2c",
        "usw2-az4": "us-west-2d",
    },
    "eu-west-1": {"euw1-az1": "eu-west-1b", "euw1-az2": "eu-west-1c", "euw1-az3": "eu-west-1a"},
    "eu-west-2": {"euw2-az1": "eu-west-2c", "euw2-az2": "eu-west-2a", "euw2-az3": "eu-west-2b"},
    "eu-central-1": {
        "euc1-az1": "eu-central-1c", "euc1-az2": "eu-central-1a", "euc1-az3": "eu-central-1b",
    },
}  # fmt: skip


_DIRECTIONS = {
    "north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}  # fmt: skip


def _region_code(region: str) -> str:
    """The prefix of a region's zone IDs: `ap-southeast-2` -> `apse2`, `ca-central-1` -> `cac1`."""
    parts = region.split("-")
    return "".join([parts[0], *(_DIRECTIONS.get(p, p[:1]) for p in parts[1:-1]), parts[-1]])


def _azs(m: OfflineMocks, a: State) -> State:
    """getAvailabilityZones: every zone of the region but the excluded IDs and names, sorted by
    name as AWS returns them. A region missing from REGION_ZONES gets three zones."""
    code = _region_code(m.region)
    zones = REGION_ZONES.get(m.region) or {
        f"{code}-az{n}": f"{m.region}{letter}" for n, letter in enumerate("abc", start=1)
    }
    excluded_ids = set(a.get("excludeZoneIds") or ())
    excluded_names = set(a.get("excludeNames") or ())
    kept = sorted(
        (name, zone_id)
        for zone_id, name in zones.items()
        if zone_id not in excluded_ids and name not in excluded_names
    )
    return {
        "names": [name for name, _ in kept],
        "zoneIds": [zone_id for _, zone_id in kept],
        "id": m.region,
    }


def _caller(m: OfflineMocks, a: State) -> State:
    return {
        "accountId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/offline",
        "userId": "OFFLINE",
        "id": ACCOUNT,
    }


def _region(m: OfflineMocks, a: State) -> State:
    return {
        "name": m.region,
        "region": m.region,
        "id": m.region,
        "endpoint": f"ec2.{m.region}.amazonaws.com",
    }


def _partition(m: OfflineMocks, a: State) -> State:
    return {"partition": PARTITION, "dnsSuffix": "amazonaws.com", "id": PARTITION}


_CALLS: dict[str, Callable[[OfflineMocks, State], State]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _azs,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
}
