"""The CustomResourceDefinitions of the pinned operator releases, and where to get them.

One entry per operator of `components.k8s.operators.OPERATORS`, for the same chart version:
bump both together (`tests/k8s/test_crd_pins.py` fails when a chart pin has no entry here).
The rendered custom resources are validated against these CRDs in `make test`
(`tests/k8s/crd_cache.py` fetches them, `tests/k8s/crd_validator.py` checks; see
docs/kubernetes.md, "How manifests are validated").

Two kinds of source:

- `GoModuleCrds`: the operator's Go module from the Go module proxy, verified against its
  checksum-database hash (`h1`, as in a go.sum), CRDs read from folders inside the module zip.
- `ReferenceCrds`: a reference copy beside the project (`../shared/crds/<group>/*.yaml`, never
  copied into this repository), for operators no registry serves the CRDs of. The first line
  of each file names where it came from; it must name `ref`.

Where the exact release is not served, the nearest is used: `exact` is False and `note` says
why.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GoModuleCrds:
    """CRDs inside a Go module zip served by the Go module proxy."""

    module: str
    """Module path as in go.mod (the proxy URL case-encodes it)."""
    version: str
    h1: str
    """The checksum database's `h1:` hash of the module zip (sum.golang.org)."""
    folders: tuple[str, ...]
    """Folders in the module (recursively) whose *.yaml files hold the CRDs."""


@dataclass(frozen=True)
class ReferenceCrds:
    """CRDs from the reference copies in `shared/crds/` beside the project."""

    groups: tuple[str, ...]
    """Folders of shared/crds/ (one per API group): every *.yaml in them is read."""
    ref: str
    """The tag or commit the first line of every file must name (`tag/ref <ref>`)."""


@dataclass(frozen=True)
class OperatorCrds:
    """The CRDs one pinned operator release installs."""

    chart_version: str
    """Must equal `OPERATORS[<operator>].version`."""
    app_version: str
    """The operator release the chart version installs."""
    source: GoModuleCrds | ReferenceCrds
    exact: bool
    """True when `source` is the release the chart installs, False for the nearest one."""
    note: str

    @property
    def source_version(self) -> str:
        """Version of what is read: the module version or the reference copy's ref."""
        return self.source.version if isinstance(self.source, GoModuleCrds) else self.source.ref


CRDS: dict[str, OperatorCrds] = {
    "cert-manager": OperatorCrds(
        chart_version="v1.21.2",
        app_version="v1.21.2",
        source=GoModuleCrds(
            module="github.com/cert-manager/cert-manager",
            version="v1.21.2",
            h1="h1:UWgoYM+KLNtRlqmoWOKjKBOBUPVHeepQ6/ac3ERJW68=",
            folders=("deploy/crds",),
        ),
        exact=True,
        note="The chart and the operator share their version; deploy/crds is what the chart's "
        "crd templates are made from.",
    ),
    "envoy-gateway": OperatorCrds(
        chart_version="v1.9.3",
        app_version="v1.9.3",
        source=GoModuleCrds(
            module="github.com/envoyproxy/gateway",
            version="v1.9.1",
            h1="h1:vAVp6/AlBXJ1aOhp1mxL7fNEzVEfjADUguUhm2wzxQY=",
            # The gateway-helm chart's own CRDs: Envoy Gateway's (generated/) and the Gateway
            # API bundle it installs (Gateway API v1.6.1, experimental channel; identical to
            # sigs.k8s.io/gateway-api@v1.6.1 config/crd/experimental).
            folders=("charts/gateway-helm/charts/crds/crds",),
        ),
        exact=False,
        note="The proxy serves v1.9.1 as the newest v1.9 (v1.9.2 and v1.9.3 answer 403); their "
        "release notes are security and controller fixes.",
    ),
    "cloudnative-pg": OperatorCrds(
        chart_version="0.29.1",
        app_version="1.30.1",
        source=GoModuleCrds(
            module="github.com/cloudnative-pg/cloudnative-pg",
            version="v1.30.1",
            h1="h1:d1jxp0jQi7/3zrEhsv9ycD+G5ssmkNvDvTmogaGccCw=",
            folders=("config/crd/bases",),
        ),
        exact=True,
        note="Chart 0.29.1 installs operator 1.30.1 (its Chart.yaml appVersion); the chart's "
        "crds.yaml is generated from config/crd/bases.",
    ),
    "strimzi": OperatorCrds(
        chart_version="1.2.0",
        app_version="1.2.0",
        source=ReferenceCrds(groups=("kafka.strimzi.io",), ref="1.2.0"),
        exact=True,
        note="No registry serves Strimzi's CRD files: Maven Central's io.strimzi:api:1.2.0 (and "
        "its -tests jar) holds the model classes the CRDs are generated from, not the YAML, and "
        "no other 1.2.0 artifact is published there. The reference copy is the 1.2.0 tag's "
        "helm-charts/helm3/strimzi-kafka-operator/crds.",
    ),
    "redis-operator": OperatorCrds(
        chart_version="0.26.0",
        app_version="v0.26.0",
        source=ReferenceCrds(
            groups=("redis.redis.opstreelabs.in",),
            ref="2eb86e18f7c655a6e8d8e52e53e051af976a8d7a",
        ),
        exact=True,
        note="The proxy refuses github.com/OT-CONTAINER-KIT/redis-operator (403 for the version "
        "list and v0.26.0). The reference copy is the chart 0.26.0 commit (PR #1865), whose "
        "CRDs equal tag v0.26.0.",
    ),
    "opentelemetry-operator": OperatorCrds(
        chart_version="0.123.0",
        app_version="v0.159.0",
        source=ReferenceCrds(groups=("opentelemetry.io",), ref="v0.158.0"),
        exact=False,
        note="The proxy refuses github.com/open-telemetry/opentelemetry-operator (403 for the "
        "version list and v0.159.0). The reference copy is v0.158.0, the nearest; it equals "
        "chart 0.122.0's CRD.",
    ),
}
