"""Targets turn a resolved stack into components: `aws` (managed services)."""
