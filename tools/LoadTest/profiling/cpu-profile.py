#!/usr/bin/env python3
"""Per-process CPU tables from a run profiled by profile-sale.sh (a flash sale) or profile-read-path.sh (product detail).

Reads <dir>/perf.script.gz (perf script: comm,pid,tid,period,ip,sym,dso), <dir>/processes.txt (pid -> command line)
and, for a flash sale, <dir>/flash-sale.json (the load tool's report: CPU per confirmed order by process), and prints
markdown:
1. each process's share of the sampled CPU, beside the tool's CPU-ms per confirmed order;
2. for each process, the share of its samples per cost centre (each sample charged to exactly one, see centre_of);
3. for each service, the heaviest call paths of our own code (inclusive) and the heaviest leaf methods (exclusive).
"""
import collections, gzip, json, os, re, sys

# Each sample is charged to one cost centre: the JIT if the JIT is on its stack (or it ran on the tier-up thread);
# otherwise the first frame from the leaf up that is not base-library or runtime plumbing decides, by the first of
# these patterns it matches ("symbol (dso)"; ReadyToRun framework code is known by its DLL only).
COST_CENTRES = [
    ("EmbeddedDapr (the sidecars)", r"EmbeddedDapr"),
    ("load generator", r"Flipkart\.LoadTest"),
    ("logging (Serilog, M.E.Logging)", r"\bSerilog|Microsoft\.Extensions\.Logging"),
    ("tracing, metrics (OpenTelemetry, Activity)", r"\bOpenTelemetry|System\.Diagnostics\.(Activity|DiagnosticSource|DiagnosticListener|Metrics)"),
    ("JSON (System.Text.Json)", r"System\.Text\.Json"),
    ("gRPC (Grpc.Net)", r"\bGrpc\.|Google\.Protobuf"),
    ("Dapr SDK", r"\bDapr\.(Client|AspNetCore|Actors|Workflow)|\bDurableTask"),
    ("YARP (gateway proxy)", r"\bYarp\."),
    ("HTTP client (System.Net.Http)", r"System\.Net\.Http"),
    ("sockets, TLS, pipes", r"System\.Net\.(Sockets|Security|Primitives)|System\.IO\.Pipelines"),
    ("Kestrel (HTTP server)", r"Microsoft\.AspNetCore\.Server\.Kestrel"),
    ("ASP.NET Core (middleware, routing, auth, DI)", r"Microsoft\.AspNetCore|Microsoft\.Extensions\.(DependencyInjection|Options|Primitives)|Microsoft\.IdentityModel|System\.IdentityModel"),
    ("our code (Flipkart.*)", r"\bFlipkart\."),
]
PLUMBING = re.compile(r"System\.Private\.CoreLib|System\.Runtime\b|System\.Collections|System\.Linq|System\.Memory|System\.Threading|libcoreclr|libc\.so|libstdc|ld-linux|\[unknown\]|^stub |\[kernel\.kallsyms\]|\[vdso\]|System\.Text\.Encodings|System\.Console")
JIT = re.compile(r"libclrjit\.so")
FALLBACK_KERNEL = "kernel (syscalls, network, scheduling)"
FALLBACK_RUNTIME = "runtime and base library (GC, type system, CoreLib)"


def centre_of(comm, frames, centres):
    if comm.startswith(".NET Tiered Com") or any(JIT.search(f) for f in frames):
        return "JIT compiler (tier-up and first calls)"
    for frame in frames:
        if PLUMBING.search(frame):
            continue
        for name, rx in centres:
            if rx.search(frame):
                return name
        break
    return FALLBACK_KERNEL if frames and "[kernel.kallsyms]" in frames[0] else FALLBACK_RUNTIME


SERVICE = re.compile(r"Flipkart\.(\w+)(?:\.dll)?\b")


def process_names(path, directory):
    """The processes of this run only: the load tool started with --out <directory>/..., and its descendants."""
    rows = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        parts = line.strip().split(None, 2)
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
            rows[int(parts[0])] = (int(parts[1]), parts[2])
    marker = os.path.abspath(directory)
    ours = {pid for pid, (_, args) in rows.items() if marker in args}
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _) in rows.items():
            if ppid in ours and pid not in ours:
                ours.add(pid)
                changed = True
    names = {}
    for pid in ours:
        args = rows[pid][1]
        if "LoadTest" in args:
            names[pid] = "loadtest+sidecars"
        elif os.path.basename(args.split(None, 1)[0]) == "wrk":
            names[pid] = "wrk"
        elif (m := SERVICE.search(args)) and m.group(1) not in ("LoadTest", "DevHost"):
            names[pid] = m.group(1).lower()
    return names


def samples(path):
    header = re.compile(r"^(.*?)\s+(\d+)/(\d+)\s+(\d+)\s*:?\s*$")
    frame = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")
    pid, comm, period, frames = None, "", 0, []
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                if pid is not None:
                    yield pid, comm, frames
                pid, frames = None, []
                continue
            if pid is None:
                m = header.match(line.rstrip())
                if m:
                    comm, pid = m.group(1), int(m.group(2))
                continue
            m = frame.match(line.rstrip())
            if m:
                frames.append(f"{m.group(1)} ({m.group(2)})")
    if pid is not None:
        yield pid, comm, frames


def method(frame):
    name = frame.rsplit(" (", 1)[0]
    name = re.sub(r"\[(Optimized|OptimizedTier1|Tier0|Tier1|QuickJitted|PreJIT|Instrumented)[^\]]*\]", "", name)
    return re.sub(r"\(.*", "", name).strip()


def main(directory):
    names = process_names(os.path.join(directory, "processes.txt"), directory)
    sale_report = os.path.join(directory, "flash-sale.json")
    report = json.load(open(sale_report)) if os.path.exists(sale_report) else {}
    sale = report.get("flashSale", {}).get("saleCpu", {})
    per_order = {p["name"]: p.get("msPerUnit") for p in sale.get("processes", [])} if sale else {}
    centres = [(n, re.compile(r)) for n, r in COST_CENTRES]

    total = collections.Counter()
    by_centre = collections.defaultdict(collections.Counter)
    ours = collections.defaultdict(collections.Counter)
    leaves = collections.defaultdict(collections.Counter)
    for pid, comm, frames in samples(os.path.join(directory, "perf.script.gz")):
        proc = names.get(pid)
        if proc is None:
            continue
        total[proc] += 1
        by_centre[proc][centre_of(comm, frames, centres)] += 1
        seen = set()
        for fr in frames:
            if "Flipkart." in fr:
                m = method(fr)
                if m not in seen:
                    seen.add(m)
                    ours[proc][m] += 1
        if frames:
            leaves[proc][method(frames[0])] += 1

    everything = sum(total.values())
    print(f"# CPU profile of the {'sale window' if report else 'profiled phase'} ({everything} samples at 499 Hz over all processes)\n")
    print("| process | share of sampled CPU | CPU-ms per confirmed order (load tool) |")
    print("|---|---:|---:|")
    for proc, n in total.most_common():
        print(f"| {proc} | {100 * n / everything:.1f} % | {per_order.get(proc, '')} |")
    print()
    procs = [p for p, _ in total.most_common()]
    print("## Cost centres: share of each process's samples (each sample charged to one centre)\n")
    print("| cost centre | " + " | ".join(procs) + " |")
    print("|---|" + "---:|" * len(procs))
    names_in_order = ["JIT compiler (tier-up and first calls)"] + [n for n, _ in centres] + [FALLBACK_KERNEL, FALLBACK_RUNTIME]
    for name in names_in_order:
        cells = [f"{100 * by_centre[p][name] / total[p]:.0f} %" if total[p] else "" for p in procs]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    for proc in procs:
        if proc == "loadtest+sidecars":
            continue
        print(f"## {proc}: our code, inclusive (top 12)\n")
        for m, n in ours[proc].most_common(12):
            print(f"- {100 * n / total[proc]:.1f} % {m}")
        jitted = collections.Counter()
        methods = collections.Counter()
        for pid in (p for p, n in names.items() if n == proc):
            path = os.path.join(directory, "jitted", f"perf-{pid}.map")
            if os.path.exists(path):
                for line in open(path, encoding="utf-8", errors="replace"):
                    parts = line.rstrip().split(" ", 2)
                    if len(parts) == 3 and not parts[2].startswith("stub "):
                        tier = re.search(r"\[([A-Za-z0-9-]+)\]$", parts[2])
                        jitted[tier.group(1) if tier else "?"] += 1
                        methods[re.sub(r"\[[A-Za-z0-9-]+\]$", "", parts[2])] += 1
        if jitted:
            print(f"\n## {proc}: methods the JIT compiled during the sale: {sum(jitted.values())} (" +
                  ", ".join(f"{t} {n}" for t, n in jitted.most_common()) + ")\n")
            for m, n in methods.most_common(15):
                print(f"- {n}× {m[:200]}")
        print(f"\n## {proc}: leaf methods, exclusive (top 12)\n")
        for m, n in leaves[proc].most_common(12):
            print(f"- {100 * n / total[proc]:.1f} % {m}")
        print()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
