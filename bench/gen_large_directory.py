"""Write a large sample directory as LDIF (for benchmarks): see tests/sandbox/ldap/large.py.

    python bench/gen_large_directory.py --users 10000 --groups 500 big.ldif
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sandbox.ldap.large import main  # noqa: E402  (after the path set-up above)

if __name__ == "__main__":
    main()
