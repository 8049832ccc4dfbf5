#!/usr/bin/env python3
"""Turn the results.jsonl that bench/run writes into a Markdown report on stdout."""

import argparse
import json
import os
import statistics
from pathlib import Path

PAGE_TARGET = 1.0  # the game page at least as many requests per second as nginx
TOP10_TARGET = 0.8  # the top 10 at least 0.8 of nginx's static rate
SUBMISSION_TARGET = 1000  # submissions per second on SQLite

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def load(folder):
    lines = (folder / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def ms(microseconds):
    return f"{microseconds / 1000:.2f}"


def cores(ticks, seconds):
    return f"{ticks / CLOCK_TICKS / seconds:.2f}"


def per_cpu_second(requests, ticks):
    return f"{requests / (ticks / CLOCK_TICKS):,.0f}" if ticks else "-"


def verdict(value, target, unit=""):
    if value >= target:
        return f"met ({value:.3f}{unit} against {target}{unit})"
    return f"**missed** ({value:.3f}{unit} against {target}{unit}: {100 * (1 - value / target):.1f}% short)"


def get_section(results, name, title, target, lines):
    runs = [r for r in results if r["phase"] == "get" and r["name"] == name]
    sizes = {r["size"]["target"]: r for r in results if r["phase"] == "bytes" and r["name"] == name}
    lines.append(f"### {title}\n")
    encoding = next(iter(sizes.values()))["encoding"] or "identity"
    size_text = ", ".join(
        f"{target_name} {r['size']['header_bytes']} B headers + {r['size']['body_bytes']} B body"
        for target_name, r in sizes.items()
    )
    lines.append(f"Content-Encoding `{encoding}`; bytes per response: {size_text}. The bodies are identical.\n")
    if not runs:
        return None
    lines.append(
        "| pass | target | requests/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | CPU (cores) | requests per CPU second |"
    )
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    totals = {}
    for r in runs:
        wrk = r["wrk"]
        seconds = wrk["duration_us"] / 1e6
        errors = wrk["errors_connect"] + wrk["errors_read"] + wrk["errors_write"] + wrk["errors_timeout"]
        lines.append(
            f"| {r['pass']} | {r['target']} | {wrk['requests'] / seconds:,.0f} | {ms(wrk['latency_p50_us'])} | "
            f"{ms(wrk['latency_p99_us'])} | {ms(wrk['latency_max_us'])} | {wrk['non_2xx_3xx']} | {errors} | "
            f"{cores(r['cpu_ticks'], seconds)} | {per_cpu_second(wrk['requests'], r['cpu_ticks'])} |"
        )
        total = totals.setdefault(r["target"], {"requests": 0, "seconds": 0.0, "ticks": 0})
        total["requests"] += wrk["requests"]
        total["seconds"] += seconds
        total["ticks"] += r["cpu_ticks"]
    lines.append("")

    # Each server run is paired with the nginx run right after it, which saw about the same
    # load from other processes. The median of the pairs' ratios is the headline.
    rate_ratios, p99_ratios = [], []
    for number in sorted({r["pass"] for r in runs}):
        by_target = {r["target"]: r["wrk"] for r in runs if r["pass"] == number}
        rate = {t: w["requests"] / (w["duration_us"] / 1e6) for t, w in by_target.items()}
        rate_ratios.append(rate["server"] / rate["nginx"])
        p99_ratios.append(by_target["server"]["latency_p99_us"] / by_target["nginx"]["latency_p99_us"])
    ratio = statistics.median(rate_ratios)
    lines.append(
        f"- Server/nginx requests per second, per pass: {', '.join(f'{value:.2f}' for value in rate_ratios)}; "
        f"median **{ratio:.2f}**."
    )
    lines.append(
        f"- Server/nginx p99 latency, per pass: {', '.join(f'{value:.2f}' for value in p99_ratios)}; "
        f"median {statistics.median(p99_ratios):.2f} (above 1 means the server is slower)."
    )
    efficiency = (totals["server"]["requests"] / max(totals["server"]["ticks"], 1)) / (
        totals["nginx"]["requests"] / max(totals["nginx"]["ticks"], 1)
    )
    lines.append(
        f"- Requests per CPU second, server/nginx over all passes: {efficiency:.2f}. This ratio depends less "
        "on what else the machine runs."
    )
    if target is not None:
        lines.append(f"- Target (requests per second at least {target} of nginx's): {verdict(ratio, target)}.")
    lines.append("")
    return ratio


def round_flow_section(results, lines):
    run = next(r for r in results if r["phase"] == "round_flow")
    result = run["result"]
    lines.append("### Whole rounds with submission (bench/rounds.py)\n")
    lines.append(
        f"{result['players']} players for {result['elapsed_s']:.1f} s, each round: POST round, 8 POST answers, "
        "POST entry with a new Idempotency-Key.\n"
    )
    lines.append(
        "| rounds+submissions/s | requests/s | failures | round p50/p99 ms | answer p50/p99 ms | entry p50/p99 ms "
        "| server CPU (cores) | client CPU (cores) |"
    )
    lines.append("|---:|---:|---|---:|---:|---:|---:|---:|")
    failures = ", ".join(f"{k}: {v}" for k, v in result["failures"].items()) or "0"
    lines.append(
        f"| {result['entries_per_s']:.0f} | {result['requests'] / result['elapsed_s']:,.0f} | {failures} | "
        f"{result.get('round_p50_ms', '-')} / {result.get('round_p99_ms', '-')} | "
        f"{result.get('answer_p50_ms', '-')} / {result.get('answer_p99_ms', '-')} | "
        f"{result.get('entry_p50_ms', '-')} / {result.get('entry_p99_ms', '-')} | "
        f"{cores(run['cpu_ticks'], result['elapsed_s'])} | {result['client_cpu_s'] / result['elapsed_s']:.2f} |"
    )
    lines.append("")


def submission_section(results, lines):
    prepare = next(r for r in results if r["phase"] == "prepare")["result"]
    run = next(r for r in results if r["phase"] == "submissions")
    wrk = run["wrk"]
    seconds = wrk["elapsed_us"] / 1e6
    rate = wrk["created"] / seconds

    lines.append("### Raw submissions on SQLite (wrk, bench/lua/entries.lua)\n")
    lines.append(
        f"{prepare['rounds_finished']} finished rounds prepared through the API "
        f"({prepare['rounds_per_s']:.0f} rounds/s), then each posted once with its own key.\n"
    )
    lines.append("| entries created | other statuses | elapsed s | submissions/s | p50 ms | p90 ms | p99 ms | max ms | server CPU (cores) |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    lines.append(
        f"| {wrk['created']} | {wrk['other_status']} | {seconds:.2f} | **{rate:,.0f}** | {ms(wrk['latency_p50_us'])} | "
        f"{ms(wrk['latency_p90_us'])} | {ms(wrk['latency_p99_us'])} | {ms(wrk['latency_max_us'])} | "
        f"{cores(run['cpu_ticks'], seconds)} |"
    )
    lines.append("")

    board_before = sum(
        r["result"]["entries_created"] for r in results if r["phase"] in ("seed", "round_flow")
    )
    quarter = wrk.get("quarter_size", 0)
    marks = [0] + [wrk.get(f"quarter_{n}_us", 0) for n in (1, 2, 3)]
    if quarter and all(marks[1:]):
        marks.append(wrk["elapsed_us"])
        quarter_rates = [quarter / ((marks[n + 1] - marks[n]) / 1e6) for n in range(3)]
        quarter_rates.append((wrk["created"] - 3 * quarter) / ((marks[4] - marks[3]) / 1e6))
        lines.append(
            f"- Rate per quarter of the rounds, while the board grows from {board_before:,} to "
            f"{board_before + wrk['created']:,} entries: {', '.join(f'{value:,.0f}' for value in quarter_rates)} per second."
        )

    lines.append(f"- Target (at least {SUBMISSION_TARGET} submissions/s): {verdict(rate, SUBMISSION_TARGET, '/s')}.")
    lines.append("")


def memory_section(results, lines):
    end = next(r for r in results if r["phase"] == "memory" and r["after"] == "end")
    lines.append("### Server memory (/proc/PID/status)\n")
    lines.append("| measurement | MiB |")
    lines.append("|---|---:|")
    lines.append(f"| idle RSS after start (VmRSS) | {end['idle_rss_start_kb'] / 1024:.1f} |")
    labels = {"get": "GET", "round_flow": "whole-round", "submissions": "submission"}
    for r in results:
        if r["phase"] == "memory" and r["after"] != "end":
            lines.append(f"| peak RSS after the {labels[r['after']]} runs (VmHWM) | {r['hwm_kb'] / 1024:.1f} |")
    lines.append(f"| peak RSS of the whole run (VmHWM) | **{end['hwm_kb'] / 1024:.1f}** |")
    lines.append(f"| idle RSS 2 s after the last run (VmRSS) | {end['idle_rss_end_kb'] / 1024:.1f} |")
    lines.append("")


def profile_section(folder, lines):
    profiles = sorted(folder.glob("perf-*.txt"))
    if not profiles:
        return
    lines.append("### Server profiles (perf record -F 499 -g, self time)\n")
    for profile in profiles:
        lines.append(f"{profile.stem.removeprefix('perf-')}:\n")
        lines.append("```")
        lines.extend(line[:140].rstrip() for line in profile.read_text(encoding="utf-8").splitlines())
        lines.append("```\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path, help="scratch folder of a bench/run run")
    parser.add_argument("--duration", required=True, help="seconds per measured GET run")
    parser.add_argument("--warmup", required=True, help="seconds of wrk warm-up before the first pass of each target")
    parser.add_argument("--get-connections", required=True)
    parser.add_argument("--post-connections", required=True)
    parser.add_argument("--players", required=True)
    parser.add_argument("--server-args", default="")
    args = parser.parse_args()

    results = load(args.folder)
    meta = next(r for r in results if r["phase"] == "meta")
    seed = next(r for r in results if r["phase"] == "seed")["result"]
    warnings = (args.folder / "server-warnings.count").read_text().strip() or "0"

    lines = [f"## Run of {meta['date']}\n"]
    changed = f", plus {meta['changed_files']} changed files in the working tree" if meta["changed_files"] else ""
    lines.append(f"- Commit `{meta['commit']}`{changed}.")
    lines.append(
        f"- Machine: {meta['cpus']} cores ({meta['cpu_model']}), Linux {meta['kernel']}; load average "
        f"{' '.join(meta['load_average_at_start'])} at the start and {' '.join(meta['load_average_at_end'])} at the end. "
        "wrk, nginx, the client and the server share the cores."
    )
    lines.append(f"- Tools: {meta['wrk']}; {meta['nginx']}.")
    lines.append(
        f"- wrk: `-t1`, `-c{args.get_connections}` for GETs and `-c{args.post_connections}` for submissions, "
        f"{args.warmup} s warm-up then {args.duration} s measured per GET run, `--latency`, "
        "header `Accept-Encoding: gzip, br` on GETs."
    )
    server_args = f" {args.server_args}" if args.server_args else ""
    lines.append(f"- Server: `--rate-limit off` on a fresh SQLite file{server_args}; {seed['entries_created']} entries seeded.")
    lines.append(f"- Run time without the build: {meta['run_seconds']} s. Server log: {warnings} WARN or ERROR lines.")
    lines.append(f"- Raw results: `{args.folder}/results.jsonl`.\n")

    get_section(results, "healthz", "Ceiling: GET /healthz (3 bytes, no database, no template)", None, lines)
    get_section(results, "page", "Game page: GET /games/idempotency-key-clinic/", PAGE_TARGET, lines)
    get_section(results, "top10", "Top 10: GET /api/leaderboards/idempotency-key-clinic", TOP10_TARGET, lines)
    round_flow_section(results, lines)
    submission_section(results, lines)
    memory_section(results, lines)
    profile_section(args.folder, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
