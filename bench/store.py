"""Write a simulated territory through the store and compare with raw executemany into the same schema."""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from repcompanion.domain.rows import SYNCED_TABLES
from repcompanion.simulate import generate_territory
from repcompanion.store import migrate, open_store


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hcps", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    t0 = time.perf_counter()
    demo = generate_territory(hcps=args.hcps, seed=args.seed)
    generate_s = time.perf_counter() - t0
    tables = {
        "territories": [demo.territory],
        "accounts": demo.accounts,
        "products": demo.products,
        "content": demo.content,
        "hcps": demo.hcps,
        "alignments": demo.alignments,
        "consents": demo.consents,
        "call_plans": demo.call_plans,
        "events": demo.events,
    }

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "store.db")
        t0 = time.perf_counter()
        store.load_territory(**tables)
        load_s = time.perf_counter() - t0
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db_mb = (Path(tmp) / "store.db").stat().st_size / 1e6
        store.close()

        # The floor: rows already as tuples, plain INSERTs, one transaction, same schema and pragmas.
        prepared = {
            t: [tuple(r[c] for c in SYNCED_TABLES[t].columns) for r in map(SYNCED_TABLES[t].to_row, recs)]
            for t, recs in tables.items()
        }
        conn = sqlite3.connect(Path(tmp) / "raw.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        for t, rows in prepared.items():
            cols = SYNCED_TABLES[t].columns
            conn.executemany(f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
        conn.execute("COMMIT")
        raw_load_s = time.perf_counter() - t0
        conn.close()

    print(
        json.dumps(
            {
                "hcps": len(demo.hcps),
                "events": len(demo.events),
                "generate_s": round(generate_s, 3),
                "load_s": round(load_s, 3),
                "raw_load_s": round(raw_load_s, 3),
                "ratio": round(load_s / raw_load_s, 3),
                "db_mb": round(db_mb, 1),
                "peak_rss_mb": round(_peak_rss_mb(), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
