"""The Pulumi project the CLI works on: the folder holding Pulumi.yaml, and its stacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from blueprints.errors import ConfigError, did_you_mean
from blueprints.names import stack_name_error
from blueprints.stackfile import load_stack_file
from blueprints.yamlio import load_yaml_file


def is_prod_stack(name: str) -> bool:
    return name.rsplit("-", 1)[-1] == "prod"


@dataclass(frozen=True)
class Project:
    root: Path
    name: str
    stack_dir: Path

    @classmethod
    def discover(cls, start: Path | None = None) -> Project:
        """The nearest folder at or above `start` (default: the current one) with Pulumi.yaml."""
        project = cls.find(start)
        if project is None:
            here = (start or Path.cwd()).resolve()
            raise ConfigError(str(here), "", "no Pulumi.yaml here or in any parent folder")
        return project

    @classmethod
    def find(cls, start: Path | None = None) -> Project | None:
        """As `discover`, None outside any project."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            manifest = folder / "Pulumi.yaml"
            if manifest.is_file():
                return cls.load(manifest)
        return None

    @classmethod
    def load(cls, manifest: Path) -> Project:
        data = load_yaml_file(manifest, str(manifest.name)) or {}
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise ConfigError(manifest.name, "name", "a Pulumi project needs a name")
        stack_dir = manifest.parent / str(data.get("stackConfigDir") or ".")
        return cls(root=manifest.parent, name=data["name"], stack_dir=stack_dir)

    def stack_files(self) -> dict[str, Path]:
        files = sorted(self.stack_dir.glob("Pulumi.*.yaml"))
        return {p.name[len("Pulumi.") : -len(".yaml")]: p for p in files}

    def stack_path(self, stack: str) -> Path:
        problem = stack_name_error(stack, "--stack")
        if problem is not None:
            raise problem
        files = self.stack_files()
        if stack not in files:
            raise ConfigError(
                "--stack",
                "",
                f"unknown stack {stack!r}{did_you_mean(stack, files)}; "
                f"stacks: {', '.join(files) or 'none'}",
            )
        return files[stack]

    def default_stack(self) -> str:
        """The stack a command works on when none is given: the project's only prod stack
        (named `prod` or `<anything>-prod`), else its only stack; otherwise a ConfigError
        listing the stacks. The same rule in every project (a generated one, a platform
        team's, this repository), read from the stack folder alone."""
        files = self.stack_files()
        prod = [name for name in files if is_prod_stack(name)]
        if len(prod) == 1:
            return prod[0]
        if len(files) == 1:
            return next(iter(files))
        folder = f"{self.relative(self.stack_dir)}/"
        if not files:
            raise ConfigError(folder, "", "no stack files (Pulumi.<stack>.yaml) here")
        which = f"{len(prod)} prod stacks: {', '.join(prod)}" if prod else "no prod stack"
        raise ConfigError(
            folder,
            "",
            f"no stack given and no single default ({which}); give one as STACK or --stack "
            f"(stacks: {', '.join(files)})",
        )

    def default_blueprint(self) -> str:
        """The blueprint a command works on when none is given: the one every stack of the
        project uses; otherwise a ConfigError listing them."""
        used = {
            load_stack_file(path, self.relative(path)).settings.blueprint
            for path in self.stack_files().values()
        }
        if len(used) == 1:
            return next(iter(used))
        folder = f"{self.relative(self.stack_dir)}/"
        if not used:
            raise ConfigError(folder, "", "no BLUEPRINT given, and no stacks to take it from")
        raise ConfigError(
            folder,
            "",
            f"no BLUEPRINT given, and the stacks use {len(used)} blueprints "
            f"({', '.join(sorted(used))}): give one",
        )

    def relative(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
            return str(path)
