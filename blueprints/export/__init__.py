"""Exports of an offline plan into formats other tools read (Terraform plan JSON for scanners)."""

from blueprints.export.terraform import TERRAFORM_VERSION, terraform_plan, tf_name, tf_type

__all__ = ["TERRAFORM_VERSION", "terraform_plan", "tf_name", "tf_type"]
