"""Object types of the package's inputs that are not specs: what one component hands another
(`components/aws/refs.py`, `components/k8s/refs.py`) as plain values a program in any
language can write.

A field declared without `pulumi.Input` is plain in the schema: it decides which objects are
created (a volume per secret file, a NetworkPolicy rule per peer), so it must be known when
the component is constructed. `pulumi.Input` fields may be outputs of other resources.

No `from __future__ import annotations` here: the schema inference reads these annotations
as objects.
"""

from typing import Any, NotRequired, TypedDict

import pulumi


class KubernetesSecretFile(TypedDict):
    """A key of a Secret mounted read-only as a file, its path in a `*_FILE` variable."""

    env_name: str
    """Variable that holds the file's path, e.g. `DATABASE_PASSWORD_FILE`."""
    secret_name: pulumi.Input[str]
    """Secret in the service's namespace, e.g. `<postgres>-app`."""
    key: str
    """Key of the Secret mounted as the file, e.g. `password`."""


class KubernetesPeer(TypedDict):
    """Network reach from the service to pods of a datastore: a NetworkPolicy egress rule."""

    name: str
    """Short label of the peer, e.g. `postgres`."""
    pod_labels: dict[str, str]
    """Labels selecting the peer's pods."""
    ports: list[int]
    """TCP ports the service may reach on them."""


class KubernetesServiceBinding(TypedDict):
    """What a Kubernetes service is given by what it uses: variables, Secret files, network
    reach and the labels its pods carry so the peers' NetworkPolicies admit them."""

    environment: NotRequired[dict[str, pulumi.Input[str]]]
    """Plain variables (values may be outputs), e.g. `DATABASE_HOST`. A name also set by the
    service's own `environment` is refused. Default: none."""
    secret_files: NotRequired[list[KubernetesSecretFile]]
    """Secret keys mounted as files. Default: none."""
    peers: NotRequired[list[KubernetesPeer]]
    """Pods the service may reach. Default: none."""
    pod_labels: NotRequired[dict[str, str]]
    """Labels on the service's pods, e.g. `blueprints.io/client-<postgres>: "true"`. Default:
    none."""


class KubernetesServiceRoute(TypedDict):
    """How the gateway reaches a Kubernetes service: an HTTPRoute on the gateway and the
    gateway proxies' pods admitted by the service's NetworkPolicy."""

    path_prefixes: list[str]
    """Path prefixes sent to the service, e.g. `/v1/orders`."""
    gateway_name: str
    """The Gateway's name (the gateway component's `gatewayName`)."""
    gateway_namespace: str
    """The Gateway's namespace (the gateway component's `gatewayNamespace`)."""
    gateway_pod_labels: dict[str, str]
    """Labels of the gateway's proxy pods (Envoy Gateway: `gateway.envoyproxy.io/owning-gateway-name`
    and `gateway.envoyproxy.io/owning-gateway-namespace`)."""
    section_name: NotRequired[str]
    """Listener the route attaches to (`https` for a gateway with a hostname). Default: every
    listener."""


class KubernetesKafkaClient(TypedDict):
    """A service that connects to the Kafka cluster: a `KafkaUser` (mutual TLS, ACLs on
    exactly these topics) whose Secret the service mounts."""

    service: str
    """The service's name; the KafkaUser and its Secret are `<cluster>-<service>`."""
    produces: NotRequired[list[str]]
    """Topics it writes. Default: none."""
    consumes: NotRequired[list[str]]
    """Topics it reads (then `consumerGroup` is required). Default: none."""
    consumer_group: NotRequired[str]
    """Consumer group it reads as. Default: none."""


class AwsSecret(TypedDict):
    """An environment variable filled from Secrets Manager when the task starts."""

    env_name: str
    """Variable name, e.g. `REDIS_AUTH_TOKEN`."""
    secret_arn: pulumi.Input[str]
    """ARN of the secret; the execution role may read exactly these."""
    json_key: NotRequired[str]
    """Key inside a JSON secret. Default: the whole value."""


class AwsConnection(TypedDict):
    """Network reach from the service to a peer: an ingress rule on the peer's security group."""

    name: str
    """Short label of the peer, used in the rule's name (`<service>-to-<name>`)."""
    security_group_id: pulumi.Input[str]
    """The peer's security group."""
    port: int
    """TCP port opened on it."""


class AwsServiceBinding(TypedDict):
    """What an ECS service is given by what it uses: variables, secrets, network reach and
    IAM statements for its task role."""

    environment: NotRequired[dict[str, pulumi.Input[str]]]
    """Plain variables (values may be outputs). A name also set by the service's own
    `environment` is refused. Default: none."""
    secrets: NotRequired[list[AwsSecret]]
    """Variables filled from Secrets Manager. Default: none."""
    connections: NotRequired[list[AwsConnection]]
    """Peers the service may reach. Default: none."""
    policy_statements: NotRequired[list[dict[str, Any]]]
    """IAM policy statements for the task role (`Effect`, `Action`, `Resource`). Default:
    none."""


class AwsServiceIngress(TypedDict):
    """How the gateway's load balancer reaches the service (the gateway component's
    outputs): a target group and listener rules on its listener."""

    listener_arn: pulumi.Input[str]
    """The load balancer's listener (the gateway's `listenerArn`)."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """For the target alarms (the gateway's `loadBalancerArnSuffix`)."""
    security_group_id: pulumi.Input[str]
    """The load balancer's security group, the only source admitted on the service port
    (the gateway's `loadBalancerSecurityGroupId`)."""
    path_patterns: list[str]
    """Listener-rule path patterns sent to the service, e.g. `/v1/orders` and
    `/v1/orders/*`."""
    priority: int
    """Priority of the first listener rule (one rule per five patterns, on consecutive
    priorities); the gateway gives route `i` (from 0) priority `10 * (i + 1)`."""
