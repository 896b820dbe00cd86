"""Benchmark the NPPES importer on a generated file in the v2 layout; prints one JSON object.

python -m bench.ingest --rows 1000000 [--keep FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from repcompanion.domain import Account, Alignment, Hcp
from repcompanion.ingest import Written, import_nppes, load_nucc
from repcompanion.ingest.normalize import npi_with_check_digit
from repcompanion.ingest.nppes_layout import nppes_header
from repcompanion.ingest.nucc import Taxonomy
from repcompanion.ingest.nucc_builtin import BUILTIN_TAXONOMY

NUCC_FILE = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nppes" / "davinci_nucc_provider_taxonomy.csv"
)

_FIRST = "JAMES MARY ROBERT PATRICIA JOHN JENNIFER MICHAEL LINDA DAVID ELIZABETH WEI PRIYA JOSÉ MARÍA"
_LAST = "SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS RODRIGUEZ MARTINEZ NGUYEN PATEL O'BRIEN"
FIRST, LAST = _FIRST.split(), _LAST.split()
CREDENTIALS = ["MD", "M.D.", "md", "DO", "D.O.", "M.D., PH.D.", "NP", "APRN", "PA-C", "PHARMD", ""]
STREETS = ["MAIN ST", "OAK AVE", "1000 ASYLUM AVE", "HOSPITAL DR", "MEDICAL PKWY", "ELM ST", "CENTRAL AVE"]


class CountingSink:
    """Counts what it is given and keeps nothing, so the benchmark measures the importer."""

    def __init__(self) -> None:
        self.hcps = self.accounts = 0

    def upsert_hcp(self, hcp: Hcp) -> Written:
        self.hcps += 1
        return Written.CREATED

    def upsert_account(self, account: Account) -> Written:
        self.accounts += 1
        return Written.CREATED

    def align_hcp(self, alignment: Alignment) -> None:
        return None


def _zip_pool(rng: random.Random, size: int = 4000) -> list[tuple[str, str, str]]:
    import zipcodes

    pool = [(z["zip_code"], z["city"].upper(), z["state"]) for z in zipcodes.list_all() if z.get("lat")]
    return rng.sample(pool, min(size, len(pool)))


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` providers in the NPPES v2 layout: fully quoted, ZIP+4, ~3% organizations,
    ~0.5% deactivated (blank rows as NPPES publishes them), messy credentials."""
    rng = random.Random(seed)
    header = nppes_header("v2")
    ncols = len(header)
    zips = _zip_pool(rng)
    codes = [row[0] for row in BUILTIN_TAXONOMY]
    org_codes = [c for c in codes if c.startswith(("261Q", "282N", "193"))] or codes
    tail_from = 51  # after taxonomy slot 1; the rest of the 330 columns are mostly blank
    blank_tail = ',""' * (ncols - tail_from)
    base = 100_000_000
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(f'"{h}"' for h in header) + "\r\n")
        for i in range(rows):
            npi = npi_with_check_digit(str(base + i))
            r = rng.random()
            f = [""] * tail_from
            f[0] = npi
            if r < 0.005:
                f[39] = "05/17/2019"
            else:
                zip5, city, state = zips[int(r * 1_000_003) % len(zips)]
                f[28] = f"{int(r * 9000) + 1} {STREETS[i % len(STREETS)]}"
                f[30], f[31], f[32], f[33] = city, state, zip5 + f"{i % 10000:04d}", "US"
                f[34] = f"860{i % 10_000_000:07d}"
                f[36], f[37] = "05/23/2005", "09/27/2016"
                if r < 0.035:
                    f[1] = "2"
                    f[4] = f"{LAST[i % len(LAST)]} MEDICAL GROUP, INC."
                    f[47], f[50] = org_codes[i % len(org_codes)], "Y"
                else:
                    f[1] = "1"
                    f[5], f[6] = LAST[i % len(LAST)], FIRST[(i // 7) % len(FIRST)]
                    f[10] = CREDENTIALS[i % len(CREDENTIALS)]
                    f[41] = "F" if i % 2 else "M"
                    f[47], f[48], f[49], f[50] = codes[i % len(codes)], f"{i:06d}", state, "Y"
            out.write('"' + '","'.join(f) + '"' + blank_tail + "\r\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the generated file here and keep it")
    args = parser.parse_args(argv)
    nucc = load_nucc(NUCC_FILE) if NUCC_FILE.exists() else Taxonomy.builtin()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        path = args.keep or Path(tmp) / "npidata_pfile_v2.csv"
        t0 = time.perf_counter()
        generate(path, args.rows)
        generate_s = time.perf_counter() - t0
        sink = CountingSink()
        t1, c1 = time.perf_counter(), time.process_time()
        report = import_nppes(path, sink, nucc=nucc)
        import_s, cpu_s = time.perf_counter() - t1, time.process_time() - c1
        size_mb = path.stat().st_size / 1e6
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "rows": report.rows_read,
        "rows_per_s": round(report.rows_read / import_s),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "generate_s": round(generate_s, 2),
        "import_s": round(import_s, 2),
        "cpu_s": round(cpu_s, 2),  # wall time suffers when other processes share the cores
        "rows_per_cpu_s": round(report.rows_read / cpu_s),
        "file_mb": round(size_mb, 1),
        "mb_per_s": round(size_mb / import_s, 1),
        "layout": report.layout,
        "hcps": sink.hcps,
        "accounts": sink.accounts,
        "skipped": len(report.skipped),
        "no_coordinates": len(report.no_coordinates),
        "accounted": report.accounted(),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
