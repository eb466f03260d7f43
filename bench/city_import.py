"""Benchmark `city_import`: a 军分区 importing its counties' year bundles (without photos)
into a fresh workspace, N and 4N bundles.

ours:  `storage.exchange.importer.import_bundle` of each bundle in turn (signature and
       every member checked, the plan, then applied in one transaction per bundle), as
       `bundle import FILE` does, into a workspace made fresh (untimed) before each run.
floor: per bundle, read the file and hash it, read and hash each member, parse the data,
       and insert the same rows (units, criteria, assessments, answers, photo records and
       attachments, actions, events) with plain sqlite3 `executemany` into tables and
       indexes made from the workspace's own schema, in one transaction per bundle with
       the workspace's durability (WAL, synchronous NORMAL: a commit survives a crash of
       the program; storage.workspace opens every workspace so).

Bundles: `storage.generate_province` makes one province workspace of 4N counties x 15
towns (and each town's 民兵营连, one enterprise per county: 31 assessments per county,
one year, answered in both roles, a few photos each), and each county's `bundle export --kind year --year
2027 --county NAME --no-photos` is written from it (untimed). Printed: the ratio at 4N,
the 4N / N cost of ours (linear: about 4, target ≤ 4.5), and the peak memory of a child
process importing N and 4N bundles (flat: the same at both).

    uv run python bench/run.py city_import [--quick]
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2027
LINEAR = 4.5


def make_bundles(work: Path, counties: int) -> list[Path]:
    """The year bundles of a generated province of `counties` counties (made once)."""
    from province import county_bundles, make_province

    out = work / "bundles"
    made = sorted(out.glob("*.dabiao")) if out.exists() else []
    if len(made) >= counties:
        return made[:counties]
    ws_dir = make_province(work / "province", counties, militia=1, enterprises=1, years=(YEAR,), photos=2)
    return county_bundles(ws_dir, out, YEAR, photos=False)


def ours(bundles: list[Path], target: Path) -> None:
    """Import every bundle into the fresh workspace at `target`."""
    from storage import Workspace
    from storage.exchange.importer import import_bundle

    ws = Workspace.open(target, backup=False)
    try:
        for path in bundles:
            import_bundle(ws, path)
    finally:
        ws.close()


def fresh_workspace(target: Path) -> Path:
    """An empty workspace (schema made), as a 军分区 starts: untimed."""
    from storage import Workspace

    Workspace.open(target, backup=False).close()
    return target


def schema_sql(ws_dir: Path) -> list[str]:
    """The CREATE statements of the workspace's tables and indexes (no triggers)."""
    conn = sqlite3.connect(ws_dir / "dabiao.sqlite")
    try:
        return [r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') "
                                           "AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]
    finally:
        conn.close()


def floor_db(path: Path, schema: list[str]) -> Path:
    """A database with the workspace's tables and indexes (untimed)."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    for sql in schema:
        conn.execute(sql)
    conn.commit()
    conn.close()
    return path


def _insert(conn, table: str, rows: list[dict], columns: dict, ignore: bool = False) -> None:
    if not rows:
        return
    cols = [c for c in rows[0] if c in columns[table]]
    conn.executemany(f"INSERT {'OR IGNORE ' if ignore else ''}INTO {table} ({', '.join(cols)}) "
                     f"VALUES ({', '.join('?' * len(cols))})", [[r.get(c) for c in cols] for r in rows])


def floor(bundles: list[Path], db_path: Path) -> None:
    """Read, hash and insert each bundle's rows, one durable transaction per bundle."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    columns = {t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")} for t in (
        "checklists", "units", "assessments", "answers", "attachments", "evidence", "actions", "bundle_events")}
    try:
        for path in bundles:
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            texts = {}
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                for name in zf.namelist():
                    texts[name] = zf.read(name)
                    hashlib.sha256(texts[name]).hexdigest()
            data = json.loads(texts["data.json"])
            checklists = [c | {"source_text": texts[f"checklists/{c['sha256']}.txt"].decode()} for c in data["checklists"]]
            conn.execute("BEGIN IMMEDIATE")
            _insert(conn, "checklists", checklists, columns, ignore=True)
            _insert(conn, "units", data["units"], columns, ignore=True)
            _insert(conn, "assessments", data["assessments"], columns)
            for a in data["assessments"]:
                _insert(conn, "answers", [r | {"assessment_id": a["id"]} for r in a["answers"]], columns)
                _insert(conn, "attachments", [r | {"assessment_id": a["id"]} for r in a["attachments"]], columns)
                _insert(conn, "actions", a["actions"], columns, ignore=True)
                _insert(conn, "bundle_events", [r | {"origin": digest} for r in a["events"]], columns, ignore=True)
            _insert(conn, "evidence", data["evidence"], columns, ignore=True)
            conn.execute("COMMIT")
    finally:
        conn.close()


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def run_sizes(bundles: list[Path], sizes, reps: int, work: Path, schema: list[str]) -> dict:
    """{n: (ours median, floor median)}: every size and side alternated, targets made fresh
    (untimed) before each run."""
    times = {n: ([], []) for n in sizes}
    counter = iter(range(10**6))
    for i in range(reps):
        for n in (sizes if i % 2 == 0 else sizes[::-1]):
            pair = [0, 1] if i % 2 == 0 else [1, 0]
            for side in pair:
                k = next(counter)
                if side == 0:
                    target = fresh_workspace(work / f"city{k}")
                    times[n][0].append(timed(ours, bundles[:n], target))
                else:
                    db = floor_db(work / f"floor{k}.sqlite", schema)
                    times[n][1].append(timed(floor, bundles[:n], db))
    return {n: (statistics.median(a), statistics.median(b)) for n, (a, b) in times.items()}


def peak_mb(work: Path, n: int) -> float:
    """Peak resident memory of a child process importing the first n bundles."""
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'bench')!r}]; import city_import; "
            f"city_import.memory_child({str(work)!r}, {n})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def memory_child(workdir: str, n: int) -> None:
    from tasks import _peak_mb

    work = Path(workdir)
    bundles = sorted((work / "bundles").glob("*.dabiao"))[:n]
    ours(bundles, fresh_workspace(work / f"mem-city-{n}"))
    print(_peak_mb())


def bench(quick: bool, work: Path, report) -> None:
    """Run by bench/run.py (its report)."""
    n = 3 if quick else 25
    work.mkdir(parents=True, exist_ok=True)
    bundles = make_bundles(work, 4 * n)
    schema = schema_sql(fresh_workspace(work / "schema-ws"))
    result = run_sizes(bundles, (n, 4 * n), 2 if quick else 3, work, schema)
    (small_ours, small_floor), (big_ours, big_floor) = result[n], result[4 * n]
    report("city_import", big_ours, big_floor)
    linear = big_ours / small_ours if small_ours else float("inf")
    mark = "  ok" if linear <= LINEAR else f"  MISSES target {LINEAR}"
    print(f"city_import N={n} bundles: ours {small_ours:.3f} s, floor {small_floor:.3f} s (ratio "
          f"{small_ours / small_floor:.2f}); 4N={4 * n}: ours {big_ours:.3f} s, floor {big_floor:.3f} s; "
          f"ours 4N / N {linear:.2f}{mark} (floor {big_floor / small_floor:.2f})", flush=True)
    a, b = peak_mb(work, n), peak_mb(work, 4 * n)
    print(f"city_import peak memory: N={n} {a:.0f} MB, 4N={4 * n} {b:.0f} MB", flush=True)
