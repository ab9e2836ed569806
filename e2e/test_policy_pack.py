"""The policy pack through the real Pulumi CLI: `pulumi preview --policy-pack` on every
kubernetes stack reports, rule for rule, what `blueprints check --target kubernetes` reports,
and a stack made insecure on purpose fails the preview naming the mandatory rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from e2e.pulumi_cli import ROOT, PulumiCLI
from e2e.test_kubernetes_engine import STACKS, kubernetes_stack

PACK = ROOT / "policies" / "run-pack"
"""The pack as an executable: the Python host `make e2e` builds cannot start a pack folder."""

Finding = tuple[str, str | None, str, str]
"""(rule id, resource (`<type>::<name>`, None for the stack), message, enforcement level)."""

LITERAL_SECRET = """
import pulumi_kubernetes as k8s

k8s.core.v1.ConfigMap(
    "planted-literal-secret",
    metadata={"name": "planted", "namespace": "default"},
    data={"password": "hunter2"},
)
"""
"""A password in plain text: mandatory BP304 in every environment. (A literal in a Secret's
data would not do: the SDK wraps it as a Pulumi secret, and CrossGuard hands policies secrets
as plain values, so neither `blueprints check` nor the pack can tell it from a generated one;
see docs/policies.md.)"""


def resource_of(urn: str | None) -> str | None:
    """`<type>::<name>` of a URN. The engine's per-resource analysis names a resource whose
    parent is the stack `...::pulumi:pulumi:Stack$<type>::<name>`, its stack analysis and
    our plans `...::<type>::<name>`: the resource is the same."""
    if not urn:
        return None
    types, name = urn.rsplit("::", 2)[-2:]
    return f"{types.rsplit('$', 1)[-1]}::{name}"


def preview_with_pack(pulumi: PulumiCLI, project: Path, stack: str) -> tuple[int, list[Finding]]:
    """Exit code and the policy findings of `pulumi preview` with the pack, from the engine's
    event stream (`--json` with PULUMI_ENABLE_STREAMING_JSON_PREVIEW)."""
    environment = stack.rsplit("-", 1)[1]
    done = pulumi.run(
        "preview", "--json", "--policy-pack", str(PACK),
        "--policy-pack-config", str(ROOT / "policies" / f"{environment}.json"),
        cwd=project, check=False, env={"PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "true"},
    )  # fmt: skip
    findings = []
    for line in done.stdout.splitlines():
        event = json.loads(line).get("policyEvent") if line.startswith("{") else None
        if event is None:
            continue
        # CrossGuard prints `<rule id>: <policy description>` then the violation message.
        head, message = event["message"].rstrip("\n").split("\n", 1)
        rule = head.split(":", 1)[0]
        level = event["enforcementLevel"]
        findings.append((rule, resource_of(event.get("resourceUrn")), message, level))
    return done.returncode, sorted(findings, key=str)


def blueprints_check(project: Path, stack: str) -> list[Finding]:
    blueprints = Path(sys.executable).parent / "blueprints"
    done = subprocess.run(
        [
            str(blueprints), "check", "--stack", stack, "--target", "kubernetes",
            "--no-capacity", "--format", "json",
        ],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    return sorted(
        (
            (f["rule"], resource_of(f.get("urn")), f["message"], f["enforcement"])
            for result in report["results"]
            for f in result["findings"]
        ),
        key=str,
    )


@pytest.mark.parametrize("stack", STACKS)
def test_the_pack_finds_what_blueprints_check_finds(
    stack: str, pulumi: PulumiCLI, repo_project: Path, tmp_path: Path
) -> None:
    kubernetes_stack(pulumi, repo_project, stack, tmp_path / "out")
    code, findings = preview_with_pack(pulumi, repo_project, stack)
    expected = blueprints_check(repo_project, stack)
    assert findings == expected
    assert code == (1 if any(level == "mandatory" for *_, level in expected) else 0)


def test_an_insecure_stack_fails_the_preview_naming_the_mandatory_rule(
    pulumi: PulumiCLI, repo_project: Path, tmp_path: Path
) -> None:
    stack = "orders-dev"
    kubernetes_stack(pulumi, repo_project, stack, tmp_path / "out")
    main = repo_project / "__main__.py"
    main.write_text(main.read_text(encoding="utf-8") + LITERAL_SECRET, encoding="utf-8")

    code, findings = preview_with_pack(pulumi, repo_project, stack)
    planted = [
        f for f in findings if f[1] == "kubernetes:core/v1:ConfigMap::planted-literal-secret"
    ]
    assert code != 0
    literal = (
        "BP304",
        "kubernetes:core/v1:ConfigMap::planted-literal-secret",
        "data.password is a literal string",
        "mandatory",
    )
    # Also BP209 (namespace default) and BP300 (labels): it is planted bare on purpose.
    assert literal in planted
    assert [f for f in findings if f[0] == "BP304"] == [literal]
    assert blueprints_check(repo_project, stack) == findings
