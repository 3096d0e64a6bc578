"""Fixtures of the preview layer: each test that asks for `result` runs four times, for dev and prod, with known
outputs (as after `pulumi up`) and as on a first `pulumi preview` (computed values unknown)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["dev", "prod"])
def stack(request):
    return request.param


@pytest.fixture(params=[False, True], ids=["up", "preview"])
def preview(request):
    return request.param


@pytest.fixture
def result(project_preview, stack, preview):
    return project_preview(stack, preview=preview)
