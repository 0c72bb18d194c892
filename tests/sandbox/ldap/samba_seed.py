"""Seed a stopped, freshly provisioned Samba AD database (run by /usr/bin/python3, not a venv).

Usage: /usr/bin/python3 samba_seed.py SMB_CONF SEED_JSON

Samba's Python bindings exist only for the system Python, so this file imports nothing from the
project: samba_ad.py (the harness) writes the seed (samba_data.seed()) as JSON and runs this. Entries
are added through the DC's own module stack (so objectGUID, objectSid, member /
memberOf links and password hashes are made as the running DC would make them); passwords go in as
unicodePwd. Domain policy first: no complexity rule, passwords never expire (templates are cached).

Cost: each add costs more the larger the directory is (the DC's uniqueness checks), so the 10,000
users of the large variant take ~40 s; committing every BATCH entries halves that against
one big transaction.
"""

import json
import sys

import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

NEVER = "-9223372036854775808"
BATCH = 250


def main(conf, seed_path):
    lp = LoadParm()
    lp.load(conf)
    db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
    with open(seed_path, encoding="utf-8") as handle:
        seed = json.load(handle)
    base = str(db.domain_dn())
    db.transaction_start()
    try:
        policy = ldb.Message(ldb.Dn(db, base))
        for name, value in (("pwdProperties", "0"), ("maxPwdAge", NEVER), ("minPwdAge", "0")):
            policy[name] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, name)
        db.modify(policy)
        for number, entry in enumerate(seed["entries"], 1):
            message = {"dn": entry["dn"]}
            message.update(entry["attrs"])
            if entry.get("password"):
                message["unicodePwd"] = ('"%s"' % entry["password"]).encode("utf-16-le")
            db.add(message)
            after = entry.get("after") or {}
            if after:
                change = ldb.Message(ldb.Dn(db, entry["dn"]))
                for name, values in after.items():
                    change[name] = ldb.MessageElement(values, ldb.FLAG_MOD_REPLACE, name)
                # relax: lockoutTime is otherwise only the DC's to set
                db.modify(change, controls=["relax:0"])
            if number % BATCH == 0:
                db.transaction_commit()
                db.transaction_start()
    except BaseException:
        db.transaction_cancel()
        raise
    db.transaction_commit()
    print("seeded %d entries under %s" % (len(seed["entries"]), base))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
