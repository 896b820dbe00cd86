"""The company's products, approved content, consent and e-mail addresses loaded into a hub, all or nothing, and
content withdrawal stopping pending follow-ups — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from repcompanion.domain import Channel, ConsentState
from repcompanion.domain.rows import consent_from_row, content_from_row, hcp_from_row
from repcompanion.hub import HubDb
from repcompanion.hub.cli import main
from repcompanion.hub.db import schema
from tests.company_data import CONTENT, CONTENT_HEADER, write_company_files, write_csv

NPIS = ["1255334207", "1740283779"]


@pytest.fixture
def hub_with_providers(db_url: str, tmp_path: Path) -> str:
    """A hub holding two real practitioners (as a FHIR file from the company's directory)."""
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Practitioner",
                    "id": f"p{n}",
                    "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": n}],
                    "name": [{"family": f"Doe{n[-2:]}", "given": ["Sam"]}],
                    "address": [{"line": ["1 Main St"], "city": "Hartford", "state": "CT", "postalCode": "06105"}],
                }
            }
            for n in NPIS
        ],
    }
    (tmp_path / "providers.json").write_text(json.dumps(bundle), encoding="utf-8")
    assert main(["init", "--db", db_url]) == 0
    assert main(["import", "fhir", str(tmp_path / "providers.json"), "--territory", "T-1", "--create-territory",
                 "--db", db_url]) == 0  # fmt: skip
    return db_url


def _rows(url: str, table: str) -> list[dict]:
    db = HubDb(url)
    with db.read() as conn:
        rows = [dict(r) for r in conn.execute(select(schema.synced[table])).mappings()]
    db.dispose()
    return rows


def test_products_content_consents_and_emails_load_and_an_unchanged_file_writes_nothing(
    hub_with_providers: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, files = hub_with_providers, write_company_files(tmp_path / "company", NPIS)
    assert main(["import", "products", str(files["products"]), "--mapping", str(files["products_mapping"]),
                 "--db", url]) == 0  # fmt: skip
    assert "created 2, updated 0, unchanged 0" in capsys.readouterr().out
    assert main(["import", "content", str(files["content"]), "--mapping", str(files["content_mapping"]),
                 "--report", str(tmp_path / "r.json"), "--db", url]) == 0  # fmt: skip
    assert json.loads((tmp_path / "r.json").read_text())["accounted"]
    assert main(["import", "consents", str(files["consents"]), "--db", url]) == 0
    assert main(["import", "emails", str(files["emails"]), "--db", url]) == 0
    capsys.readouterr()

    content = {r["id"]: content_from_row(r) for r in _rows(url, "content")}
    nef = content["NEF-EFF-01"]
    assert (nef.product_id, nef.topics, nef.mlr_code) == ("P-NEF", ("efficacy", "clinical_data"), "US-NEF-0112 v2")
    assert "<b>52-week eGFR results</b>" in nef.html_body and "{unsubscribe_url}" in nef.body
    assert nef.link == "https://example.com/nefrovia/52-weeks" and str(nef.valid_to) == "2027-06-30"
    consents = [consent_from_row(r) for r in _rows(url, "consents")]
    assert {(str(c.hcp_id), c.channel, c.state) for c in consents} == {
        (f"NPI-{n}", Channel.EMAIL, ConsentState.OPT_IN) for n in NPIS
    }
    assert all(c.proof.startswith("portal form") and c.source == "consent portal" for c in consents)
    emails = {hcp_from_row(r).npi: hcp_from_row(r).email for r in _rows(url, "hcps")}
    assert emails == {n: f"dr.{n}@clinic.example.org" for n in NPIS}

    db = HubDb(url)
    with db.read() as conn:
        before = conn.execute(select(schema.changes.c.seq).order_by(schema.changes.c.seq.desc())).first()
    for kind in ("consents", "emails"):
        assert main(["import", kind, str(files[kind]), "--db", url]) == 0
        assert "created 0, updated 0, unchanged 2" in capsys.readouterr().out
    with db.read() as conn:
        after = conn.execute(select(schema.changes.c.seq).order_by(schema.changes.c.seq.desc())).first()
    assert before == after  # nothing new travels to the laptops
    db.dispose()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({2: "P-UNKNOWN"}, "is about product P-UNKNOWN, which the hub does not know"),
        ({5: ""}, "has no MLR approval code"),
        ({6: "2027-07-01"}, "expires on 2027-02-01 before it was approved on 2027-07-01"),
        ({9: "Hello {nickname}"}, "the subject uses {nickname}"),
    ],
)
def test_a_bad_content_row_refuses_the_whole_file(
    hub_with_providers: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[int, str], message: str
) -> None:
    url, files = hub_with_providers, write_company_files(tmp_path / "company", NPIS)
    assert main(["import", "products", str(files["products"]), "--mapping", str(files["products_mapping"]),
                 "--db", url]) == 0  # fmt: skip
    bad = [list(CONTENT[0]), list(CONTENT[1])]
    for column, value in change.items():
        bad[1][column] = value
    write_csv(files["content"], CONTENT_HEADER, bad)
    capsys.readouterr()
    assert main(["import", "content", str(files["content"]), "--mapping", str(files["content_mapping"]),
                 "--db", url]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert message in err and "line 7: content GLY-EFF-01" in err and "nothing was imported" in err
    assert _rows(url, "content") == []  # not even the good first row


def test_consent_for_an_unknown_npi_and_a_malformed_email_refuse_their_files(
    hub_with_providers: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = hub_with_providers
    write_csv(tmp_path / "c.csv", ["npi", "channel", "status", "captured_at", "source"],
              [[NPIS[0], "email", "opt_in", "2026-03-01", "portal"],
               ["1003000126", "email", "opt_in", "2026-03-01", "portal"]])  # fmt: skip
    assert main(["import", "consents", str(tmp_path / "c.csv"), "--db", url]) == 2
    assert "line 3: NPI 1003000126 is not an HCP on this hub" in capsys.readouterr().err
    write_csv(tmp_path / "e.csv", ["npi", "email"], [[NPIS[0], "sam@clinic.example.org"], [NPIS[1], "sam at clinic"]])
    assert main(["import", "emails", str(tmp_path / "e.csv"), "--db", url]) == 2
    assert "line 3: 'sam at clinic' is not an e-mail address" in capsys.readouterr().err
    assert _rows(url, "consents") == []
    assert all(not r["email"] for r in _rows(url, "hcps"))


def test_withdrawing_content_stops_its_pending_follow_ups_and_reaches_the_laptops(hub, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """On the seeded hub: a visit schedules an e-mail; withdrawing its content cancels it, for the rep too."""
    from tests.hub.test_journeys_engagement import _scheduled

    rep, job = _scheduled(hub)
    jobs = schema.followup_jobs
    with hub.db.read() as conn:
        pending = conn.execute(
            select(jobs.c.id).where(jobs.c.content_id == job["content_id"], jobs.c.status == "scheduled")
        ).all()
    assert main(["content", "withdraw", job["content_id"], "--reason", "label update pending", "--db", hub.url]) == 0
    assert f"{len(pending)} pending follow-up(s) using it were stopped" in capsys.readouterr().out
    with hub.db.read() as conn:
        stored = conn.execute(
            select(schema.followup_jobs.c.status, schema.followup_jobs.c.dead_letter_reason).where(
                schema.followup_jobs.c.id == job["id"]
            )
        ).one()
    assert stored.status == "cancelled" and "withdrawn" in stored.dead_letter_reason
    changes, _ = rep.pull_all()
    seen = {c["id"]: c["row"] for c in changes if c["table"] in ("content", "follow_ups")}
    assert seen[job["content_id"]]["withdrawn_reason"] == "label update pending"
    assert seen[job["id"]]["status"] == "cancelled" and "label update pending" in seen[job["id"]]["reason"]
    assert main(["content", "list", "--db", hub.url]) == 0
    assert "WITHDRAWN" in capsys.readouterr().out
