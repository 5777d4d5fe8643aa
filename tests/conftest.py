"""Test-wide settings: property tests have no per-example deadline (the 2-core CI machine
runs two workers at once, so wall-clock deadlines would only add flakiness)."""

from hypothesis import settings

settings.register_profile("hashpivot", deadline=None)
settings.load_profile("hashpivot")
