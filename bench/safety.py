"""Benchmark the note screener on ~500 realistic 2,000-character visit notes; prints one JSON object."""

from __future__ import annotations

import json
import random
import time

import numpy as np

from repcompanion.intel.safety import get_screener
from repcompanion.intel.safety.augment import rep_sentences

NOTE_CHARS = 2000
NOTES = 500


def build_notes(count: int = NOTES, seed: int = 11) -> list[str]:
    """Notes of about NOTE_CHARS characters: routine sentences, bullets, and in a third of them an event."""
    rng = random.Random(seed)
    pool = rep_sentences(negatives=4000, positives=800, seed=seed)
    routine = [text for text, positive in pool if not positive]
    events = [text for text, positive in pool if positive]
    notes: list[str] = []
    for index in range(count):
        parts: list[str] = [f"Call note {index}:"]
        with_event = index % 3 == 0
        event_at = rng.randint(3, 12)
        while sum(len(p) + 1 for p in parts) < NOTE_CHARS:
            if with_event and len(parts) == event_at:
                parts.append(rng.choice(events))
            sentence = rng.choice(routine)
            parts.append(f"\n- {sentence}" if rng.random() < 0.25 else sentence)
        text = " ".join(parts)[:NOTE_CHARS]
        notes.append(text[: text.rfind(" ")] + "." if len(text) == NOTE_CHARS else text)
    return notes


def main() -> None:
    started = time.perf_counter()
    screener = get_screener()
    load_ms = (time.perf_counter() - started) * 1000
    notes = build_notes()
    for note in notes[:20]:
        screener.screen(note)
    timings = []
    flagged = 0
    wall = time.perf_counter()
    for note in notes:
        t0 = time.perf_counter()
        result = screener.screen(note)
        timings.append((time.perf_counter() - t0) * 1000)
        flagged += result.flag
    elapsed = time.perf_counter() - wall
    ms = np.array(timings)
    print(
        json.dumps(
            {
                "notes_per_s": round(len(notes) / elapsed, 1),
                "p99_ms": round(float(np.percentile(ms, 99)), 2),
                "p50_ms": round(float(np.percentile(ms, 50)), 2),
                "max_ms": round(float(ms.max()), 2),
                "notes": len(notes),
                "mean_chars": round(float(np.mean([len(n) for n in notes])), 1),
                "flagged": int(flagged),
                "load_ms": round(load_ms, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
