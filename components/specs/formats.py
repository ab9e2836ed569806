"""Formats of values AWS and Kubernetes accept: regions, e-mail addresses, host names,
Kubernetes object names and tags. Each check returns the value unchanged or raises ValueError
saying what is allowed, so pydantic validators, the CLI and the scaffold's answers share them.
"""

from __future__ import annotations

import re

AWS_REGIONS: tuple[str, ...] = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
    "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
    "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1",
    "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1",
    "us-west-2", "cn-north-1", "cn-northwest-1", "eusc-de-east-1", "us-gov-east-1",
    "us-gov-west-1", "us-iso-east-1", "us-iso-west-1", "us-isob-east-1", "us-isob-west-1",
    "eu-isoe-west-1", "us-isof-east-1", "us-isof-south-1",
)  # fmt: skip
"""The regions the AWS provider knows (`pulumi_aws.Region`; a test keeps the two equal): the
provider refuses any other unless told to skip region validation."""

MAX_HOSTNAME = 253
HOSTNAME = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
"""A lower-case fully qualified host name: labels of letters, digits and inner '-' (at most
63 characters each), an alphabetic top-level domain; no wildcard, no IP address."""

MAX_DNS_SUBDOMAIN = 253
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
"""A Kubernetes object name (RFC 1123 subdomain): the names of StorageClasses,
GatewayClasses and cert-manager ClusterIssuers."""

MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256
MAX_USER_TAGS = 45
"""AWS allows 50 tags per resource; every stack adds `blueprint`, `environment`, `stack` and
`managed-by`, and subnets carry `tier`."""
TAG_VALUE = re.compile(r"^[\w .:/=+\-@]*$")
"""What AWS accepts in a tag on every service: letters, digits, spaces and `_ . : / = + - @`
(AWS Tagging Best Practices, "Tag naming limits and requirements")."""
RESERVED_TAG_PREFIX = "aws:"


def check_region(value: str) -> str:
    """An AWS region the provider knows."""
    if value not in AWS_REGIONS:
        raise ValueError(
            f"{value!r} is not an AWS region the provider knows (e.g. us-east-1, eu-west-1; "
            "`aws ec2 describe-regions` lists them)"
        )
    return value


def region_of_arn(arn: str) -> str:
    """`arn:<partition>:<service>:<region>:...` -> `<region>` (empty for global services)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def check_email(value: str) -> str:
    """An e-mail address SNS can deliver to: ASCII, unquoted, with a domain name (syntax only:
    nothing is looked up)."""
    # Imported here: the library pulls in DNS modules only a stack with e-mails needs.
    import email_validator

    try:
        email_validator.validate_email(
            value,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
        )
    except email_validator.EmailNotValidError as exc:
        raise ValueError(f"{value!r} is not an e-mail address: {exc}") from None
    return value


def check_hostname(value: str) -> str:
    """A lower-case fully qualified host name (`api.example.com`)."""
    if len(value) > MAX_HOSTNAME or not HOSTNAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a host name: lower-case labels of letters, digits and '-' "
            "(not at either end, at most 63 characters each) joined by '.', ending in an "
            f"alphabetic top-level domain, at most {MAX_HOSTNAME} characters; no wildcard, no "
            "IP address, no trailing dot"
        )
    return value


def check_dns_subdomain(value: str) -> str:
    """A Kubernetes object name: lower-case letters, digits, '-' and '.', starting and ending
    with a letter or digit, at most 253 characters."""
    if len(value) > MAX_DNS_SUBDOMAIN or not DNS_SUBDOMAIN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a Kubernetes object name: lower-case letters, digits, '-' and "
            f"'.', starting and ending with a letter or digit, at most {MAX_DNS_SUBDOMAIN} "
            "characters"
        )
    return value


def check_tag(key: str, value: str) -> None:
    """A tag AWS accepts: key and value within their lengths, in the characters every service
    takes, not in the `aws:` namespace AWS keeps for itself."""
    if len(key) > MAX_TAG_KEY:
        raise ValueError(
            f"tag key {key[:20]!r}... has {len(key)} characters; AWS allows {MAX_TAG_KEY}"
        )
    if key.lower().startswith(RESERVED_TAG_PREFIX):
        raise ValueError(f"tag key {key!r}: the prefix 'aws:' is reserved for AWS")
    if len(value) > MAX_TAG_VALUE:
        raise ValueError(
            f"tag {key!r}: the value has {len(value)} characters; AWS allows {MAX_TAG_VALUE}"
        )
    if not TAG_VALUE.fullmatch(value):
        raise ValueError(
            f"tag {key!r}: the value {value!r} may hold only letters, digits, spaces and "
            "_ . : / = + - @"
        )
    if value.lower().startswith(RESERVED_TAG_PREFIX):
        raise ValueError(f"tag {key!r}: a value may not start with 'aws:' (reserved for AWS)")
