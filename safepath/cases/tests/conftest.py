"""Fixtures shared by the responders' side tests: the tenancy matrix's world of objects."""

from safepath.cases.tests.test_tenancy import world  # noqa: F401  # a fixture, used by name
