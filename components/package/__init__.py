"""The components as a Pulumi package, for programs in other languages (`pulumi package add`):
each Python component of `components/aws/` and `components/k8s/` behind Pulumi's component
provider for Python, its inputs generated from the specs (`args.py`, by `generate.py`).

Importing this package loads both targets' SDKs; the Python program never imports it.
"""
