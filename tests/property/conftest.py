"""The API tests' populated company (``world``) and role clients, for the bad-input properties."""

from tests.api.conftest import as_role, world  # noqa: F401 - re-exported fixtures
