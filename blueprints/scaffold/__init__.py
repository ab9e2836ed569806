"""Self-service: generate a standalone Pulumi project from a blueprint (`blueprints new`),
re-render it after the package changed (`blueprints update`) and scaffold custom blueprints
(`blueprints new-blueprint`)."""

from blueprints.scaffold.answers import Answers, generator_version
from blueprints.scaffold.generate import generate, update
from blueprints.scaffold.newblueprint import new_blueprint

__all__ = ["Answers", "generate", "generator_version", "new_blueprint", "update"]
