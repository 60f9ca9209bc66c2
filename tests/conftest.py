"""Shared test settings: a deterministic, modest hypothesis profile so the suite stays fast."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "inal",
    deadline=None,  # no timed tests: the first torch call can be slow
    max_examples=30,
    derandomize=True,  # same examples on every run (no flaky CI)
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("inal")
