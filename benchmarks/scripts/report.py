#!/usr/bin/env python3
"""Turns one JMH JSON result file of the Omnibus benchmarks into a Markdown table and an SVG chart.

Every figure is compared with its baseline FROM THE SAME FILE (same run, same machine, same
noise), never with another run:

  SerializerBenchmark       each codec vs jackson-json (the bare record through plain Jackson),
                            same operation and message size; omnibus-cbor also vs jackson-cbor
  PublishConsumeBenchmark   busThroughput / busLatency vs handOffThroughput / handOffLatency
                            (java.util.concurrent hand-off) with the same number of consumers
  PipelineBenchmark         n filters vs 0 filters; also the cost of one filter

Usage (Python 3.8+, standard library only, no network):

  python3 benchmarks/scripts/report.py benchmarks/results/jmh-quick.json \
      --svg docs/benchmarks-quick.svg > /tmp/table.md
"""
import argparse
import json
import math
import sys
from xml.sax.saxutils import escape


def short(benchmark):
    cls, method = benchmark.rsplit(".", 2)[-2:]
    return cls, method


def metric(result, name):
    m = result.get("secondaryMetrics", {}).get(name)
    return None if m is None else m["score"]


def load(path):
    with open(path, encoding="utf-8") as f:
        results = json.load(f)
    rows = {}
    for r in results:
        cls, method = short(r["benchmark"])
        params = tuple(sorted((r.get("params") or {}).items()))
        rows[(cls, method, params)] = r
    return results, rows


def find(rows, cls, method, **params):
    return rows.get((cls, method, tuple(sorted((k, str(v)) for k, v in params.items()))))


def fmt(x, digits=3):
    """A number with `digits` significant digits and thousands separators."""
    if isinstance(x, str):
        try:
            x = float(x)
        except ValueError:
            return "–"
    if x is None or math.isnan(x) or math.isinf(x):
        return "–"
    if x == 0:
        return "0"
    magnitude = int(math.floor(math.log10(abs(x))))
    decimals = max(0, digits - 1 - magnitude)
    return f"{x:,.{decimals}f}"


def ratio(value, base):
    if value is None or base is None or base == 0:
        return None
    return value / base


def serializer_rows(rows):
    out = []
    for size in ("small", "large"):
        for method in ("encode", "decode"):
            base = find(rows, "SerializerBenchmark", method, codec="jackson-json", size=size)
            cbor_base = find(rows, "SerializerBenchmark", method, codec="jackson-cbor", size=size)
            for codec in ("jackson-json", "jackson-cbor", "omnibus-json", "omnibus-cbor", "binary-bare", "omnibus-binary"):
                r = find(rows, "SerializerBenchmark", method, codec=codec, size=size)
                if r is None:
                    continue
                score = r["primaryMetric"]["score"]
                us = 1e6 / score
                base_us = 1e6 / base["primaryMetric"]["score"] if base else None
                vs_cbor = None
                if codec == "omnibus-cbor" and cbor_base:
                    vs_cbor = us / (1e6 / cbor_base["primaryMetric"]["score"])
                out.append({
                    "group": f"{method} {size}",
                    "label": f"{codec} {method} {size}",
                    "codec": codec, "method": method, "size": size,
                    "score": score, "error": r["primaryMetric"]["scoreError"],
                    "us": us, "alloc": metric(r, "gc.alloc.rate.norm"),
                    "x": ratio(us, base_us), "x_cbor": vs_cbor,
                })
    return out


def bus_rows(rows):
    out = []
    for consumers in ("1", "4"):
        base_t = find(rows, "PublishConsumeBenchmark", "handOffThroughput", consumers=consumers)
        base_l = find(rows, "PublishConsumeBenchmark", "handOffLatency", consumers=consumers)
        if base_t:
            out.append(throughput_row(f"hand-off, {consumers} consumer(s)", base_t, base_t, "throughput"))
        for serializer in ("json", "cbor", "reference"):
            r = find(rows, "PublishConsumeBenchmark", "busThroughput", consumers=consumers, serializer=serializer)
            if r:
                out.append(throughput_row(f"bus ({serializer}), {consumers} consumer(s)", r, base_t, "throughput"))
        if base_l:
            out.append(latency_row(f"hand-off, {consumers} consumer(s)", base_l, base_l))
        for serializer in ("json", "cbor", "reference"):
            r = find(rows, "PublishConsumeBenchmark", "busLatency", consumers=consumers, serializer=serializer)
            if r:
                out.append(latency_row(f"bus ({serializer}), {consumers} consumer(s)", r, base_l))
    return out


def throughput_row(label, r, base, kind):
    score = r["primaryMetric"]["score"]
    base_score = base["primaryMetric"]["score"] if base else None
    return {
        "kind": kind, "label": label, "score": score, "error": r["primaryMetric"]["scoreError"],
        "us": 1e6 / score, "alloc": metric(r, "gc.alloc.rate.norm"),
        "x": ratio(base_score, score),  # time per message relative to the baseline
    }


def latency_row(label, r, base):
    pm = r["primaryMetric"]
    pct = pm.get("scorePercentiles", {})
    base_mean = base["primaryMetric"]["score"] if base else None
    return {
        "kind": "latency", "label": label, "mean": pm["score"], "p50": pct.get("50.0"), "p99": pct.get("99.0"),
        "unit": pm["scoreUnit"], "alloc": metric(r, "gc.alloc.rate.norm"), "x": ratio(pm["score"], base_mean),
    }


def pipeline_rows(rows):
    out = []
    base = find(rows, "PipelineBenchmark", "publishConsume", filters=0)
    if not base:
        return out
    base_s = 1.0 / base["primaryMetric"]["score"]
    for n in (0, 1, 10, 100, 1000):
        r = find(rows, "PipelineBenchmark", "publishConsume", filters=n)
        if not r:
            continue
        s = 1.0 / r["primaryMetric"]["score"]
        out.append({
            "label": f"{n} filter(s)", "filters": n, "score": r["primaryMetric"]["score"],
            "error": r["primaryMetric"]["scoreError"], "us": s * 1e6, "alloc": metric(r, "gc.alloc.rate.norm"),
            "x": s / base_s, "per_filter_ns": (s - base_s) / n * 1e9 if n else None,
        })
    return out


def slope_ns(pipe):
    """Least-squares slope of time per message (ns) over the number of filters."""
    if len(pipe) < 2:
        return None
    xs = [r["filters"] for r in pipe]
    ys = [r["us"] * 1000 for r in pipe]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return None if sxx == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def run_settings(results):
    r = results[0]
    return (f"JMH {r.get('jmhVersion')}, {r.get('vmName')} {r.get('jdkVersion')}, "
            f"{r.get('forks')} fork(s), {r.get('warmupIterations')} × {r.get('warmupTime')} warm-up, "
            f"{r.get('measurementIterations')} × {r.get('measurementTime')} measurement, "
            f"JVM args {' '.join(r.get('jvmArgs') or []) or '(none)'}")


def markdown(results, ser, bus, pipe):
    lines = [f"Run: {run_settings(results)}.", ""]
    if ser:
        lines += ["#### Serializers (one message per operation)", "",
                  "| operation | codec | ops/s (± 99.9 %) | µs/op | B allocated/op | × jackson-json time | × jackson-cbor time |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for r in ser:
            lines.append(f"| {r['method']} {r['size']} | {r['codec']} | {fmt(r['score'])} ± {fmt(r['error'], 2)} | "
                         f"{fmt(r['us'])} | {fmt(r['alloc'])} | {fmt(r['x'])} | {fmt(r['x_cbor'])} |")
        lines.append("")
    tp = [r for r in bus if r["kind"] == "throughput"]
    lat = [r for r in bus if r["kind"] == "latency"]
    if tp:
        lines += ["#### In-memory bus: publish-to-consume throughput (small order, batches of 1,000)", "",
                  "| system | msg/s published (± 99.9 %) | µs/msg | B allocated/msg | × hand-off time |",
                  "|---|---:|---:|---:|---:|"]
        for r in tp:
            lines.append(f"| {r['label']} | {fmt(r['score'])} ± {fmt(r['error'], 2)} | {fmt(r['us'])} | "
                         f"{fmt(r['alloc'])} | {fmt(r['x'])} |")
        lines.append("")
    if lat:
        unit = lat[0]["unit"].replace("us/op", "µs")
        lines += ["#### In-memory bus: publish-to-consume latency (one message at a time)", "",
                  f"| system | mean ({unit}) | p50 | p99 | B allocated/msg | × hand-off mean |",
                  "|---|---:|---:|---:|---:|---:|"]
        for r in lat:
            lines.append(f"| {r['label']} | {fmt(r['mean'])} | {fmt(r['p50'])} | {fmt(r['p99'])} | "
                         f"{fmt(r['alloc'])} | {fmt(r['x'])} |")
        lines.append("")
    if pipe:
        lines += ["#### Consume pipeline: cost per filter (one endpoint, pass-through filters)", "",
                  "| pipeline | msg/s (± 99.9 %) | µs/msg | B allocated/msg | × 0-filter time | (t(n) − t(0)) / n, ns |",
                  "|---|---:|---:|---:|---:|---:|"]
        for r in pipe:
            lines.append(f"| {r['label']} | {fmt(r['score'])} ± {fmt(r['error'], 2)} | {fmt(r['us'])} | "
                         f"{fmt(r['alloc'])} | {fmt(r['x'])} | {fmt(r['per_filter_ns'])} |")
        lines += ["", f"Cost of one filter (least-squares slope over all rows): **{fmt(slope_ns(pipe))} ns** per message.", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- SVG

def svg(title, subtitles, groups):
    """Horizontal bars of 'times the baseline's time' on a log scale; groups = [(heading, [(label, x)])]."""
    bar_h, gap, head_h, left, width, right = 16, 4, 26, 250, 430, 70
    values = [x for _, items in groups for _, x in items if x]
    hi = max([1.0] + values) * 1.15
    lo = min([1.0] + values) / 1.15
    lo = 10 ** math.floor(math.log10(lo))
    hi = 10 ** math.ceil(math.log10(hi))

    def px(x):
        return left + (math.log10(x) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * width

    height = 52 + 18 * len(subtitles) + sum(head_h + len(items) * (bar_h + gap) for _, items in groups) + 30
    total_w = left + width + right
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{height}" '
           f'viewBox="0 0 {total_w} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{total_w}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="15" font-weight="bold">{escape(title)}</text>']
    for i, line in enumerate(subtitles):
        out.append(f'<text x="10" y="{38 + 18 * i}" fill="#555">{escape(line)}</text>')
    y = 37 + 18 * len(subtitles)
    # grid: decades
    d = lo
    grid = []
    while d <= hi * 1.0001:
        grid.append(d)
        d *= 10
    top = y
    for heading, items in groups:
        out.append(f'<text x="10" y="{y + 17}" font-weight="bold">{escape(heading)}</text>')
        y += head_h
        for label, x in items:
            out.append(f'<text x="{left - 8}" y="{y + bar_h - 4}" text-anchor="end">{escape(label)}</text>')
            if x:
                x0 = px(lo)
                color = "#9e9e9e" if abs(x - 1.0) < 1e-9 else ("#2e7d32" if x < 1 else "#1565c0")
                out.append(f'<rect x="{x0:.1f}" y="{y}" width="{px(x) - x0:.1f}" height="{bar_h}" fill="{color}"/>')
                out.append(f'<text x="{px(x) + 4:.1f}" y="{y + bar_h - 4}">{fmt(x)}×</text>')
            y += bar_h + gap
    bottom = y
    for g in grid:
        out.append(f'<line x1="{px(g):.1f}" y1="{top}" x2="{px(g):.1f}" y2="{bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{px(g):.1f}" y="{bottom + 14}" text-anchor="middle" fill="#555">{fmt(g)}×</text>')
    out.append(f'<line x1="{px(1):.1f}" y1="{top}" x2="{px(1):.1f}" y2="{bottom}" stroke="#333" stroke-dasharray="4 3"/>')
    out.append('</svg>')
    return "\n".join(out) + "\n"


def chart(results, ser, bus, pipe):
    groups = []
    for size in ("small", "large"):
        for method in ("encode", "decode"):
            items = [(r["codec"], r["x"]) for r in ser if r["size"] == size and r["method"] == method]
            if items:
                groups.append((f"Serializer: {method}, {size} order (vs jackson-json)", items))
    tp = [(r["label"], r["x"]) for r in bus if r["kind"] == "throughput"]
    if tp:
        groups.append(("In-memory bus: time per message at full throughput (vs hand-off)", tp))
    lat = [(r["label"], r["x"]) for r in bus if r["kind"] == "latency"]
    if lat:
        groups.append(("In-memory bus: mean latency of one message (vs hand-off)", lat))
    if pipe:
        groups.append(("Consume pipeline: time per message (vs 0 filters)", [(r["label"], r["x"]) for r in pipe]))
    return svg("Omnibus benchmarks: time per operation relative to the baseline of the same run",
               ["Log scale. 1× = the baseline (grey); right of it = slower (blue), left = faster (green).",
                run_settings(results).split(", JVM args")[0] + "."], groups)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", help="a JMH JSON result file (-rf json)")
    p.add_argument("--svg", help="write the chart to this file")
    a = p.parse_args()
    results, rows = load(a.results)
    if not results:
        sys.exit(f"{a.results} holds no results")
    ser, bus, pipe = serializer_rows(rows), bus_rows(rows), pipeline_rows(rows)
    print(markdown(results, ser, bus, pipe))
    if a.svg:
        with open(a.svg, "w", encoding="utf-8") as f:
            f.write(chart(results, ser, bus, pipe))


if __name__ == "__main__":
    main()
