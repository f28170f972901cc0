"""The shared benchmark harness: satori against its peer tools, on the same data, in one run.

Principles (docs/benchmarks.md): every contender runs in its own fresh process, so its peak
memory is its own; the contenders alternate (the order rotates every round) so that a slow
moment of the machine does not land on one tool; each number is a median over >= 3 rounds; and
the results are ratios (satori time / peer time, < 1 means satori is faster) from that one run,
never absolute times from different runs. Peers run with OMP_WAIT_POLICY=PASSIVE (set for every
child, so OpenMP threads do not spin on a 2-core machine).

A contender is either a command line or a Python callable run in a subprocess:

- ``Contender("satori", cmd=[binary, path])``: the process is timed from start to exit. If the
  last line it prints on stdout is a JSON object, that object is its *report*; a ``seconds`` key
  in it is the time of the measured region (e.g. the read alone, without process start-up), and
  the harness uses it instead of the process's wall time.
- ``Contender("pandas", call=("/path/to/module.py", "function", {"kw": 1}))``: the subprocess
  imports the module, calls ``function(**kw)`` untimed (imports, preparation) and gets back a
  zero-argument callable, which it times (wall and CPU); that callable's return value (a dict,
  or None) becomes the report, with ``seconds``, ``cpu_seconds`` and ``peak_rss_bytes`` added.
  ``function`` may instead return a pair ``(timed, after)``: ``timed()`` is timed and
  ``after(result)``, untimed, turns its result into the report (e.g. checksums that force every
  loaded value to be used, without counting them in the time).

For every run the harness records the wall time, the CPU time (user + sys) and the peak resident
set (ru_maxrss) of the child from its rusage (os.wait4), and the report. A ``peak_rss_bytes``
in the report (the child's own VmHWM) takes precedence over ru_maxrss: Linux carries the
parent's high-water mark at spawn time into the child's ru_maxrss, so a benchmark keeps its
harness process small (heavy work such as generating data goes to a subprocess) and the
harness warns when it is not.

Usage from a benchmark script::

    import harness
    runs = harness.run_contenders(contenders, rounds=3)
    summaries = harness.summarize(runs, contenders)
    print(harness.render_markdown(summaries, title=..., packages=[...]))

Standard library only (the benchmark scripts run it with bench/.venv/bin/python).
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

#: Environment set for every child process (peers and satori alike).
CHILD_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}

#: Above this peak, the harness's own memory could show up in a child's ru_maxrss: warn.
PARENT_PEAK_WARN_BYTES = 200 * 2**20


@dataclasses.dataclass
class Contender:
    """One tool doing one task.

    ``name`` labels the row; ``group`` puts it beside the satori contender it is compared with
    (e.g. "CSV" and "Parquet" in one benchmark); ``satori`` marks the contender whose time is the
    numerator of the ratios of its group. Exactly one of ``cmd`` and ``call`` is given.
    """

    name: str
    cmd: Optional[list[str]] = None
    call: Optional[tuple[str, str, dict[str, Any]]] = None
    group: str = ""
    satori: bool = False
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    timeout_s: float = 600.0

    def __post_init__(self) -> None:
        if (self.cmd is None) == (self.call is None):
            raise ValueError(f"contender {self.name!r}: give exactly one of cmd= and call=")

    def argv(self) -> list[str]:
        """The command line that runs this contender once."""
        if self.cmd is not None:
            return list(self.cmd)
        assert self.call is not None
        module, func, kwargs = self.call
        return [sys.executable, os.path.abspath(__file__), "--call", module, func, json.dumps(kwargs)]


@dataclasses.dataclass
class Run:
    """One run of one contender."""

    contender: str
    group: str
    round: int
    position: int
    wall_s: float
    cpu_s: float
    peak_rss_bytes: int
    returncode: int
    report: Optional[dict[str, Any]]
    error: Optional[str]

    @property
    def ok(self) -> bool:
        """Whether the run exited 0 (and printed a JSON report if it meant to)."""
        return self.returncode == 0 and self.error is None

    @property
    def seconds(self) -> float:
        """The measured time: the report's ``seconds`` if present, else the process wall time."""
        if self.report is not None and isinstance(self.report.get("seconds"), (int, float)):
            return float(self.report["seconds"])
        return self.wall_s

    @property
    def region_cpu_s(self) -> float:
        """CPU time of the measured region if reported, else of the whole process."""
        if self.report is not None and isinstance(self.report.get("cpu_seconds"), (int, float)):
            return float(self.report["cpu_seconds"])
        return self.cpu_s


def round_order(n: int, r: int) -> list[int]:
    """The order of ``n`` contenders in round ``r``: rotated by ``r``, so each takes each slot."""
    if n <= 0:
        return []
    k = r % n
    return list(range(k, n)) + list(range(k))


def run_once(contender: Contender, round_index: int = 0, position: int = 0) -> Run:
    """Run the contender once in a fresh process; record time, CPU, peak memory and report."""
    own_peak = _peak_rss_self()
    if own_peak is not None and own_peak > PARENT_PEAK_WARN_BYTES:
        print(
            f"warning: the harness process peaked at {own_peak / 2**20:.0f} MiB; children that do "
            "not report their own VmHWM inherit that in ru_maxrss (generate data in a subprocess)",
            file=sys.stderr,
        )
    env = dict(os.environ)
    env.update(CHILD_ENV)
    env.update(contender.env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(contender.argv(), stdout=out, stderr=err, env=env)
        except OSError as e:
            return Run(contender.name, contender.group, round_index, position, 0.0, 0.0, 0, -1,
                       None, f"could not start {contender.argv()[0]!r}: {e}")
        timed_out, status, usage = _wait4_with_timeout(proc, contender.timeout_s)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    report, error = parse_report(stdout)
    if timed_out:
        error = f"timed out after {contender.timeout_s:g} s (killed)"
    elif proc.returncode != 0:
        tail = stderr.strip().splitlines()[-3:] or stdout.strip().splitlines()[-3:]
        error = f"exit code {proc.returncode}: " + " | ".join(tail)
    elif contender.call is not None and report is None:
        error = error or "the callable printed no JSON report"
    elif contender.cmd is not None and report is None:
        error = None  # a plain command need not report
    # ru_maxrss is KiB on Linux. Linux folds the parent's high-water mark at spawn time into the
    # child's (exec keeps the larger of the two), so a child's own VmHWM, when it reports one, is
    # the better number; the harness process is kept small so that ru_maxrss is right too.
    peak = int(usage.ru_maxrss) * 1024
    if report is not None and isinstance(report.get("peak_rss_bytes"), int):
        peak = report["peak_rss_bytes"]
    return Run(
        contender=contender.name,
        group=contender.group,
        round=round_index,
        position=position,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_bytes=peak,
        returncode=proc.returncode,
        report=report,
        error=error,
    )


def _wait4_with_timeout(proc: subprocess.Popen, timeout_s: float):
    """os.wait4 on the child (to get its own rusage), killing it after ``timeout_s``.

    Returns (timed out?, wait status, rusage).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid != 0:
            return False, status, usage
        if time.monotonic() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return True, status, usage
        time.sleep(0.002)


def parse_report(stdout: str) -> tuple[Optional[dict[str, Any]], Optional[str]]:
    """The JSON object on the last non-empty line of ``stdout``, or (None, why not)."""
    lines = [line for line in stdout.strip().splitlines() if line.strip()]
    if not lines:
        return None, "no output"
    try:
        value = json.loads(lines[-1])
    except json.JSONDecodeError as e:
        return None, f"last line is not JSON ({e})"
    if not isinstance(value, dict):
        return None, "last line is JSON but not an object"
    return value, None


def busy_cpu_seconds() -> Optional[float]:
    """CPU time spent by the whole machine so far (all CPUs, not idle), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 9:
        return None
    # user nice system idle iowait irq softirq steal, in USER_HZ (1/100 s on Linux).
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / 100.0


def run_contenders(
    contenders: list[Contender],
    rounds: int = 3,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True),
    stats: Optional[dict[str, Any]] = None,
) -> list[Run]:
    """Run every contender ``rounds`` times, rotating the order each round.

    If ``stats`` is given, it receives ``background_cores``: the CPU that processes other than
    the contenders used during the whole run, in cores (busy CPU time of the machine minus the
    contenders' own, per second of wall time) — how noisy the machine was.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    names = [c.name for c in contenders]
    if len(set(names)) != len(names):
        raise ValueError(f"contender names must be unique, got {names}")
    runs = []
    busy0, t0 = busy_cpu_seconds(), time.perf_counter()
    for r in range(rounds):
        for pos, i in enumerate(round_order(len(contenders), r)):
            c = contenders[i]
            run = run_once(c, r, pos)
            runs.append(run)
            status = "ok" if run.ok else f"FAILED ({run.error})"
            log(
                f"round {r + 1}/{rounds} {c.name:<34} {run.seconds:8.3f} s "
                f"cpu {run.region_cpu_s:7.2f} s  peak {run.peak_rss_bytes / 2**20:8.1f} MiB  {status}"
            )
    busy1, wall = busy_cpu_seconds(), time.perf_counter() - t0
    if stats is not None and busy0 is not None and busy1 is not None and wall > 0:
        own = sum(r.cpu_s for r in runs)
        stats["background_cores"] = max(0.0, (busy1 - busy0 - own) / wall)
        stats["wall_s"] = wall
    return runs


@dataclasses.dataclass
class Summary:
    """Medians over the successful runs of one contender, and its ratio against satori."""

    contender: str
    group: str
    satori: bool
    n_ok: int
    n_runs: int
    seconds: Optional[float]
    cpu_s: Optional[float]
    process_wall_s: Optional[float]
    peak_rss_bytes: Optional[int]
    ratio: Optional[float]  # satori seconds / this contender's seconds (None for satori itself)
    cpu_ratio: Optional[float]  # the same for CPU time (steadier than wall time on a busy machine)
    report: Optional[dict[str, Any]]  # the report of the last successful run
    error: Optional[str]  # the first error, if any run failed


def summarize(runs: list[Run], contenders: list[Contender]) -> list[Summary]:
    """Medians per contender (in the contenders' order) and ratios against their group's satori."""
    summaries = []
    for c in contenders:
        mine = [r for r in runs if r.contender == c.name]
        ok = [r for r in mine if r.ok]
        errors = [r.error for r in mine if not r.ok]
        summaries.append(
            Summary(
                contender=c.name,
                group=c.group,
                satori=c.satori,
                n_ok=len(ok),
                n_runs=len(mine),
                seconds=statistics.median(r.seconds for r in ok) if ok else None,
                cpu_s=statistics.median(r.region_cpu_s for r in ok) if ok else None,
                process_wall_s=statistics.median(r.wall_s for r in ok) if ok else None,
                peak_rss_bytes=int(statistics.median(r.peak_rss_bytes for r in ok)) if ok else None,
                ratio=None,
                cpu_ratio=None,
                report=ok[-1].report if ok else None,
                error=errors[0] if errors else None,
            )
        )
    for s in summaries:
        ref = [t for t in summaries if t.satori and t.group == s.group]
        if s.satori or len(ref) != 1:
            continue
        sat = ref[0]
        if sat.seconds is not None and s.seconds is not None and s.seconds > 0:
            s.ratio = sat.seconds / s.seconds
        if sat.cpu_s is not None and s.cpu_s is not None and s.cpu_s > 0:
            s.cpu_ratio = sat.cpu_s / s.cpu_s
    return summaries


# ---------------------------------------------------------------------------------------------
# The record of the machine and tools


def machine_info() -> dict[str, Any]:
    """nproc, CPU model, memory, kernel, load average and the date (UTC)."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_gib = int(line.split()[1]) / 2**20
                    break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    return {
        "nproc": nproc,
        "cpu_model": model,
        "memory_gib": round(mem_gib, 1) if mem_gib is not None else None,
        "kernel": platform.release(),
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
    }


def package_versions(names: list[str]) -> dict[str, str]:
    """Installed versions of the given Python distributions ("not installed" where absent)."""
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def satori_version() -> str:
    """satori's git revision (with ``+dirty`` for uncommitted changes) and the rustc version."""

    def cmd(args: list[str]) -> str:
        try:
            return subprocess.run(
                args, cwd=ROOT, capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "unknown"

    rev = cmd(["git", "rev-parse", "--short", "HEAD"])
    dirty = cmd(["git", "status", "--porcelain", "--untracked-files=no"])
    rustc = cmd(["rustc", "--version"])
    return f"git {rev}{'+dirty' if dirty and dirty != 'unknown' else ''}, {rustc}"


def producing_command() -> str:
    """The command that produced this run: $BENCH_COMMAND (set by bench/run.sh) or argv."""
    return os.environ.get("BENCH_COMMAND") or " ".join(shlex.quote(a) for a in sys.argv)


# ---------------------------------------------------------------------------------------------
# Rendering


def fmt_ratio(x: Optional[float]) -> str:
    """A ratio as ``0.83×``, or ``—``."""
    return "—" if x is None else f"{x:.2f}×"


def fmt_seconds(x: Optional[float]) -> str:
    """Seconds with three significant figures' worth of digits, or ``—``."""
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 10 else f"{x:.2f}"


def fmt_mib(x: Optional[int]) -> str:
    """Bytes as MiB, or ``—``."""
    return "—" if x is None else f"{x / 2**20:,.0f}"


ExtraColumn = tuple[str, Callable[[Summary], str]]


def render_table(summaries: list[Summary], extra: list[ExtraColumn] = ()) -> str:
    """The markdown table: one row per contender, grouped, with medians and ratios."""
    has_groups = any(s.group for s in summaries)
    head = (["group"] if has_groups else []) + [
        "tool",
        "time (s, median)",
        "satori ÷ tool",
        "CPU (s)",
        "CPU satori ÷ tool",
        "peak RSS (MiB)",
    ] + [name for name, _ in extra] + ["runs ok"]
    rows = []
    for s in summaries:
        row = ([s.group] if has_groups else []) + [
            f"**{s.contender}**" if s.satori else s.contender,
            fmt_seconds(s.seconds),
            "(reference)" if s.satori else fmt_ratio(s.ratio),
            fmt_seconds(s.cpu_s),
            "" if s.satori else fmt_ratio(s.cpu_ratio),
            fmt_mib(s.peak_rss_bytes),
        ] + [f(s) if s.n_ok else "—" for _, f in extra] + [f"{s.n_ok}/{s.n_runs}"]
        rows.append(row)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    failures = [s for s in summaries if s.error]
    for s in failures:
        lines.append("")
        lines.append(f"`{s.contender}` failed in {s.n_runs - s.n_ok} of {s.n_runs} runs: {s.error}")
    return "\n".join(lines)


def render_markdown(
    summaries: list[Summary],
    *,
    title: str,
    rounds: int,
    packages: list[str],
    extra: list[ExtraColumn] = (),
    notes: list[str] = (),
    machine: Optional[dict[str, Any]] = None,
    stats: Optional[dict[str, Any]] = None,
) -> str:
    """The whole result: title, table, notes, and the record of machine, versions and command."""
    m = machine or machine_info()
    versions = package_versions(packages)
    lines = [f"### {title}", "", render_table(summaries, extra), ""]
    if rounds < 3:
        lines += [f"**{rounds} round(s): a smoke test, not a result** (published tables use ≥ 3).", ""]
    for note in notes:
        lines.append(note)
        lines.append("")
    load = m.get("loadavg")
    background = (stats or {}).get("background_cores")
    lines += [
        f"- Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Linux {m['kernel']}"
        + (f", load average {load[0]:.2f} when the table was written" if load else "")
        + (
            f"; other processes used {background:.2f} cores on average during the run"
            if background is not None
            else ""
        ),
        f"- Date: {m['date']}; medians of {rounds} rounds, contenders alternating (order rotated each round)",
        f"- satori: {satori_version()}",
        "- Peers: Python " + m["python"] + ", " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        f"- Command: `{producing_command()}`",
    ]
    return "\n".join(lines) + "\n"


def save_results(name: str, runs: list[Run], summaries: list[Summary], markdown: str) -> str:
    """Write bench/results/<name>.json (every run) and <name>.md; return the .md path."""
    out_dir = os.path.join(HERE, "results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(
            {
                "machine": machine_info(),
                "command": producing_command(),
                "runs": [dataclasses.asdict(r) for r in runs],
                "summaries": [dataclasses.asdict(s) for s in summaries],
            },
            f,
            indent=1,
        )
    md = os.path.join(out_dir, f"{name}.md")
    with open(md, "w") as f:
        f.write(markdown)
    return md


# ---------------------------------------------------------------------------------------------
# The callable runner: `python harness.py --call MODULE_PATH FUNCTION KWARGS_JSON`


def _peak_rss_self() -> Optional[int]:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def call_main(module_path: str, func_name: str, kwargs_json: str) -> int:
    """Prepare (untimed), time the returned callable, print its report as one JSON line."""
    spec = importlib.util.spec_from_file_location("_bench_contender", module_path)
    if spec is None or spec.loader is None:
        print(f"cannot import {module_path}", file=sys.stderr)
        return 2
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    prepared = getattr(module, func_name)(**json.loads(kwargs_json))
    after: Callable[[Any], Optional[dict]] = lambda result: result
    if isinstance(prepared, tuple) and len(prepared) == 2:
        prepared, after = prepared
    if not callable(prepared) or not callable(after):
        print(
            f"{func_name} must return the zero-argument callable to time, or a pair "
            "(callable to time, untimed function of its result that returns the report)",
            file=sys.stderr,
        )
        return 2
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    result = prepared()
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    report = dict(after(result) or {})
    report.update(seconds=seconds, cpu_seconds=cpu, peak_rss_bytes=_peak_rss_self())
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--call":
        sys.exit(call_main(sys.argv[2], sys.argv[3], sys.argv[4]))
    print("usage: harness.py --call MODULE_PATH FUNCTION KWARGS_JSON (benchmarks import it)", file=sys.stderr)
    sys.exit(2)
