"""Summary line of one partitioned_scale.sh run: wall time, CPU time and peak RSS from /usr/bin/time -v (in the
run's log), subsets and chain from run.json, and the per-phase times of run.json timings_seconds.
Usage: python3 bench/scale_summary.py N OUT/run.json OUT.log"""
import json
import re
import sys

n, run, log = sys.argv[1], json.load(open(sys.argv[2])), open(sys.argv[3]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", log).group(1)
parts = [float(p) for p in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", log).group(1)) / 1024 ** 2
cpu = float(re.search(r"User time \(seconds\): (\S+)", log).group(1)) + float(re.search(r"System time \(seconds\): (\S+)", log).group(1))
t = run["timings_seconds"]; p = run["partitioned"]
subs = p["subsets"]; per = sum(s["seconds"] for s in subs) / len(subs)
print("N=%s: wall %.1f s, CPU (user+sys) %.1f s, peak RSS %.2f GiB; subsets %d (%d per round x %d), mean %.2f s per subset task, "
      "sweeps mean %.0f; chain %d states %d entries, dropped mass %.3f; GMRES iterations %s, mean-time %d" % (
      n, secs, cpu, rss, len(subs), p["subsets_per_round"], p["rounds"], per,
      sum(s["sweeps"] for s in subs) / len(subs), p["chain_states"], p["chain_entries"], p["dropped_mass_fraction"],
      p["fate_solver"]["iterations"], p["fate_solver"]["mean_absorption_time_iterations"]))
keys = ["read", "partition", "subset_solves", "chain_assembly", "gmres", "gmres_rounds", "pooling", "write_cells",
        "write_fate_spread", "write_plots", "write", "total"]
print("N=%s: phases (s): " % n + ", ".join("%s %.1f" % (k, t[k]) for k in keys if k in t))
