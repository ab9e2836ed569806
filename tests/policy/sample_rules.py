"""Small hand-made rules for tests of the reports, the check command and CrossGuard, so they do
not depend on the real rule set (which has its own tests)."""

from __future__ import annotations

from collections.abc import Iterator

from blueprints.policy.model import Resource, Rule, StackView, enforcement_levels

RDS = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
BUCKET = "aws:s3/bucket:Bucket"


def _multi_az(resource: Resource, _: StackView) -> Iterator[str]:
    if not resource.get("multiAz"):
        yield "primary runs in a single availability zone"


def _versioned(resource: Resource, _: StackView) -> Iterator[str]:
    if not resource.get("versioning.enabled"):
        yield "versioning is off"


def _one_owner(view: StackView) -> Iterator[tuple[Resource | None, str]]:
    if not any(r.get("tags.owner") for r in view.resources):
        yield None, "no resource names an owner"


MULTI_AZ = Rule(
    id="T100",
    name="test-multi-az",
    description="Databases run in two zones.",
    severity="high",
    remediation="Set multi_az=True.",
    resource_types=(RDS, CLUSTER),
    check=_multi_az,
    enforcement=enforcement_levels(dev="advisory"),
    references=("CKV_AWS_157",),
)
VERSIONED = Rule(
    id="T200",
    name="test-bucket-versioning",
    description="Buckets keep versions.",
    severity="low",
    remediation="Enable versioning.",
    resource_types=(BUCKET,),
    check=_versioned,
    enforcement=enforcement_levels(dev="disabled", staging="advisory", prod="advisory"),
)
OWNER = Rule(
    id="T300",
    name="test-owner",
    description="Someone owns the stack.",
    severity="critical",
    remediation="Tag resources with owner.",
    stack_check=_one_owner,
    enforcement=enforcement_levels(dev="mandatory"),
)
RULES = (OWNER, VERSIONED, MULTI_AZ)
