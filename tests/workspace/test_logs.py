"""Logs: personal data and secrets never reach the file; the file rotates at its configured size."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repcompanion.workspace.logs import (
    LOG_FILE,
    NoteText,
    RedactingFilter,
    configure_logging,
    register_hcp_names,
    register_store_names,
    shutdown_logging,
)

NOTE = "Patient in room 4 reported dizziness after switching to the new dose"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyZXAifQ.c2lnbmF0dXJl"


@pytest.fixture
def log_dir(tmp_path):
    yield tmp_path
    shutdown_logging()


def _text(folder) -> str:  # type: ignore[no-untyped-def]
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob(LOG_FILE + "*")))


def test_names_emails_phones_notes_and_tokens_never_reach_the_file(log_dir):
    configure_logging(folder=log_dir)
    register_hcp_names([("Amara", "Okonkwo-Reyes"), ("Lars", "Lindqvist")])
    log = logging.getLogger("repcompanion.test")
    log.info("visit saved for Dr. Amara Okonkwo-Reyes (amara.okonkwo@stvincent.org, 508-555-0142): %s", NoteText(NOTE))
    log.warning("call LINDQVIST at +1 (617) 555-0199 or +46 70 123 45 67", extra={"note": NOTE})
    log.info("refresh with Authorization: Bearer %s and refresh_token=%s", JWT, "r-abc123secret")
    try:
        raise ValueError("could not email amara.okonkwo@stvincent.org about Okonkwo-Reyes")
    except ValueError:
        log.exception("send failed")
    text = _text(log_dir)
    for leaked in (
        "Amara",
        "Okonkwo",
        "Lindqvist",
        "LINDQVIST",
        "stvincent",
        "555-0142",
        "555-0199",
        "123 45 67",
        "dizziness",
        JWT,
        "r-abc123secret",
    ):
        assert leaked not in text, leaked
    assert "[name]" in text and "[email]" in text and "[phone]" in text and "[note: " in text
    assert "visit saved" in text and "send failed" in text and "ValueError" in text  # still a useful log


def test_names_of_a_workspace_store_are_registered(log_dir):
    from repcompanion.store import open_store
    from tests import factories as f

    store = open_store(":memory:")
    f.small_territory(store)
    configure_logging(folder=log_dir)
    assert register_store_names(store) == 3
    logging.getLogger("repcompanion").info("opened Moreau and Ada Lindqvist")
    store.close()
    assert _text(log_dir).rstrip().endswith("opened [name] and [name]")


def test_public_identifiers_and_plain_numbers_are_kept():
    redact = RedactingFilter(["Okafor"]).redact
    assert redact("NPI 1234567893 scored 0.82 for 3 actions on 2026-11-24") == (
        "NPI 1234567893 scored 0.82 for 3 actions on 2026-11-24"
    )
    assert redact("Okafors clinic; Okafor-Smith; okafor") == "Okafors clinic; [name]-Smith; [name]"


@settings(max_examples=60, deadline=None)
@given(
    user=st.from_regex(r"[a-z][a-z0-9._]{0,15}", fullmatch=True),
    domain=st.from_regex(r"[a-z]{2,10}\.(org|com|de)", fullmatch=True),
    area=st.integers(200, 999),
    line=st.integers(0, 9999),
)
def test_any_email_or_us_phone_is_redacted(user, domain, area, line):
    email = f"{user}@{domain}"
    phone = f"({area}) 555-{line:04d}"
    out = RedactingFilter().redact(f"contact {email} or {phone} today")
    assert email not in out and phone not in out and out.startswith("contact ")


def test_the_file_rotates_at_the_configured_size(log_dir):
    configure_logging(folder=log_dir, max_bytes=2_000, backups=3)
    log = logging.getLogger("repcompanion.rotation")
    for i in range(200):
        log.info("sync page %d applied with 50 rows", i)
    files = sorted(p.name for p in log_dir.iterdir())
    assert files == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2", f"{LOG_FILE}.3"]
    assert all((log_dir / name).stat().st_size <= 2_000 for name in files)


def test_logs_default_to_the_platform_log_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    import repcompanion.workspace.logs as logs

    monkeypatch.setattr(logs.platformdirs, "user_log_dir", lambda app, appauthor=False: str(tmp_path / app / "log"))
    try:
        configure_logging()
        logging.getLogger("repcompanion").warning("hello")
        assert (tmp_path / "RepCompanion" / "log" / LOG_FILE).read_text().endswith("hello\n")
    finally:
        shutdown_logging()
