"""Test-wide settings: property tests have no per-example deadline (the 2-core CI machine
runs two workers at once, so wall-clock deadlines would only add flakiness)."""

from hypothesis import settings

settings.register_profile("hashpivot", deadline=None)
settings.load_profile("hashpivot")

# The engines read the bundled history plus what `hashpivot data update` fetched into the
# user data directory: point that directory at an empty folder so a developer's updates
# never change test results (tests of the update set their own folder).
import os  # noqa: E402
import tempfile  # noqa: E402

os.environ["HASHPIVOT_DATA_DIR"] = tempfile.mkdtemp(prefix="hashpivot-test-data-")
