"""Peak memory of an import on hostile archives (issue 12, item 3).

    .venv/bin/python bench/hostile_bench.py [--workdir /tmp/copydesk-hostile] [--members 30]

Builds, once: a zip of ``--members`` page members that each expand ~163x (under the per-member
200x rule, just under the 64 MiB page limit: ~1.8 GB expanded from ~11 MB), and the same members
as a .tar.gz.  Then imports each in a fresh process into an empty database, through the CLI's
path (``import_paths``, 2 parser processes) and through the dashboard's upload path
(``sources.iter_upload`` + ``import_paths(workers=1, batch_size=500)`` as the Overview page runs
it), and reports wall seconds, the ledger counts and the peak RSS of the whole process tree
(the process and its parser processes summed, sampled every 20 ms from /proc).
``--no-after-import`` measures the import alone (no quality signals, duplicates or snapshots).

``PYTHONPATH=/path/to/other/checkout`` measures another version of copydesk (before/after).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMBER_BYTES = 60_000_000


def member_text(seed: int) -> bytes:
    """~60 MB of page-like text that deflates ~163x: a title, then lines repeating with a
    few random words mixed in."""
    rnd = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "queue", "worker", "cache", "retry", "deploy", "notes"]
    block = "\n".join(" ".join(rnd.choice(words) for _ in range(12)) for _ in range(60)).encode() + b"\n"
    out = io.BytesIO()
    out.write(f"hostile post {seed}\n\n".encode())
    while out.tell() < MEMBER_BYTES * 0.62:
        out.write(block * 4)
        out.write(f"{rnd.random():.6f}\n".encode())   # keeps the ratio under 200x
    filler = ("lorem " * 30 + "\n").encode()     # the rest deflates ~1000x
    out.write(filler * ((MEMBER_BYTES - out.tell()) // len(filler) + 1))
    return out.getvalue()[:MEMBER_BYTES]


def build(workdir: Path, members: int) -> tuple[Path, Path]:
    workdir.mkdir(parents=True, exist_ok=True)
    zpath, tpath = workdir / f"hostile-{members}.zip", workdir / f"hostile-{members}.tar.gz"
    if not zpath.exists() or not tpath.exists():
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf, tarfile.open(tpath, "w:gz") as tf:
            for i in range(members):
                data = member_text(i)
                zf.writestr(f"posts/{i:03d}.txt", data)
                info = tarfile.TarInfo(f"posts/{i:03d}.txt")
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return zpath, tpath


def tree_rss_kb(pid: int) -> int:
    """RSS of ``pid`` and all its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


CODE = {
    "cli": ("from copydesk.importer import import_paths\n"
            "s = import_paths([sys.argv[1]], sys.argv[2], after_import=AFTER)\n"),
    "upload": ("from copydesk.importer import import_paths\n"
               "from copydesk import sources\n"
               "import inspect\n"
               "name = os.path.basename(sys.argv[1])\n"
               "fh = open(sys.argv[1], 'rb')\n"
               "arg = fh if 'BinaryIO' in str(inspect.signature(sources.iter_upload)) else fh.read()\n"
               "s = import_paths([], sys.argv[2], items=sources.iter_upload(name, arg), workers=1,\n"
               "                 batch_size=500, source='upload', after_import=AFTER)\n"),
}


def run(path: Path, db: Path, how: str, after_import: bool) -> dict:
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    code = (f"import json, os, sys\nAFTER = {after_import}\n" + CODE[how]
            + "print(json.dumps(s.as_dict(), default=str))\n")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, str(path), str(db)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))
            time.sleep(0.02)
    t = threading.Thread(target=sample)
    t.start()
    out, err = proc.communicate()
    t.join()
    wall = time.perf_counter() - t0
    result = {"archive": path.name, "path": how, "after_import": after_import, "seconds": round(wall, 1), "peak_rss_mb": peak[0] // 1024,
              "exit": proc.returncode}
    if proc.returncode == 0:
        s = json.loads(out.strip().splitlines()[-1])
        result.update({k: s[k] for k in ("files_seen", "imported", "rejected")})
    else:
        result["error"] = err.strip().splitlines()[-1][:200] if err.strip() else ""
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/copydesk-hostile"))
    ap.add_argument("--members", type=int, default=30)
    ap.add_argument("--only", choices=["cli", "upload"], default=None)
    ap.add_argument("--no-after-import", action="store_true",
                    help="Import only (skip the after-import stages: quality signals, duplicates, snapshots).")
    args = ap.parse_args()
    zpath, tpath = build(args.workdir, args.members)
    for p in (zpath, tpath):
        print(f"# {p.name}: {p.stat().st_size / 1e6:.1f} MB compressed, "
              f"{args.members} x {MEMBER_BYTES / 1e6:.0f} MB expanded", flush=True)
    for path in (zpath, tpath):
        for how in ([args.only] if args.only else ["cli", "upload"]):
            print(json.dumps(run(path, args.workdir / "hostile.duckdb", how, not args.no_after_import)), flush=True)


if __name__ == "__main__":
    main()
