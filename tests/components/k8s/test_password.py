"""GeneratedPassword: the value generator and the dynamic provider, tested directly."""

from __future__ import annotations

import pytest

from components.k8s.password import ALPHABET, _Provider, generate


def test_generate_draws_letters_and_digits_of_the_length() -> None:
    value = generate(64)
    assert len(value) == 64
    assert set(value) <= set(ALPHABET)
    assert generate(32) != generate(32)


@pytest.mark.parametrize("length", [0, 15, 129])
def test_generate_refuses_lengths_outside_16_to_128(length: int) -> None:
    with pytest.raises(ValueError, match=r"allowed 16\.\.128"):
        generate(length)


def test_provider_creates_once_and_replaces_only_on_a_new_length() -> None:
    provider = _Provider()
    created = provider.create({"length": 32.0})
    assert created.outs is not None
    assert created.outs["length"] == 32
    assert len(created.outs["result"]) == 32
    same = provider.diff("id", created.outs, {"length": 32.0})
    assert (same.changes, same.replaces) == (False, [])
    longer = provider.diff("id", created.outs, {"length": 64})
    assert (longer.changes, longer.replaces) == (True, ["length"])
