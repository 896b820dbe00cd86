"""The territory directory: every HCP and account, found by name, NPI, specialty or town, whatever its standing."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest

from repcompanion.domain import FeedbackKind
from repcompanion.workspace import Workspace
from repcompanion.workspace.directory import EntryKind, Standing

DAY = date(2026, 11, 24)


def test_an_empty_search_lists_the_whole_territory_best_ranked_first(ws: Workspace) -> None:
    listing = ws.directory.find()
    hcps = [e for e in listing.entries if e.kind is EntryKind.HCP]
    accounts = [e for e in listing.entries if e.kind is EntryKind.ACCOUNT]
    assert len(hcps) == listing.hcps == len(ws.directory.hcps())
    assert len(accounts) == listing.accounts == len(ws.directory.accounts())
    ranks = [e.rank for e in hcps if e.rank is not None]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert listing.entries.index(hcps[-1]) < listing.entries.index(accounts[0])  # HCPs first
    affiliated = {h.id for h in ws.directory.hcps() if any(a.account_id == accounts[0].id for a in h.affiliations)}
    assert set(accounts[0].hcp_ids) == affiliated


def test_a_snoozed_hcp_is_found_by_name_and_says_until_when(ws: Workspace) -> None:
    top = ws.ranking.lines()[0]
    hcp = ws.directory.hcp(top.hcp_id)
    until = DAY + timedelta(days=7)
    ws.ranking.feedback(hcp.id, top.action, FeedbackKind.SNOOZED, snooze_until=until)
    assert hcp.id not in {line.hcp_id for line in ws.ranking.lines()}  # off today's list
    [entry] = [e for e in ws.directory.find(hcp.last_name).entries if e.id == hcp.id]
    assert entry.standing is Standing.SNOOZED and entry.until == until and entry.rank is None


@pytest.mark.parametrize("how", ["npi", "npi prefix", "specialty", "town", "first and last name"])
def test_an_hcp_is_found_by_npi_specialty_town_or_name(ws: Workspace, how: str) -> None:
    hcp = ws.directory.hcps()[7]
    text = {
        "npi": hcp.npi,
        "npi prefix": (hcp.npi or "")[:6],
        "specialty": hcp.specialty_label.split()[0].lower(),
        "town": f"{hcp.address.city} {hcp.last_name}",
        "first and last name": f"{hcp.last_name} {hcp.first_name}",
    }[how]
    assert hcp.id in {e.id for e in ws.directory.find(text).entries}


def test_an_account_is_found_by_its_name_and_an_unknown_word_finds_nothing(ws: Workspace) -> None:
    account = ws.directory.accounts()[0]
    found = ws.directory.find(account.name.split()[0])
    assert account.id in {e.id for e in found.entries if e.kind is EntryKind.ACCOUNT}
    assert ws.directory.find("zzqxv").entries == ()


def test_visited_and_do_not_contact_hcps_say_so(ws: Workspace) -> None:
    visited = ws.ranking.lines()[0].hcp_id
    ws.visits.submit(ws.visits.new(visited).edited(topics=("efficacy",)))
    ws.store.conn.execute("UPDATE hcps SET do_not_contact = 1 WHERE id = ?", (ws.ranking.lines()[0].hcp_id,))
    ws.ranking.invalidate()
    standings = {e.id: e.standing for e in ws.directory.find().entries}
    assert standings[visited] is Standing.SEEN_TODAY
    assert Standing.DO_NOT_CONTACT in standings.values()


def test_a_long_result_is_cut_and_says_so(ws: Workspace) -> None:
    listing = ws.directory.find(limit=5)
    assert listing.truncated and len([e for e in listing.entries if e.kind is EntryKind.HCP]) == 5


def test_the_command_line_finds_anyone(folder, tmp_path, capsys) -> None:
    import json

    from repcompanion.cli import main

    shutil.copytree(folder, tmp_path / "cli")
    with Workspace.open(tmp_path / "cli") as w:
        hcp = w.directory.hcps()[9]
    assert main(["find", "--workspace", str(tmp_path / "cli"), hcp.last_name, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert hcp.id in {e["id"] for e in found["entries"]}
    assert main(["find", "--workspace", str(tmp_path / "cli"), hcp.npi]) == 0
    assert hcp.id in capsys.readouterr().out
