"""Capacity, availability and cost estimates of stacks (`blueprints report`, `blueprints size`)."""

from blueprints.capacity.coefficients import Coefficients, load_coefficients
from blueprints.capacity.report import MIN_HEADROOM, shortfalls, stack_report

__all__ = ["MIN_HEADROOM", "Coefficients", "load_coefficients", "shortfalls", "stack_report"]
