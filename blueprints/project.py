"""The Pulumi project the CLI works on: the folder holding Pulumi.yaml, and its stacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from blueprints.errors import ConfigError, did_you_mean
from blueprints.names import stack_name_error
from blueprints.yamlio import load_yaml_file


@dataclass(frozen=True)
class Project:
    root: Path
    name: str
    stack_dir: Path

    @classmethod
    def discover(cls, start: Path | None = None) -> Project:
        """The nearest folder at or above `start` (default: the current one) with Pulumi.yaml."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            manifest = folder / "Pulumi.yaml"
            if manifest.is_file():
                return cls.load(manifest)
        raise ConfigError(str(here), "", "no Pulumi.yaml here or in any parent folder")

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

    def relative(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
            return str(path)
