"""A private, throw-away OpenLDAP server (Debian's slapd run as a plain process).

Everything lives in one temporary directory: slapd.conf, an mdb database loaded with slapadd,
certificates made at start, the log. ``stop()`` kills slapd by its pid, waits for it and removes
the directory. See docs/dev/layout.md ("The OpenLDAP harness") for the ``info`` contract.
"""

import atexit
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import large
from .certs import write_certificates
from .ldif_tools import add_member_of, ssha

DATA_DIR = Path(__file__).resolve().parent / "data"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")
STANDARD_SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
# The certificate names localhost and 127.0.0.1 only; slapd also listens here, so a client
# that connects to this address reaches the same server under a name the certificate lacks.
LISTEN_ADDRESS = "127.0.0.1"
MISMATCH_ADDRESS = "127.0.0.2"
# ldap3 on Python 3.12+ cannot match IP-address SANs, so clients are pointed at the DNS name.
CLIENT_HOST = "localhost"
START_TIMEOUT = 15.0
START_ATTEMPTS = 3  # a free port can be taken between probing it and slapd binding it
PASSWORD_CONVENTION = "<login>-pass"


@dataclass(frozen=True)
class Flavour:
    name: str
    base_dn: str
    users_dn: str
    groups_dn: str
    teams_dn: Optional[str]
    service_dn: str
    login_attribute: str      # what a user logs in with: uid, or sAMAccountName for AD
    sample_user: str          # a plain, active user with mail, for login tests
    sample_user_dn: str
    ldif_file: Optional[str]  # in data/; None = generated (large)
    extra_schemas: tuple = ()  # files in data/
    member_of_overlay: bool = True
    password_policy: bool = False
    indexes: tuple = ()


_EXAMPLE_ORG = "dc=example,dc=org"
_CORP = "dc=corp,dc=example,dc=com"
FLAVOURS = {
    "openldap": Flavour(
        name="openldap", base_dn=_EXAMPLE_ORG,
        users_dn=f"ou=people,{_EXAMPLE_ORG}", groups_dn=f"ou=groups,{_EXAMPLE_ORG}",
        teams_dn=f"ou=teams,{_EXAMPLE_ORG}",
        service_dn=f"cn=rocketchat-reader,ou=services,{_EXAMPLE_ORG}",
        login_attribute="uid", sample_user="alice",
        sample_user_dn=f"uid=alice,ou=people,{_EXAMPLE_ORG}",
        ldif_file="openldap.ldif", password_policy=True),
    "ad": Flavour(
        name="ad", base_dn=_CORP,
        users_dn=f"cn=Users,{_CORP}", groups_dn=f"ou=Groups,{_CORP}", teams_dn=None,
        service_dn=f"cn=svc-rocketchat,ou=Service Accounts,{_CORP}",
        login_attribute="sAMAccountName", sample_user="aadams",
        sample_user_dn=f"cn=Amy Adams,cn=Users,{_CORP}",
        ldif_file="ad.ldif", extra_schemas=("ad.schema",), member_of_overlay=False,
        indexes=("sAMAccountName eq,sub", "userPrincipalName eq", "objectGUID eq")),
    "large": Flavour(
        name="large", base_dn=large.BASE_DN, users_dn=large.USERS_DN, groups_dn=large.GROUPS_DN,
        teams_dn=None, service_dn=f"cn=rocketchat-reader,ou=services,{large.BASE_DN}",
        login_attribute="uid", sample_user=large.user_uid(1),
        sample_user_dn=f"uid={large.user_uid(1)},{large.USERS_DN}", ldif_file=None),
}


def _find_program(name):
    path = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if path is None:
        raise RuntimeError(f"{name} not found; install the Debian packages slapd and ldap-utils")
    return path


def _free_port():
    """A port free on both listening addresses (slapd binds the same port on each)."""
    while True:
        with socket.socket() as s:
            s.bind((LISTEN_ADDRESS, 0))
            port = s.getsockname()[1]
            try:
                with socket.socket() as other:
                    other.bind((MISMATCH_ADDRESS, port))
            except OSError:
                continue
            return port


def _accepts(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def sample_password(login):
    """The password of a sample (or generated) user: see PASSWORD_CONVENTION."""
    return PASSWORD_CONVENTION.replace("<login>", login)


class Slapd:
    """One private slapd. ``with Slapd("openldap") as d: d.info[...]``.

    *workdir* is the parent of the instance's temporary directory (default: the system temp
    dir); the instance directory itself is created at start and removed at stop.
    """

    def __init__(self, flavour="openldap", workdir=None, large_users=10000, large_groups=500):
        if flavour not in FLAVOURS:
            raise ValueError(f"unknown flavour {flavour!r}; expected one of {sorted(FLAVOURS)}")
        self.flavour = FLAVOURS[flavour]
        self.workdir = workdir
        self.large_users = large_users
        self.large_groups = large_groups
        self.info = {}
        self.directory = None
        self.process = None
        self._log = None

    # -- public API ---------------------------------------------------------------------

    def start(self):
        """Start slapd; returns ``self.info``."""
        if self.process is not None:
            raise RuntimeError("slapd is already running")
        if self.workdir is not None:
            os.makedirs(self.workdir, exist_ok=True)
        self.directory = Path(tempfile.mkdtemp(prefix=f"slapd-{self.flavour.name}-", dir=self.workdir))
        atexit.register(self.stop)
        try:
            self._prepare()
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self.info

    def stop(self):
        """Stop slapd (SIGTERM, then SIGKILL after 10 s) and remove its directory. Idempotent."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
        atexit.unregister(self.stop)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- internals ------------------------------------------------------------------------

    def _prepare(self):
        f = self.flavour
        d = self.directory
        certs = write_certificates(d)
        self._admin_dn = f"cn=admin,{f.base_dn}"
        self._admin_password = secrets.token_urlsafe(18)
        self._service_password = secrets.token_urlsafe(18)
        (d / "db").mkdir()
        conf = d / "slapd.conf"
        conf.touch(mode=0o600)
        conf.write_text(self._config(certs))
        ldif = d / "data.ldif"
        ldif.write_text(self._ldif(), encoding="utf-8")
        result = subprocess.run([_find_program("slapadd"), "-q", "-f", str(conf), "-l", str(ldif)],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"slapadd failed ({result.returncode}): {result.stderr.strip()}")
        ldif.unlink()  # the database holds it now
        self.info = {
            "flavour": f.name,
            "host": CLIENT_HOST,
            "ldap_base_dn": f.base_dn,
            "ldap_bind_dn": f.service_dn,
            "ldap_bind_password": self._service_password,
            "ldap_admin_dn": self._admin_dn,
            "ldap_admin_password": self._admin_password,
            "ca_cert_path": certs["ca_cert_path"],
            "ca_cert_pem": certs["ca_cert_pem"],
            "wrong_ca_cert_path": certs["wrong_ca_cert_path"],
            "mismatch_host": MISMATCH_ADDRESS,
            "users_dn": f.users_dn,
            "groups_dn": f.groups_dn,
            "teams_dn": f.teams_dn,
            "login_attribute": f.login_attribute,
            "password_convention": PASSWORD_CONVENTION,
            "sample_user": f.sample_user,
            "sample_user_dn": f.sample_user_dn,
            "sample_password": sample_password(f.sample_user),
            "workdir": str(d),
        }

    def _ldif(self):
        f = self.flavour
        if f.ldif_file is None:
            text = large.generate_large_ldif(self.large_users, self.large_groups)
        else:
            text = (DATA_DIR / f.ldif_file).read_text(encoding="utf-8")
        cn = f.service_dn.split(",", 1)[0].split("=", 1)[1]
        service = (f"dn: {f.service_dn}\nobjectClass: organizationalRole\n"
                   f"objectClass: simpleSecurityObject\ncn: {cn}\n"
                   f"description: read-only service account for Rocket.Chat (test harness)\n"
                   f"userPassword: {ssha(self._service_password)}\n")
        return add_member_of(text.rstrip("\n") + "\n\n" + service)

    def _config(self, certs):
        f = self.flavour
        d = self.directory
        schemas = [SCHEMA_DIR / f"{name}.schema" for name in STANDARD_SCHEMAS]
        schemas += [DATA_DIR / name for name in f.extra_schemas]
        modules = ["back_mdb", "refint"]
        overlays = []
        if f.member_of_overlay:
            modules.append("memberof")
            # One instance per group class; memberOf maintained for both.
            for group_class, member_attribute in (("groupOfNames", "member"),
                                                   ("groupOfUniqueNames", "uniqueMember")):
                overlays += ["overlay memberof", f"memberof-group-oc {group_class}",
                             f"memberof-member-ad {member_attribute}", "memberof-memberof-ad memberOf",
                             "memberof-refint TRUE", "memberof-dangling ignore"]
        if f.password_policy:
            modules.append("ppolicy")
            overlays += ["overlay ppolicy", f'ppolicy_default "cn=default,ou=policies,{f.base_dn}"',
                         "ppolicy_use_lockout"]
        refint_attributes = "member uniqueMember" + ("" if f.member_of_overlay else " memberOf")
        overlays += ["overlay refint", f"refint_attributes {refint_attributes}",
                     f'refint_nothing "{self._admin_dn}"']
        indexes = ["objectClass eq", "uid eq,pres,sub", "cn eq,pres,sub", "mail eq,pres,sub",
                   "member eq", "uniqueMember eq", "memberUid eq", "memberOf eq", "ou eq,pres",
                   *f.indexes]
        lines = [f"# generated by tests.sandbox.ldap for flavour {f.name}; removed at stop"]
        lines += [f"include {path}" for path in schemas]
        lines += [f"pidfile {d / 'slapd.pid'}", f"argsfile {d / 'slapd.args'}",
                  f"modulepath {MODULE_DIR}"]
        lines += [f"moduleload {m}" for m in modules]
        lines += [
            f"TLSCACertificateFile {certs['ca_cert_path']}",
            f"TLSCertificateFile {certs['server_cert_path']}",
            f"TLSCertificateKeyFile {certs['server_key_path']}",
            # Like AD's MaxPageSize: 1000 entries per plain search, paged searches unlimited.
            "sizelimit size.soft=1000 size.hard=1000 size.prtotal=unlimited",
            'access to dn.base="" by * read',
            'access to dn.base="cn=Subschema" by * read',
            "",
            "database mdb",
            "maxsize 1073741824",
            f'suffix "{f.base_dn}"',
            f'rootdn "{self._admin_dn}"',
            f"rootpw {ssha(self._admin_password)}",
            f"directory {d / 'db'}",
            "dbnosync",
        ]
        lines += [f"index {i}" for i in indexes]
        lines += overlays
        # The service account reads everything but passwords (which serve only to bind) and
        # writes nothing; people read the directory and change their own password; anonymous
        # sessions can only bind. The rootdn (admin) bypasses these rules.
        lines += [
            "access to attrs=userPassword",
            f'    by dn.exact="{f.service_dn}" none',
            "    by self write",
            "    by anonymous auth",
            "    by * none",
            "access to *",
            f'    by dn.exact="{f.service_dn}" read',
            "    by users read",
            "    by * none",
        ]
        return "\n".join(lines) + "\n"

    def _launch(self):
        slapd = _find_program("slapd")
        log_path = self.directory / "slapd.log"
        self._log = open(log_path, "ab")
        for attempt in range(1, START_ATTEMPTS + 1):
            port, tls_port = _free_port(), _free_port()
            urls = " ".join(f"{scheme}://{address}:{p}/"
                            for address in (LISTEN_ADDRESS, MISMATCH_ADDRESS)
                            for scheme, p in (("ldap", port), ("ldaps", tls_port)))
            # -d 0: stay in the foreground (so the pid is slapd's) without debug output.
            self.process = subprocess.Popen(
                [slapd, "-d", "0", "-f", str(self.directory / "slapd.conf"), "-h", urls],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                start_new_session=True)  # a terminal's Ctrl-C goes to us; we stop slapd
            deadline = time.monotonic() + START_TIMEOUT
            endpoints = [(a, p) for a in (LISTEN_ADDRESS, MISMATCH_ADDRESS) for p in (port, tls_port)]
            while time.monotonic() < deadline and self.process.poll() is None:
                if all(_accepts(a, p) for a, p in endpoints):
                    break
                time.sleep(0.02)
            else:
                failed = self.process.poll() is not None
                if not failed:
                    self.process.kill()
                self.process.wait()
                self.process = None
                if failed and attempt < START_ATTEMPTS:
                    continue
                log = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"slapd did not start (attempt {attempt}); log tail:\n{log}")
            break
        self.info.update({
            "port": port,
            "tls_port": tls_port,
            "ldap_uri": f"ldap://{CLIENT_HOST}:{port}",
            "ldaps_uri": f"ldaps://{CLIENT_HOST}:{tls_port}",
            "mismatch_ldap_uri": f"ldap://{MISMATCH_ADDRESS}:{port}",
            "mismatch_ldaps_uri": f"ldaps://{MISMATCH_ADDRESS}:{tls_port}",
            "pid": self.process.pid,
            "log_path": str(log_path),
        })
