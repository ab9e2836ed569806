"""Components on any Kubernetes cluster (pulumi-kubernetes), from the same specs as AWS."""
