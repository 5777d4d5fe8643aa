"""Test-wide settings: property tests have no per-example deadline (the 2-core CI machine
runs two workers at once, so wall-clock deadlines would only add flakiness)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("hashpivot", deadline=None)
settings.load_profile("hashpivot")

# The engines read the bundled history plus what `hashpivot data update` fetched into the
# user data directory: point that directory at an empty folder so a developer's updates
# never change test results (tests of the update set their own folder).
import os  # noqa: E402
import tempfile  # noqa: E402

os.environ["HASHPIVOT_DATA_DIR"] = tempfile.mkdtemp(prefix="hashpivot-test-data-")


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty user data directory (``HASHPIVOT_DATA_DIR``) for tests of ``data update``,
    with the bundled loaders' caches cleared before and after."""
    from hashpivot.io import bundled

    monkeypatch.setenv("HASHPIVOT_DATA_DIR", str(tmp_path))
    bundled.clear_caches()
    yield tmp_path
    bundled.clear_caches()
