"""Run a Pulumi program offline, under Pulumi's own mock runtime, and record what it declares."""

from blueprints.runtime.plan import Plan, PlannedResource
from blueprints.runtime.run import run_function, run_program

__all__ = ["Plan", "PlannedResource", "run_function", "run_program"]
