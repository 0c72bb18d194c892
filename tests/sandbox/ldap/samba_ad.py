"""A private, throw-away Active Directory: Debian's Samba AD DC (4.17) run as one plain process.

Flavours ``samba-ad`` (the sample company of samba_data.py, 40 users) and ``samba-ad-large`` (the
same plus 10,000 users and 500 groups, for benchmarks). See docs/dev/layout.md ("Samba AD").

Cost model: provisioning (~3 s), seeding and a first start (which makes the DC's TLS key and
certificates) happen once per machine in a TEMPLATE directory, cached under build/samba-ad/ (or
$CHATOPS_SAMBA_CACHE) and keyed by a hash of the Samba version, the seed data and this code. Each
instance is a ``cp -a`` of the template (xattrs kept) with its smb.conf paths and listening address
rewritten, started with ``samba -i -M single``: about a second. The DC's ports are fixed (389, 636,
3268, 3269), so every instance gets its own loopback address 127.0.0.x, leased with a lock file
under /tmp/chatops-samba-ad/ for as long as the instance lives.

Samba's tools run with /usr/bin/python3 (its bindings are not importable from a venv); this module
only starts them as programs.
"""

import atexit
import fcntl
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import ldap3

from . import samba_data as data
from .certs import write_certificates

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"
SEED_SCRIPT = HERE / "samba_seed.py"
HOST_NAME = "dc1"
TLS_SERVER_NAME = f"{HOST_NAME.upper()}.{data.DNS_DOMAIN}"   # the DC's DNS name
LDAP_PORT, LDAPS_PORT, GC_PORT, GC_TLS_PORT = 389, 636, 3268, 3269
ADDRESSES = tuple(f"127.0.0.{n}" for n in range(20, 250))
LEASE_DIR = Path(tempfile.gettempdir()) / "chatops-samba-ad"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
TEMPLATE_FORMAT = 2          # bump when _build_template changes what a template holds
PROVISION_OPTIONS = (f"--realm={data.REALM}", f"--domain={data.DOMAIN}", "--server-role=dc", "--dns-backend=NONE",
                     "--use-rfc2307", f"--host-name={HOST_NAME}", "--option=bind interfaces only=yes",
                     "--option=server services=ldap, cldap")
PASSWORD_CONVENTION = "<login>-pass"
FLAVOURS = {"samba-ad": False, "samba-ad-large": True}
ADMIN_DN = f"CN=Administrator,CN=Users,{data.BASE_DN}"
PACKAGES = "samba-ad-dc samba-ad-provision ldb-tools"


class SambaError(RuntimeError):
    pass


def _program(name):
    path = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if path is None:
        raise SambaError(f"{name} not found; install the Debian packages {PACKAGES} (tools/system-deps.sh)")
    return path


def available():
    """True when the Samba AD DC programs are installed (tests skip otherwise)."""
    return all(shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
               for name in ("samba", "samba-tool")) and Path("/usr/share/samba/setup").is_dir() \
        and Path(SYSTEM_PYTHON).exists()


def _samba_env():
    """The environment for Samba's programs: no venv or project Python paths leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
    return env


def _run(args, what, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, env=_samba_env(), check=False, **kwargs)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip()[-3000:]
        raise SambaError(f"{what} failed ({result.returncode}):\n{tail}")
    return result


@functools.lru_cache(maxsize=None)
def samba_version():
    return _run([_program("samba"), "-V"], "samba -V").stdout.strip()


# --- loopback address leases -----------------------------------------------------------------

class AddressLease:
    """An exclusive 127.0.0.x for one DC: a lock file held open while the DC lives, and the DC's
    fixed ports free on that address."""

    def __init__(self):
        LEASE_DIR.mkdir(mode=0o1777, exist_ok=True)
        for address in ADDRESSES:
            handle = open(LEASE_DIR / f"{address}.lock", "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            if all(_port_free(address, port) for port in (LDAP_PORT, LDAPS_PORT, GC_PORT, GC_TLS_PORT)):
                self.address = address
                self._handle = handle
                return
            handle.close()
        raise SambaError(f"no free loopback address for a Samba DC in {ADDRESSES[0]}..{ADDRESSES[-1]}")

    def release(self):
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _port_free(address, port):
    """Nothing listens there (connections left in TIME_WAIT by a stopped DC do not count: samba
    binds with SO_REUSEADDR too)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError:
            return False
    return True


def _rootdse_answers(address, port=LDAP_PORT):
    try:
        server = ldap3.Server(address, port=port, get_info=ldap3.NONE, connect_timeout=0.5)
        conn = ldap3.Connection(server, receive_timeout=2, raise_exceptions=False)
        try:
            if not conn.open() and conn.closed:
                return False
            return bool(conn.search("", "(objectClass=*)", search_scope=ldap3.BASE,
                                    attributes=["defaultNamingContext"]))
        finally:
            conn.unbind()
    except Exception:  # noqa: BLE001 - any failure means "not ready yet"
        return False


def _launch(conf, log_path, address, timeout=START_TIMEOUT):
    """Start ``samba -i -M single`` and wait until an anonymous rootDSE search answers."""
    log = open(log_path, "ab")
    try:
        process = subprocess.Popen([_program("samba"), "-i", "-M", "single", "-s", str(conf)],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   env=_samba_env(), start_new_session=True)
    finally:
        log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _rootdse_answers(address):
            return process
        time.sleep(0.05)
    _terminate(process)
    tail = Path(log_path).read_text(errors="replace")[-3000:]
    raise SambaError(f"samba did not answer on {address}:{LDAP_PORT} within {timeout:.0f} s; log tail:\n{tail}")


def _terminate(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the template ----------------------------------------------------------------------------

def cache_dir():
    return Path(os.environ.get("CHATOPS_SAMBA_CACHE") or REPO_ROOT / "build" / "samba-ad")


def template_key(large):
    """What the template depends on: Samba's version, the provisioning options, the seed data and
    the seed script (not the rest of this module, so editing the harness does not rebuild it)."""
    digest = hashlib.sha256()
    for part in (str(TEMPLATE_FORMAT), samba_version(), str(large), repr(PROVISION_OPTIONS),
                 SEED_SCRIPT.read_text(), Path(data.__file__).read_text()):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def template(large=False):
    """The template directory for the flavour (built now if missing; concurrent builders wait)."""
    name = "samba-ad-large" if large else "samba-ad"
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"{name}-{template_key(large)}"
    if (final / "template.json").is_file():
        return final
    with open(root / f"{name}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / "template.json").is_file():
            return final
        building = Path(tempfile.mkdtemp(prefix=f"{name}-build-", dir=root))
        try:
            _build_template(building, large)
            building.rename(final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        for old in root.iterdir():  # this flavour's templates of older seeds or Samba versions
            if old != final and old.is_dir() and re.fullmatch(re.escape(name) + "-[0-9a-f]{16}", old.name):
                shutil.rmtree(old, ignore_errors=True)
    return final


def _build_template(directory, large):
    started = time.monotonic()
    os.chmod(directory, 0o700)
    (directory / "run").mkdir()
    (directory / "log").mkdir()
    empty = directory / "empty.conf"
    empty.write_text("")
    admin_password = "Adm1n-" + secrets.token_urlsafe(12)
    service_password = "Svc1-" + secrets.token_urlsafe(12)
    lease = AddressLease()
    try:
        d = str(directory)
        # -s <empty file>: Debian's /etc/samba/smb.conf must not leak in; every per-instance
        # directory (pid, sockets, logs) inside the target so that instances never collide.
        _run([_program("samba-tool"), "domain", "provision", "-s", str(empty), f"--targetdir={d}",
              *PROVISION_OPTIONS, f"--adminpass={admin_password}", f"--host-ip={lease.address}",
              f"--option=interfaces={lease.address}/8",
              f"--option=pid directory={d}/run", f"--option=ncalrpc dir={d}/run/ncalrpc",
              f"--option=winbindd socket directory={d}/run/winbindd",
              f"--option=ntp signd socket directory={d}/run/ntp_signd",
              f"--option=log file={d}/log/log.%m"],
             "samba-tool domain provision")
        conf = directory / "etc" / "smb.conf"
        # Simple binds over plain LDAP (provisioning drops this option if given there).
        conf.write_text(conf.read_text().replace(
            "[global]\n", "[global]\n\tldap server require strong auth = no\n", 1))
        seed_path = directory / "seed.json"
        seed_path.write_text(json.dumps(data.seed(service_password, large=large)), encoding="utf-8")
        _run([SYSTEM_PYTHON, "-I", str(SEED_SCRIPT), str(conf), str(seed_path)], "seeding the directory")
        seed_path.unlink()
        empty.unlink()
        # One start to let samba finish its first-start work (1-4 s), so instances need not.
        process = _launch(conf, directory / "log" / "template-start.log", lease.address)
        _terminate(process)
    finally:
        lease.release()
    for stale in directory.rglob("*"):  # pid files and sockets of that start: samba makes new ones
        if stale.is_socket() or (stale.suffix == ".pid" and stale.parent.name == "run"):
            stale.unlink()
    meta = {"provisioned_path": str(directory), "admin_password": admin_password,
            "service_password": service_password, "samba_version": samba_version(), "large": large,
            "build_seconds": round(time.monotonic() - started, 1)}
    meta_path = directory / "template.json"
    meta_path.touch(mode=0o600)
    meta_path.write_text(json.dumps(meta, indent=1))


# --- an instance -----------------------------------------------------------------------------

class SambaAD:
    """One private Samba AD DC. ``with SambaAD() as dc: dc.info[...]`` (see docs/dev/layout.md).

    *workdir* is the parent of the instance's directory (default: the system temp dir); the
    instance directory is created at start and removed at stop.
    """

    def __init__(self, flavour="samba-ad", workdir=None):
        if flavour not in FLAVOURS:
            raise ValueError(f"unknown flavour {flavour!r}; expected one of {sorted(FLAVOURS)}")
        self.flavour = flavour
        self.large = FLAVOURS[flavour]
        self.workdir = workdir
        self.info = {}
        self.directory = None
        self.process = None
        self._lease = None
        self.timings = {}

    def start(self):
        if self.process is not None:
            raise RuntimeError("samba is already running")
        t0 = time.monotonic()
        source = template(self.large)
        t1 = time.monotonic()
        meta = json.loads((source / "template.json").read_text())
        if self.workdir is not None:
            os.makedirs(self.workdir, exist_ok=True)
        parent = Path(tempfile.mkdtemp(prefix=f"{self.flavour}-", dir=self.workdir))
        self.directory = parent
        atexit.register(self.stop)
        try:
            self._lease = AddressLease()
            address = self._lease.address
            dc = parent / "dc"
            _run(["cp", "-a", str(source), str(dc)], "copying the template")
            (dc / "template.json").unlink()
            conf = dc / "etc" / "smb.conf"
            lines = []
            for line in conf.read_text().replace(meta["provisioned_path"], str(dc)).splitlines():
                if line.strip().startswith("interfaces ="):
                    line = f"\tinterfaces = {address}/8"
                lines.append(line)
            # The DC's certificate, issued per instance by the domain's CA (as AD Certificate Services
            # would) for its DNS name and its address, so that clients reaching it by IP verify it.
            (dc / "tls").mkdir(mode=0o700)
            tls = write_certificates(dc / "tls", dns_names=[TLS_SERVER_NAME, TLS_SERVER_NAME.lower()],
                                     ip_addresses=[address], ca_name=f"{data.DOMAIN} domain CA")
            at = lines.index("[global]") + 1
            lines[at:at] = ["\ttls enabled = yes", f"\ttls keyfile = {tls['server_key_path']}",
                          f"\ttls certfile = {tls['server_cert_path']}", f"\ttls cafile = {tls['ca_cert_path']}"]
            conf.write_text("\n".join(lines) + "\n")
            log_path = dc / "log" / "samba.log"
            self.process = _launch(conf, log_path, address)
            t2 = time.monotonic()
            self.timings = {"template_seconds": round(t1 - t0, 2), "start_seconds": round(t2 - t1, 2),
                            "template_build_seconds": meta.get("build_seconds")}
            self.info = self._info(dc, address, meta, log_path)
        except BaseException:
            self.stop()
            raise
        return self.info

    def _info(self, dc, address, meta, log_path):
        ca_path = dc / "tls" / "ca.pem"
        user_count = len(data.USERS) + (data.LARGE_USERS if self.large else 0)
        return {
            "flavour": self.flavour,
            "host": address,
            "port": LDAP_PORT,
            "tls_port": LDAPS_PORT,
            "global_catalog_port": GC_PORT,
            "ldap_uri": f"ldap://{address}:{LDAP_PORT}",
            "ldaps_uri": f"ldaps://{address}:{LDAPS_PORT}",
            "ldap_base_dn": data.BASE_DN,
            "ldap_bind_dn": data.SERVICE_DN,
            "ldap_bind_upn": f"{data.SERVICE_LOGIN}@{data.DNS_DOMAIN}",
            "ldap_bind_password": meta["service_password"],
            "ldap_admin_dn": ADMIN_DN,
            "ldap_admin_password": meta["admin_password"],
            "ca_cert_path": str(ca_path),
            "ca_cert_pem": ca_path.read_text(),
            "wrong_ca_cert_path": str(dc / "tls" / "wrong-ca.pem"),
            # The certificate names DC1.<realm> and the instance's address.
            "tls_server_name": TLS_SERVER_NAME,
            # samba listens on its own address only, which the certificate names: no address reaches
            # the DC under a name the certificate lacks
            "mismatch_host": None,
            "mismatch_ldap_uri": None,
            "mismatch_ldaps_uri": None,
            "realm": data.REALM,
            "domain": data.DOMAIN,
            "dns_domain": data.DNS_DOMAIN,
            "users_dn": data.STAFF_DN,
            "groups_dn": data.GROUPS_DN,
            "teams_dn": data.TEAMS_DN,
            "contractors_dn": data.CONTRACTORS_DN,
            "login_attribute": "sAMAccountName",
            "password_convention": PASSWORD_CONVENTION,
            "sample_user": data.SAMPLE_USER,
            "sample_user_dn": data.user_dn(data.SAMPLE_USER),
            "sample_user_upn": f"{data.SAMPLE_USER}@{data.DNS_DOMAIN}",
            "sample_password": data.sample_password(data.SAMPLE_USER),
            "nested_chain": list(data.NESTED_CHAIN),
            "disabled_user": "ddiaz",
            "locked_user": "eellis",
            "no_mail_user": "ffischer",
            "user_count": user_count,
            "pid": self.process.pid,
            "workdir": str(self.directory),
            "log_path": str(log_path),
            "samba_version": meta.get("samba_version"),
        }

    def stop(self):
        """SIGTERM (SIGKILL after 10 s), remove the instance directory, free the address. Idempotent."""
        if self.process is not None:
            _terminate(self.process)
            self.process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
        if self._lease is not None:
            self._lease.release()
            self._lease = None
        atexit.unregister(self.stop)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

