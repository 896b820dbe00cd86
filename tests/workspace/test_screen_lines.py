"""Screening a file of notes line by line (`repcompanion screen`): one JSON object per line, streamed in batches."""

from __future__ import annotations

import json

from repcompanion.workspace import VisitManager


def test_cli_lines_give_one_json_object_each() -> None:
    lines = [
        "Dr. Patel said her patient had a rash on Ozempic.\n",
        "Dropped off samples and copay cards.\n",
        "\n",
    ]
    out = [result.to_json() for result in VisitManager.screen_lines(lines)]
    assert len(out) == 3
    for item in out:
        assert set(item) == {"flag", "level", "categories", "spans", "score"}
        assert json.loads(json.dumps(item)) == item
        assert isinstance(item["flag"], bool) and isinstance(item["score"], float)
        assert all(len(span) == 3 and isinstance(span[0], int) for span in item["spans"])
    assert out[0]["flag"] is True and out[0]["categories"] == ["adverse_event"]
    start, end, text = out[0]["spans"][0]
    assert lines[0][start:end] == text == "rash"
    assert out[0]["level"] in ("possible", "flagged")
    empty = {"flag": False, "level": "clear", "categories": [], "spans": [], "score": 0.0}
    assert out[1]["flag"] is False and out[2] == empty


def test_a_file_longer_than_a_batch_gives_one_result_per_line_in_order() -> None:
    notes = [f"Dropped off {n} copay cards." for n in range(150)]
    notes[97] = "Her patient developed a severe rash after the second dose."
    out = list(VisitManager.screen_lines(line + "\r\n" for line in notes))
    assert len(out) == len(notes)
    assert [i for i, r in enumerate(out) if r.flag] == [97]
