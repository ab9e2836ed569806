"""The committed `components/package/args.py` is what `generate.py` writes from the specs now."""

from __future__ import annotations

from components.package import generate


def test_committed_args_are_generated_from_the_specs() -> None:
    assert generate.ARGS_PATH.read_text(encoding="utf-8") == generate.render(), (
        "components/package/args.py is stale: run `python -m components.package.generate`"
    )


def test_check_mode_reports_fresh(capsys) -> None:
    assert generate.main(["--check"]) == 0
    assert capsys.readouterr().out.endswith(": fresh\n")


def test_member_name() -> None:
    assert generate.member_name("api-gateway") == "API_GATEWAY"
    assert generate.member_name("per_az") == "PER_AZ"


def test_pascal() -> None:
    assert generate.pascal("waf_logging") == "WafLogging"
