#!/usr/bin/env python3
"""Drops JMH's raw samples (rawData, rawDataHistogram) from a result file, in place or to a new file.

Scores, errors, percentiles and the profilers' metrics stay, so report.py makes the same tables and
chart from the stripped file; a quick run's 1.7 MB become about 180 KB, small enough to commit.

  python3 benchmarks/scripts/strip_raw.py /tmp/jmh.json benchmarks/results/jmh-quick.json
"""
import json
import sys


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    results = json.load(open(sys.argv[1]))
    for r in results:
        for m in [r["primaryMetric"]] + list(r.get("secondaryMetrics", {}).values()):
            m.pop("rawData", None)
            m.pop("rawDataHistogram", None)
    with open(sys.argv[-1], "w") as out:
        json.dump(results, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
