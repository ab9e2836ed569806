"""Environment profiles: the defaults that make dev cheap and prod highly available."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import ValidationError

from blueprints.errors import from_validation_error
from blueprints.overrides import Overrides
from blueprints.settings import ENVIRONMENTS, Environment
from blueprints.yamlio import load_yaml_file

PROFILE_DIR = Path(__file__).parent / "profiles"


@cache
def load_profile(environment: Environment) -> Overrides:
    path = PROFILE_DIR / f"{environment}.yaml"
    source = f"profiles/{environment}.yaml"
    data = load_yaml_file(path, source) or {}
    try:
        return Overrides.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, source, "", Overrides) from None


def all_profiles() -> dict[Environment, Overrides]:
    return {env: load_profile(env) for env in ENVIRONMENTS}
