"""The demo's files: documents with revisions, note attachments and account logos.

Everything is generated text (plain text, CSV, Markdown, SVG), made from the demo's own
random generator so that a seed gives the same files. Files go through the files service
like any upload, then are attached by ordinary record writes (so the audit shows them).
"""

from __future__ import annotations

import csv
import html
import io
import random
from typing import Any

from amity.core.actor import Actor
from amity.core.services import Services

DOCUMENTS = [
    ("Price list", "Sales", "price-list.csv", "text/csv"),
    ("Service agreement", "Contracts", "service-agreement.md", "text/markdown"),
    ("Onboarding checklist", "Knowledge Base", "onboarding-checklist.txt", "text/plain"),
    ("Product sheet", "Marketing", "product-sheet.md", "text/markdown"),
]
PHOTOS = 8  # accounts that get a logo
ATTACHMENT_SHARE = 4  # every 4th note carries a file
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#17becf"]


def load_demo_files(
    services: Services,
    actor: Actor,
    rng: random.Random,
    accounts: list[dict[str, Any]],
    notes: list[str],
) -> dict[str, int]:
    """Attach the demo's files; how many records of each model were made or given one."""
    files, records = services.files, services.records
    counts = {"Document": 0, "DocumentRevision": 0}

    def upload(data: bytes, name: str, mime: str) -> str:
        return files.keep_bytes(actor, data, name, mime)

    for title, category, name, mime in DOCUMENTS:
        first = upload(document_text(title, name, rng, 1), name, mime)
        doc = records.create(
            actor,
            "Document",
            {"name": title, "category_id": category, "revision_filename": first},
        )
        counts["Document"] += 1
        counts["DocumentRevision"] += 1
        if rng.random() < 0.5:  # a second revision for some
            second = upload(document_text(title, name, rng, 2), name, mime)
            records.update(actor, "Document", doc, {"revision_filename": second})
            counts["DocumentRevision"] += 1
    for account in accounts[:PHOTOS]:
        logo = upload(logo_svg(account["name"], rng), "logo.svg", "image/svg+xml")
        records.update(actor, "Account", account["id"], {"photo": logo})
    for i, note in enumerate(notes[::ATTACHMENT_SHARE]):
        text = f"Call notes {i + 1}\n\n" + "\n".join(
            f"- point {n + 1}: {rng.choice(['agreed', 'open', 'follow up'])}"
            for n in range(rng.randint(2, 6))
        )
        records.update(
            actor,
            "Note",
            note,
            {"filename": upload(text.encode(), f"notes-{i + 1}.txt", "text/plain")},
        )
    return counts


def document_text(title: str, name: str, rng: random.Random, revision: int) -> bytes:
    """A small document of the kind its name says, with its revision number."""
    if name.endswith(".csv"):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["product", "unit price", "currency"])
        for n in range(10):
            writer.writerow(
                [f"Item {n + 1}", f"{rng.randint(5, 500)}.{rng.randint(0, 99):02d}", "USD"]
            )
        return out.getvalue().encode()
    lines = [f"# {title}" if name.endswith(".md") else title, f"Revision {revision}", ""]
    lines += [f"{n + 1}. Section {n + 1}: terms and steps." for n in range(rng.randint(3, 8))]
    return "\n".join(lines).encode()


def logo_svg(name: str, rng: random.Random) -> bytes:
    """A square logo with the account's initials."""
    initials = "".join(word[0] for word in name.split()[:2] if word).upper() or "?"
    colour = rng.choice(COLOURS)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        f'<rect width="96" height="96" rx="12" fill="{colour}"/>'
        '<text x="48" y="60" font-family="sans-serif" font-size="36" fill="#fff" '
        f'text-anchor="middle">{html.escape(initials)}</text></svg>'
    ).encode()
