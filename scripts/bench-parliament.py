#!/usr/bin/env python3
"""Baseline for `cargo bench -p perimeter-iam --bench validate`: parliament over the managed policies.

Times `parliament.analyze_policy_string` on every document of
$PERIMETER_CORPORA/managed-policies/policies.jsonl, each serialized with 4-space indentation (the
same text the Rust benchmark validates). Prints one JSON line:
{"tool": "parliament", "version": ..., "documents": N, "runs": R, "median_s": ..., "min_s": ..., "median_cpu_s": ...,
 "documents_that_raised": K}  (documents on which parliament raised; their time up to the raise counts)

Usage: pip install parliament; PERIMETER_CORPORA=../shared/corpora python3 scripts/bench-parliament.py [RUNS]
"""
import json
import os
import statistics
import sys
import time


def main() -> int:
    root = os.environ.get("PERIMETER_CORPORA")
    if not root:
        print("PERIMETER_CORPORA is not set", file=sys.stderr)
        return 2
    try:
        import parliament
        from importlib.metadata import version
    except ImportError:
        print("parliament is not installed (pip install parliament)", file=sys.stderr)
        return 2
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    docs = []
    with open(os.path.join(root, "managed-policies", "policies.jsonl"), encoding="utf-8") as f:
        for line in f:
            docs.append(json.dumps(json.loads(line)["document"], indent=4))
    # Warm parliament's own caches (its IAM definition) outside the timed runs, as the Rust
    # benchmark loads its catalog lazily inside them: see the note in benches/validate.rs.
    parliament.analyze_policy_string(docs[0])
    times = []
    cpu = []
    failures = 0
    for _ in range(runs):
        failures = 0
        start = time.perf_counter()
        start_cpu = time.process_time()
        for d in docs:
            try:
                parliament.analyze_policy_string(d)
            except Exception:  # parliament 1.6.4 raises on some types (`ArrayOfARN`)
                failures += 1
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(json.dumps({
        "tool": "parliament",
        "version": version("parliament"),
        "documents": len(docs),
        "runs": runs,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "median_cpu_s": statistics.median(cpu),
        "documents_that_raised": failures,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
