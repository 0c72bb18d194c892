#!/usr/bin/env python3
"""Print one closing line for `make test`: the pytest results of this run, added up.

Usage: tools/test-summary.py REPORT.xml...  (the JUnit XML files tools/run-pytest.sh wrote)
"""
import sys
import xml.etree.ElementTree as ET

totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    for suite in root.iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, 0))

failed = totals["failures"] + totals["errors"]
passed = totals["tests"] - failed - totals["skipped"]
print("tests: %d passed, %d failed, %d skipped" % (passed, failed, totals["skipped"]))
sys.exit(1 if failed else 0)
