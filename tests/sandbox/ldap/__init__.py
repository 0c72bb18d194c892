"""The OpenLDAP harness: a real, private slapd for tests (see docs/dev/layout.md)."""

from .harness import FLAVOURS, PASSWORD_CONVENTION, Slapd, sample_password

__all__ = ["FLAVOURS", "PASSWORD_CONVENTION", "Slapd", "sample_password"]
