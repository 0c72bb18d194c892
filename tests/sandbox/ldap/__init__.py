"""The directory harness: a real, private slapd (OpenLDAP flavours) or Samba AD DC for tests
(see docs/dev/layout.md)."""

from .harness import FLAVOURS, PASSWORD_CONVENTION, Slapd, sample_password

SAMBA_FLAVOURS = ("samba-ad", "samba-ad-large")
ALL_FLAVOURS = tuple(sorted(FLAVOURS)) + SAMBA_FLAVOURS


def directory(flavour="openldap", workdir=None, **options):
    """An unstarted directory of any flavour: ``Slapd`` or ``SambaAD`` (same start/stop/info)."""
    if flavour in SAMBA_FLAVOURS:
        from .samba_ad import SambaAD
        return SambaAD(flavour, workdir=workdir)
    return Slapd(flavour, workdir=workdir, **options)


__all__ = ["ALL_FLAVOURS", "FLAVOURS", "PASSWORD_CONVENTION", "SAMBA_FLAVOURS", "Slapd", "directory",
           "sample_password"]
