"""Benchmarks: each measures our code side by side with a floor (the least any
implementation must do), interleaved, and prints `name: ratio X.XX (ours A s, floor B s)`.

    uv run python bench/run.py            # full run
    uv run python bench/run.py --quick    # under a minute on 2 cores
    uv run python bench/run.py photo_import gap_report

Timings are never asserted anywhere; targets are printed for the reader.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import data  # noqa: E402  (bench/data.py: generated inputs)

TARGETS = {"photo_import": 1.5, "gap_report": 1.3, "startup": 2.0, "bundle_roundtrip": 1.5,
           "assessment_list": 2.0, "city_summary_pdf": 2.0, "city_summary_xlsx": 2.0}


def measure(ours, floor, reps: int, prepare=None) -> tuple[float, float]:
    """Median seconds of `ours` and `floor`, run alternately so both see the same machine.
    `prepare()` (untimed) runs before each `ours` and returns its argument."""
    a, b = [], []
    for i in range(reps):
        pair = [(ours, a, prepare), (floor, b, None)]
        if i % 2:
            pair.reverse()
        for fn, out, before in pair:
            arg = before() if before else None
            start = time.perf_counter()
            fn(arg) if before else fn()
            out.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def report(name: str, ours: float, floor: float) -> None:
    ratio = ours / floor if floor else float("inf")
    target = TARGETS.get(name)
    mark = "" if target is None else ("  ok" if ratio <= target else f"  MISSES target {target}")
    print(f"{name}: ratio {ratio:.2f} (ours {ours:.3f} s, floor {floor:.3f} s){mark}", flush=True)


def peak_rss_mb(task: str, n: int, workdir: Path) -> float:
    """Peak resident memory of a child process running one task on n photos."""
    code = f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'bench')!r}]; import tasks; tasks.{task}({str(workdir)!r}, {n})"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def bench_photo_import(quick: bool, work: Path) -> None:
    import tasks

    n = 4 if quick else 24
    photos = data.phone_photos(work / "photos", n)
    counter = iter(range(10**6))
    prepare = lambda: tasks.empty_assessment(work / f"ws{next(counter)}")  # noqa: E731
    report("photo_import", *measure(lambda target: tasks.import_photos(target, photos),
                                    lambda: tasks.floor_photos(photos, work / "floor"), 3 if quick else 5, prepare))
    small = 3 if quick else 10
    data.phone_photos(work / "photos", small * 4)  # made here, so the child only imports
    a = peak_rss_mb("import_memory", small, work)
    b = peak_rss_mb("import_memory", small * 4, work)
    print(f"photo_import peak memory: N={small} {a:.0f} MB, 4N={small * 4} {b:.0f} MB", flush=True)


def bench_gap_report(quick: bool, work: Path) -> None:
    import tasks

    # The same 100 photos in --quick (fewer repetitions): with 40 the fixed cost of the
    # text pages weighed more and the quick ratio (2.8) did not say what the full one did.
    n = 100
    ws_dir, assessment_id, jpegs = tasks.report_workspace(work / "report-ws", n)
    out = work / "out"
    out.mkdir(exist_ok=True)
    ours = lambda: tasks.gap_report(ws_dir, assessment_id, out / "gap.pdf")  # noqa: E731
    report("gap_report", *measure(ours, lambda: tasks.floor_report(jpegs, out / "floor.pdf"), 3 if quick else 9))
    # For context, not the target: reportlab's own canvas writing the same text lines
    # (already broken and placed) and photos. Not a floor: reportlab's standard text
    # drawing is what exports/rl_speedups/text.py replaces, and is slower.
    pages = tasks.report_text(out / "gap.pdf")
    a, b = measure(ours, lambda: tasks.floor_report(jpegs, out / "floor-text.pdf", pages), 3 if quick else 5)
    print(f"gap_report vs reportlab drawing the same text and photos: ratio {a / b:.2f} "
          f"(ours {a:.3f} s, reportlab {b:.3f} s)", flush=True)


def bench_startup(quick: bool, work: Path) -> None:
    import tasks

    ws_dir = tasks.startup_workspace(work / "startup-ws", 30)
    # Measured warm, as a user's second start: bytecode cached (in the bench's temporary
    # folder, whatever PYTHONDONTWRITEBYTECODE says) and one untimed start of each first.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"QT_QPA_PLATFORM": "offscreen", "PYTHONPYCACHEPREFIX": str(work / "pycache")}
    app = [sys.executable, str(ROOT / "bench" / "startup_app.py"), str(ws_dir)]
    bare = [sys.executable, str(ROOT / "bench" / "startup_floor.py")]

    def start(cmd):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{Path(cmd[1]).name}: {(done.stderr.strip().splitlines() or ['?'])[-1]}")

    start(app)
    start(bare)
    report("startup", *measure(lambda: start(app), lambda: start(bare), 3 if quick else 7))


def bench_bundle_roundtrip(quick: bool, work: Path) -> None:
    import tasks

    n = 40 if quick else 200
    ws_dir, assessment_id, files = tasks.bundle_workspace(work / "bundle-ws", n)
    counter = iter(range(10**6))
    report("bundle_roundtrip", *measure(
        lambda: tasks.bundle_roundtrip(ws_dir, assessment_id, work / f"target{next(counter)}"),
        lambda: tasks.floor_zip(files, work / "floor"), 3 if quick else 5))
    small = 10 if quick else 50
    a = peak_rss_mb("bundle_memory", small, work)
    b = peak_rss_mb("bundle_memory", small * 4, work)
    print(f"bundle_roundtrip peak memory: N={small} {a:.0f} MB, 4N={small * 4} {b:.0f} MB", flush=True)


BENCHES = {"photo_import": bench_photo_import, "gap_report": bench_gap_report, "startup": bench_startup,
           "bundle_roundtrip": bench_bundle_roundtrip,
           "assessment_list": lambda quick, work: __import__("listing").bench(quick, work, measure, report),
           "badges": lambda quick, work: __import__("badges").bench_badges(quick, work),
           "city_import": lambda quick, work: __import__("city_import").bench(quick, work, report),
           "city_summary": lambda quick, work: __import__("city_summary").bench(quick, work, measure, report),
           "city_app": lambda quick, work: __import__("city_app").bench(quick, work)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(BENCHES)} (default: all)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}")
    with tempfile.TemporaryDirectory(prefix="dabiao-bench-") as tmp:
        for name in args.names or list(BENCHES):
            try:
                BENCHES[name](args.quick, Path(tmp) / name)
            except Exception as exc:  # noqa: BLE001 - one broken bench must not hide the others
                print(f"{name}: FAILED ({exc.__class__.__name__}: {exc})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
