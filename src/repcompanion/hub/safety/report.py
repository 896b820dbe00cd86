"""The report of one intake (RFC 5322 text plus JSON), who receives it, and its SMTP hand-over.

Adverse events and special situations go to pharmacovigilance; product-quality complaints go to the quality
mailbox when one is configured beside it (an intake that is both goes to both in one message, and with no quality
mailbox a complaint goes to pharmacovigilance rather than nowhere).
"""

from __future__ import annotations

import hashlib
import json
import re
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import format_datetime, getaddresses
from typing import Any

from repcompanion.domain.models import AE_REPORTING_WINDOW
from repcompanion.domain.rows import joined_text, tuple_parse
from repcompanion.hub.delivery import SmtpServer, connect
from repcompanion.hub.safety.clocks import parse_utc
from repcompanion.intel.safety.categories import LABELS, needs_pharmacovigilance, needs_quality

_SAFE_LOCAL = re.compile(r"[A-Za-z0-9._-]{1,100}")


@dataclass(frozen=True)
class PvMailbox:
    """Where and how intakes are sent."""

    host: str
    port: int
    to: str
    sender: str = "repcompanion-hub@localhost"
    timeout_s: float = 15.0
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    #: TLS from the first byte (port 465) instead of plain or STARTTLS
    tls: bool = False
    ca_file: str = ""
    quality_to: str = ""  # the quality unit's mailbox for product-quality complaints; empty: they go to `to`

    def server(self) -> SmtpServer:
        security = "tls" if self.tls else "starttls" if self.starttls else "none"
        return SmtpServer(
            self.host, self.port, security, self.username or "", self.password or "", self.ca_file, self.timeout_s
        )


def recipients(intake: dict[str, Any], mailbox: PvMailbox) -> list[str]:
    """Who receives an intake: pharmacovigilance for adverse events and special situations (and for anything when
    no quality mailbox is configured), the quality mailbox for product-quality complaints."""
    categories = tuple_parse(intake.get("categories"))
    found = []
    if needs_pharmacovigilance(categories) or not mailbox.quality_to:
        found.append(mailbox.to)
    if needs_quality(categories) and mailbox.quality_to and mailbox.quality_to not in found:
        found.append(mailbox.quality_to)
    return found


def _local_part(intake_id: str) -> str:
    return intake_id if _SAFE_LOCAL.fullmatch(intake_id) else hashlib.sha256(intake_id.encode()).hexdigest()[:32]


def message_id(intake_id: str, sender: str) -> str:
    """The Message-ID of an intake's report: the same on every attempt, so a resend is a visible duplicate."""
    local = _local_part(intake_id)
    domain = sender.rpartition("@")[2].strip(" >") or "repcompanion.hub"
    return f"<ae-intake.{local}@{domain}>"


def build_message(
    intake: dict[str, Any], hcp: dict[str, Any], product: dict[str, Any], mailbox: PvMailbox
) -> EmailMessage:
    """The RFC 5322 report of one intake: readable text plus the same fields as a JSON attachment (its Message-ID
    is stamped by the delivery loop: :func:`message_id`, fixed when forwarding is first tried)."""
    aware = parse_utc(intake["aware_at"])
    assert aware is not None
    due = aware + AE_REPORTING_WINDOW
    fmt = "%Y-%m-%d %H:%M UTC"
    hcp_name = " ".join(p for p in (hcp.get("first_name"), hcp.get("middle_name"), hcp.get("last_name")) if p)
    address = ", ".join(
        str(p) for p in (hcp.get("line1"), hcp.get("line2"), hcp.get("city"), hcp.get("state"), hcp.get("zip")) if p
    )
    product_text = intake.get("product_id") or "(not given)"
    if product:
        product_text = (
            f"{product['name']} ({product.get('generic_name') or 'generic name not given'}), id {product['id']}"
        )
    seriousness = (intake.get("seriousness") or "unknown").replace("_", "-")
    categories = tuple_parse(intake.get("categories"))
    triggers = tuple_parse(intake.get("triggers"))
    to = recipients(intake, mailbox)
    kind = "AE intake" if needs_pharmacovigilance(categories) else "Quality complaint"
    lines = [
        "Possible adverse event / product complaint reported by a sales rep through RepCompanion.",
        "",
        f"Intake id:            {intake['id']}",
        f"Seriousness:          {seriousness}",
        f"Rep became aware:     {aware.astimezone(UTC).strftime(fmt)}",
        f"Report due by:        {due.astimezone(UTC).strftime(fmt)} (24 hours after awareness)",
        f"Recorded on device:   {intake.get('created_at')}",
        f"Received by the hub:  {intake.get('received_at')}",
        f"Categories:           {', '.join(LABELS.get(c, c) for c in categories) or '(none)'}",
        f"Triggering words:     {'; '.join(triggers) or '(none recorded)'}",
        f"Sent to:              {', '.join(to)}",
        f"Product:              {product_text}",
        f"Reporter:             {intake.get('reporter') or '(not given)'}",
        f"Patient details:      {intake.get('patient_details') or '(not given)'}",
        f"Call report:          {intake.get('call_report_id') or '(none)'}",
        "",
        "Event description:",
        *(f"  {line}" for line in str(intake["description"]).splitlines() or [""]),
        "",
        "Healthcare professional:",
        f"  Name:       {hcp_name or '(unknown)'} {hcp.get('credentials') or ''}".rstrip(),
        f"  HCP id:     {intake['hcp_id']}",
        f"  NPI:        {hcp.get('npi') or '(unknown)'}",
        f"  Specialty:  {hcp.get('specialty_label') or hcp.get('specialty_code') or '(unknown)'}",
        f"  Address:    {address or '(unknown)'}",
        f"  Phone:      {hcp.get('phone') or '(unknown)'}",
        f"  Email:      {hcp.get('email') or '(unknown)'}",
        "",
        "Sales rep:",
        f"  User:       {intake['user_name']}",
        f"  Territory:  {intake['territory_id']}",
        f"  Device:     {intake['device_id']}",
        "",
        "A resend of this report carries the same Message-ID; treat it as the same report.",
    ]
    msg = EmailMessage()
    msg["From"] = mailbox.sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = f"[{kind}] {intake['id']} - {seriousness} - due {due.astimezone(UTC).strftime(fmt)}"
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["X-RepCompanion-Intake-Id"] = str(intake["id"])
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines) + "\n")
    record = {
        **intake,
        "categories": joined_text(intake.get("categories")),  # the attachment's form since the first release
        "triggers": list(triggers),
        "due_at": due.isoformat(),
        "hcp": {k: hcp.get(k) for k in ("id", "npi", "first_name", "last_name", "credentials", "specialty_label")},
        "product": product or None,
    }
    msg.add_attachment(
        json.dumps(record, indent=1, default=str).encode("utf-8"),
        maintype="application",
        subtype="json",
        filename=f"ae-intake-{_local_part(str(intake['id']))}.json",
    )
    return msg


def smtp_send(mailbox: PvMailbox, msg: Message) -> None:
    """Hand ``msg`` to the SMTP server; returns only once the server accepted it for the recipient."""
    with connect(mailbox.server()) as smtp:
        to = [address for _, address in getaddresses([str(msg["To"] or mailbox.to)]) if address] or [mailbox.to]
        refused = smtp.send_message(msg, from_addr=mailbox.sender, to_addrs=to)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
