"""Literal references for testing one Kubernetes component without building its neighbours."""

from components.k8s.refs import ClusterRef

CLUSTER = ClusterRef(
    namespace="test",
    labels={
        "app.kubernetes.io/part-of": "test",
        "app.kubernetes.io/managed-by": "pulumi-blueprints",
        "environment": "test",
        "owner": "team-test",
        "cost-center": "cc-0",
    },
)
