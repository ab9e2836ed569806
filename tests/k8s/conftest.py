"""`pinned_crds`: the pinned operators' CRDs, fetched into the cache once per run.

Without the network (and a cold cache) every test that needs them fails with one line saying
why and what to do, instead of a traceback per test.
"""

from __future__ import annotations

import pytest

from tests.k8s.crd_cache import CrdSet, CrdSourceError, crd_sets


@pytest.fixture(scope="session")
def pinned_crds() -> list[CrdSet]:
    try:
        return crd_sets()
    except CrdSourceError as exc:
        problem = str(exc)
    pytest.fail(f"the pinned operators' CRDs are not available: {problem}", pytrace=False)
