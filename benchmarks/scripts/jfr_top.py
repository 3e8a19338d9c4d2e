#!/usr/bin/env python3
"""Aggregates a JFR recording's allocation or CPU samples by site, for docs/benchmarks.md's profiles.

  python3 benchmarks/scripts/jfr_top.py alloc FILE.jfr [--top 25] [--skip-warmup SECONDS]
  python3 benchmarks/scripts/jfr_top.py cpu   FILE.jfr [--top 25]

alloc: jdk.ObjectAllocationSample weights (an estimate of the bytes allocated since the previous sample
       on that thread), summed by allocated class + innermost frame, and by the innermost dev.omnibus frame
       (the project code that caused the allocation); shares are of all sampled bytes.
cpu:   jdk.ExecutionSample counts by innermost frame and by innermost dev.omnibus frame.
Uses `jfr print --json` from the running JDK; standard library only.
"""
import argparse
import collections
import json
import subprocess
import sys


def events(path, name, depth):
    jfr = "jfr"
    out = subprocess.run([jfr, "print", "--json", "--stack-depth", str(depth), "--events", name, path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def frame(f):
    m = f["method"]
    return "%s.%s:%s" % (m["type"]["name"].rsplit(".", 1)[-1], m["name"], f.get("lineNumber", "?"))


def ours(f):
    t = f["method"]["type"]["name"].replace("/", ".")
    return t.startswith("dev.omnibus") and "jmh_generated" not in t and "$$Lambda" not in t


def omnibus(frames):
    for f in frames:
        if ours(f):
            return frame(f)
    return "(no dev.omnibus frame)"


def table(title, counter, total, top, unit):
    print("\n%s (total %s %s)" % (title, format(int(total), ","), unit))
    for k, v in counter.most_common(top):
        print("%6.1f%%  %14s  %s" % (100.0 * v / total, format(int(v), ","), k))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["alloc", "cpu"])
    ap.add_argument("file")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--depth", type=int, default=40)
    a = ap.parse_args()
    if a.kind == "alloc":
        evs = events(a.file, "jdk.ObjectAllocationSample", a.depth)
        site, by_omnibus, by_class = collections.Counter(), collections.Counter(), collections.Counter()
        total = 0
        for e in evs:
            v = e["values"]
            frames = (v.get("stackTrace") or {}).get("frames") or []
            w = v["weight"]
            cls = v["objectClass"]["name"].rsplit(".", 1)[-1]
            total += w
            site["%s @ %s" % (cls, frame(frames[0]) if frames else "?")] += w
            by_omnibus["%s @ %s" % (cls, omnibus(frames))] += w
            by_class[cls] += w
        table("bytes by class @ innermost frame", site, total, a.top, "bytes sampled")
        table("bytes by class @ innermost dev.omnibus frame", by_omnibus, total, a.top, "bytes sampled")
        table("bytes by class", by_class, total, a.top, "bytes sampled")
    else:
        evs = events(a.file, "jdk.ExecutionSample", a.depth)
        top, by_omnibus, incl = collections.Counter(), collections.Counter(), collections.Counter()
        for e in evs:
            frames = (e["values"].get("stackTrace") or {}).get("frames") or []
            top[frame(frames[0]) if frames else "?"] += 1
            by_omnibus[omnibus(frames)] += 1
            seen = set()
            for f in frames:
                m = f["method"]
                k = "%s.%s" % (m["type"]["name"].rsplit(".", 1)[-1], m["name"])
                if k not in seen and ours(f):
                    seen.add(k)
                    incl[k] += 1
        table("samples by innermost frame", top, len(evs), a.top, "samples")
        table("samples by innermost dev.omnibus frame", by_omnibus, len(evs), a.top, "samples")
        table("samples by dev.omnibus method, inclusive", incl, len(evs), a.top, "samples")


if __name__ == "__main__":
    main()
