"""Where a generated project installs pulumi-blueprints from (`blueprints new
--package-source`): an index, a wheel copied into the project, a source folder or a git URL;
by default the way this package itself was installed (PEP 610 `direct_url.json`). Recorded in
the answers, so `blueprints update` renders the same requirements."""

from __future__ import annotations

import importlib.metadata
import json
import re
import tomllib
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import urlsplit
from urllib.request import url2pathname

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from blueprints.errors import ConfigError
from blueprints.inputfile import MIB, read_input, read_input_bytes

PACKAGE = "pulumi-blueprints"
OPTION = "--package-source"
PYPI = "pypi"
VENDOR_DIR = "vendor"
"""The project folder a wheel source is copied into."""
WHEEL_MAX_BYTES = 64 * MIB
"""This package's wheel is about 0.4 MB."""
ENVVAR = "BLUEPRINTS_PACKAGE_SOURCE"

SourceKind = Literal["pypi", "index", "extra-index", "wheel", "path", "git"]
FORMS = "pypi, index:URL, extra-index:URL, a .whl file, a source folder or git+URL"

_URL = re.compile(r"^(https?|file)://[^\s]+$")
_GIT_URL = re.compile(r"^git\+(https?|ssh|file)://[^\s]+$")
_ENV_REFERENCE = re.compile(r"^\$\{[A-Z0-9_]+\}$")
"""A password written as pip's `${VARIABLE}`, expanded by pip from the environment."""


def _no_plain_password(url: str) -> None:
    parts = urlsplit(url.removeprefix("git+"))
    if parts.password is not None and not _ENV_REFERENCE.fullmatch(parts.password):
        shown = url.replace(f":{parts.password}@", ":***@", 1)
        raise ValueError(
            f"{shown!r} holds a password, which would be written in plain text into "
            "requirements.txt: write it as ${VARIABLE} (pip reads it from the environment) "
            "or keep it in pip's configuration or keyring"
        )


def _wheel_version(name: str) -> Version:
    """The version of a pulumi-blueprints wheel file name, or ValueError."""
    try:
        dist, version, _, _ = parse_wheel_filename(name)
    except InvalidWheelFilename as exc:
        raise ValueError(f"{name!r} is not a wheel file name: {exc}") from None
    if dist != canonicalize_name(PACKAGE):
        raise ValueError(f"{name!r} is a wheel of {dist}, not of {PACKAGE}")
    return version


class PackageSource(BaseModel):
    """How requirements.txt names the package, as recorded in `.blueprints/answers.yml`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: SourceKind = "pypi"
    location: str | None = None
    """The index URL (index, extra-index); the wheel's path in the project, `vendor/<file>`
    (wheel); an absolute folder (path); a pip git URL, `git+https://...@ref` (git). None for
    pypi."""

    @model_validator(mode="after")
    def _check_location(self) -> PackageSource:
        where = self.location
        if self.kind == "pypi":
            if where is not None:
                raise ValueError("pypi takes no location")
            return self
        if where is None:
            raise ValueError(f"{self.kind} needs a location")
        if self.kind in ("index", "extra-index"):
            if not _URL.fullmatch(where):
                raise ValueError(f"{where!r} is not an http(s):// or file:// URL")
            _no_plain_password(where)
        elif self.kind == "git":
            if not _GIT_URL.fullmatch(where) or not urlsplit(where).netloc:
                raise ValueError(
                    f"{where!r} is not a pip git URL with a host (git+https://host/repo@ref, "
                    "git+file://localhost/path@ref)"
                )
            _no_plain_password(where)
        elif self.kind == "wheel":
            path = PurePosixPath(where)
            if str(path.parent) != VENDOR_DIR or where != path.as_posix():
                raise ValueError(f"{where!r}: a wheel source is a file of {VENDOR_DIR}/")
            _wheel_version(path.name)
        elif not Path(where).is_absolute() or re.search(r"[\x00-\x1f\x7f]", where):
            raise ValueError(f"{where!r} is not an absolute folder path")
        return self

    def requirements(self, version: str) -> list[str]:
        """The lines of requirements.txt (pip reads a relative wheel path from the current
        folder: the project's, for `make` and for the CI workflow)."""
        pin = f"{PACKAGE}=={version}"
        if self.kind == "index":
            return [f"--index-url {self.location}", pin]
        if self.kind == "extra-index":
            return [f"--extra-index-url {self.location}", pin]
        if self.kind == "wheel":
            return [f"./{self.location}"]
        if self.kind == "path":
            assert self.location is not None
            return [f"{PACKAGE} @ {Path(self.location).as_uri()}"]
        if self.kind == "git":
            return [f"{PACKAGE} @ {self.location}"]
        return [pin]

    @property
    def machine_local(self) -> bool:
        """Installable only on the machine that generated the project (not in CI)."""
        return self.kind == "path"

    def describe(self) -> str:
        return {
            "pypi": "PyPI",
            "index": f"the package index {self.location}",
            "extra-index": f"the package index {self.location} (PyPI for the others)",
            "wheel": f"the wheel {self.location} (a file of the project)",
            "path": f"the folder {self.location}",
            "git": f"{self.location}",
        }[self.kind]


def installed_direct_url() -> str | None:
    """PEP 610 `direct_url.json` of the installed pulumi-blueprints, None when it came from an
    index."""
    return importlib.metadata.distribution(PACKAGE).read_text("direct_url.json")


def default_spec(direct_url: str | None) -> str:
    """The `--package-source` that installs this package the way it was installed here:
    the folder it was installed from (editable or not), the local wheel file, the git commit;
    "pypi" when it came from an index (no `direct_url.json`) or from anything else."""
    try:
        data = json.loads(direct_url) if direct_url else None
    except ValueError:
        return PYPI
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(url, str):
        return PYPI
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
        return f"git+{url}@{vcs['commit_id']}"
    parts = urlsplit(url)
    if parts.scheme != "file":
        return PYPI
    path = url2pathname(parts.path)
    if "dir_info" in data or ("archive_info" in data and path.endswith(".whl")):
        return path
    return PYPI


def _checked(kind: SourceKind, location: str | None, label: str) -> PackageSource:
    try:
        return PackageSource(kind=kind, location=location)
    except ValidationError as exc:
        message = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(label, OPTION, message) from None


def _project_name(folder: Path) -> str | None:
    """The `[project] name` of the folder's pyproject.toml, None without one."""
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        data = tomllib.loads(read_input(pyproject, str(pyproject)))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(pyproject), "", f"not valid TOML: {exc}") from None
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return name if isinstance(name, str) else ""


def parse_spec(
    spec: str, version: str, label: str = "answers"
) -> tuple[PackageSource, Path | None]:
    """A `--package-source` value as the source to record and, for a wheel, the file to copy
    into the project. A wheel must be of this version (the project pins what generated it); a
    folder must be a source checkout of this package (its pyproject.toml)."""
    if spec.startswith("index:"):
        return _checked("index", spec.removeprefix("index:"), label), None
    if spec.startswith("extra-index:"):
        return _checked("extra-index", spec.removeprefix("extra-index:"), label), None
    if spec == PYPI:
        return PackageSource(), None
    if spec.startswith("git+"):
        # pip refuses a URL without a host in a requirement; git reads localhost as none.
        local = spec.startswith("git+file:///")
        url = spec.replace("git+file:///", "git+file://localhost/", 1) if local else spec
        return _checked("git", url, label), None
    if spec.startswith(("http://", "https://")):
        return _checked("index", spec, label), None
    path = Path(spec).expanduser()
    if spec.endswith(".whl"):
        if not path.is_file():
            raise ConfigError(label, OPTION, f"{spec!r}: no such wheel file")
        try:
            wheel_version = _wheel_version(path.name)
        except ValueError as exc:
            raise ConfigError(label, OPTION, str(exc)) from None
        if wheel_version != Version(version):
            raise ConfigError(
                label,
                OPTION,
                f"{spec!r} is {PACKAGE} {wheel_version}, this generator is {version}: give a "
                f"{version} wheel, or generate with the `blueprints` of {wheel_version}",
            )
        return _checked("wheel", f"{VENDOR_DIR}/{path.name}", label), path
    if path.is_dir():
        name = _project_name(path)
        if name is None or canonicalize_name(name) != canonicalize_name(PACKAGE):
            found = "has no pyproject.toml" if name is None else f"is the source of {name!r}"
            raise ConfigError(label, OPTION, f"{spec!r} {found}, not of {PACKAGE}")
        return _checked("path", str(path.resolve()), label), None
    raise ConfigError(label, OPTION, f"{spec!r}: not a file or folder; give one of: {FORMS}")


def resolve(spec: str | None, version: str) -> tuple[PackageSource, Path | None]:
    """`parse_spec` of the `--package-source` given, else of the default (`default_spec` of
    this installation), saying so when the default cannot be used."""
    if spec is not None:
        return parse_spec(spec, version)
    default = default_spec(installed_direct_url())
    try:
        return parse_spec(default, version)
    except ConfigError as exc:
        raise ConfigError(
            exc.source,
            exc.key_path,
            f"the default, where this {PACKAGE} was installed from: {exc.message}; "
            f"give {OPTION} ({FORMS})",
        ) from None


def wheel_bytes(path: Path) -> bytes:
    return read_input_bytes(path, str(path), WHEEL_MAX_BYTES)
