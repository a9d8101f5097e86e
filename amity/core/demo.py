"""Deterministic, realistic demo data: users, accounts, contacts, sales, service, activities.

Everything is written through the records and relations services, so values are validated
and change events are queued like any other write. Faker and random.Random are seeded with
the same seed, so two loads give the same names and values; dates are placed relative to
today so that the data always looks current.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any

from faker import Faker

from amity.core.actor import SYSTEM, Actor
from amity.core.auth.passwords import generate_password
from amity.core.clock import today
from amity.core.demo_files import load_demo_files
from amity.core.demo_sales import load_demo_sales
from amity.core.records import ListQuery
from amity.core.services import Services
from amity.errors import BadRequest
from amity.schema.builtin.links import CONTACT_ROLES
from amity.schema.builtin.people import LEAD_SOURCES
from amity.schema.builtin.sales import INDUSTRIES
from amity.store.conditions import Prefix

BATCH = 1000  # records per transaction
SALES_REPS = 4

ACCOUNT_TYPES = {
    "Customer": 40,
    "Prospect": 28,
    "Partner": 8,
    "Reseller": 6,
    "Supplier": 5,
    "Integrator": 4,
    "Competitor": 3,
    "Analyst": 2,
    "Investor": 2,
    "Press": 2,
}
DEPARTMENTS = [
    "Sales",
    "Marketing",
    "Finance",
    "Operations",
    "IT",
    "Purchasing",
    "Customer Service",
    "Engineering",
    "Human Resources",
    "Executive",
]
OPEN_STAGES = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
]
STAGE_PROBABILITY = dict(zip(OPEN_STAGES, (10, 20, 25, 30, 40, 50, 65, 80), strict=True))
DEALS = [
    "Annual subscription",
    "Site licenses",
    "Support renewal",
    "Hardware refresh",
    "Consulting engagement",
    "Platform expansion",
    "Pilot project",
    "Data migration",
    "Training package",
    "Managed services",
    "Upgrade to Enterprise",
    "Integration work",
]
NEXT_STEPS = [
    "Send proposal",
    "Schedule demo",
    "Call decision maker",
    "Prepare quote",
    "Review contract",
    "Technical workshop",
    "Reference call",
    "Pricing approval",
]
LEAD_STATUSES = {
    "New": 30,
    "Assigned": 20,
    "In Process": 25,
    "Converted": 10,
    "Recycled": 7,
    "Dead": 8,
}
CASE_SUBJECTS = [
    "Cannot log in after password reset",
    "Invoice shows the wrong amount",
    "Export to CSV fails",
    "Request for additional user licenses",
    "Slow response times in the afternoon",
    "Shipment arrived damaged",
    "Question about the renewal terms",
    "Email notifications not received",
    "Report totals do not match",
    "Feature request: calendar sync",
    "Integration returns error 500",
    "Need help configuring workflows",
    "Duplicate records after import",
    "Mobile app crashes on start",
    "Billing address needs to be updated",
    "Training session request",
]
OPEN_CASE = ["Active - New", "Active - Assigned", "Active - In Progress", "Active - Pending Input"]
CLOSED_CASE = {"Closed - Resolved": 85, "Closed - Rejected": 7, "Closed - Duplicate": 8}
RESOLUTIONS = [
    "Fixed in the latest release.",
    "Explained the configuration to the customer.",
    "Credit note issued.",
    "Replacement shipped.",
    "Workaround provided.",
    "Duplicate of an earlier case.",
]
PRODUCTS = [  # name, category, type, list price
    ("Amity Cloud Starter (per user / year)", "Subscriptions", "Non-Inventory", 240),
    ("Amity Cloud Professional (per user / year)", "Subscriptions", "Non-Inventory", 540),
    ("Amity Cloud Enterprise (per user / year)", "Subscriptions", "Non-Inventory", 960),
    ("On-premise Server License", "Software", "Non-Inventory", 4900),
    ("Mobile Sales Add-on", "Software", "Non-Inventory", 120),
    ("Reporting & Analytics Module", "Software", "Non-Inventory", 1500),
    ("Email Marketing Module", "Software", "Non-Inventory", 900),
    ("Rack Server R420", "Hardware", "Inventory", 3200),
    ("Network Switch 24-port", "Hardware", "Inventory", 780),
    ("Barcode Scanner BS-2", "Hardware", "Inventory", 189),
    ("Thermal Label Printer", "Hardware", "Inventory", 349),
    ("Point-of-Sale Terminal", "Hardware", "Inventory", 1250),
    ("Implementation Services (per day)", "Services", "Service", 1200),
    ("Data Migration Package", "Services", "Service", 3500),
    ("Custom Integration (per hour)", "Services", "Service", 150),
    ("Premium Support (per year)", "Services", "Service", 2400),
    ("Administrator Training (2 days)", "Training", "Service", 1800),
    ("End-user Training Workshop", "Training", "Service", 950),
    ("Online Training Subscription", "Training", "Non-Inventory", 300),
    ("Sales Process Consulting (per day)", "Services", "Service", 1400),
]
PROJECT_KINDS = [
    "Implementation",
    "CRM Rollout",
    "Data Migration",
    "Onboarding",
    "System Upgrade",
    "Integration",
    "Support Transition",
]
PROJECT_STEPS = [
    "Kickoff meeting",
    "Requirements workshop",
    "Solution design",
    "Configuration",
    "Data migration",
    "Integration testing",
    "User training",
    "Acceptance testing",
    "Go-live",
    "Post go-live review",
]
ABOUT = {
    "Contact": "person",
    "Lead": "person",
    "Account": "business",
    "Opportunity": "business",
    "Project": "business",
    "aCase": "case",
}
TASK_SUBJECTS = {
    "person": [
        "Follow up with {}",
        "Send information pack to {}",
        "Call back {}",
        "Update contact details of {}",
    ],
    "business": [
        "Prepare quote for {}",
        "Review notes on {}",
        "Send proposal: {}",
        "Update forecast: {}",
    ],
    "case": ["Reproduce issue: {}", "Reply to customer: {}", "Check fix: {}"],
}
CALL_SUBJECTS = {
    "person": ["Call with {}", "Follow-up call with {}", "Discovery call with {}"],
    "business": ["Status call: {}", "Pricing call: {}", "Check-in call: {}"],
    "case": ["Support call: {}", "Call about: {}"],
}
MEETING_SUBJECTS = {
    "person": ["Meeting with {}", "Lunch with {}", "Demo for {}"],
    "business": ["Quarterly review: {}", "Workshop: {}", "Product demo: {}"],
    "case": ["Troubleshooting session: {}", "Escalation meeting: {}"],
}
NOTE_SUBJECTS = [
    "Notes from call",
    "Customer feedback",
    "Pricing discussion",
    "Requirements summary",
    "Competitor mentioned",
    "Next steps agreed",
    "Budget information",
    "Contact preferences",
]
LOCATIONS = [
    "Conference room A",
    "Conference room B",
    "Customer office",
    "Video call",
    "Phone bridge",
    "Downtown cafe",
    "Trade show booth",
]


def load_demo(services: Services, contacts: int = 200, seed: int = 1) -> dict[str, int]:
    """Load demo data around `contacts` contacts; returns how many records of each model
    were created."""
    if contacts < 1:
        raise BadRequest("contacts must be at least 1, got {contacts}", contacts=contacts)
    return DemoLoader(services, seed).load(contacts)


def demo_loads(services: Services) -> int:
    """How many times the demo data was loaded: each load adds the product list once."""
    first = PRODUCTS[0][0]
    page = services.records.list_records(
        SYSTEM,
        "Product",
        ListQuery(fields=["name"], conditions=[Prefix(("name",), first)], limit=200),
    )  # a prefix filter: count exact
    return sum(1 for record in page.records if record["name"] == first)


def plan(contacts: int) -> dict[str, int]:
    """How many records of each model a demo of `contacts` contacts gets."""
    n = contacts
    return {
        "Account": max(1, n // 4),
        "Contact": n,
        "Lead": max(1, n // 4),
        "Opportunity": max(1, n // 2),
        "aCase": max(1, n // 4),
        "Product": len(PRODUCTS),
        "Project": max(1, n // 40),
        "Task": max(1, n * 3 // 10),
        "Call": max(1, n // 4),
        "Meeting": max(1, n // 5),
        "Note": max(1, n // 4),
    }


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def ymd(day: date) -> str:
    return day.strftime("%Y-%m-%d")


def ymdhms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class DemoLoader:
    """Generates the records in dependency order and remembers what later ones point at."""

    def __init__(self, services: Services, seed: int) -> None:
        self.services = services
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)
        self.today = today()
        self.anchor = datetime.combine(self.today, time(9, 0))
        self.counts: dict[str, int] = {}
        self.actor = self._actor()
        self.reps: list[str] = []
        self.users: list[str] = []
        self.accounts: list[dict[str, Any]] = []  # id, name, domain, user, type, contacts
        self.contacts: list[dict[str, Any]] = []  # id, name, account (index)
        self.products: list[dict[str, Any]] = []  # id, name, category, kind, price, ...
        self.names: dict[str, list[tuple[str, str]]] = {}  # model -> [(id, name)]

    # -- plumbing ---------------------------------------------------------------------
    def _actor(self) -> Actor:
        admins = [u for u in self.services.auth.list_users() if u["is_admin"]]
        if not admins:
            return SYSTEM
        first = min(admins, key=lambda u: (u["id"] != SYSTEM.user_id, u["user_name"]))
        return Actor(user_id=first["id"], user_name=first["user_name"], is_admin=True)

    def create(self, model: str, rows: Iterable[dict[str, Any]]) -> list[str]:
        """Create records in transactions of BATCH rows; returns the ids in order."""
        ids: list[str] = []
        it = iter(rows)
        while batch := list(islice(it, BATCH)):
            ids += self.services.records.create_many(self.actor, model, batch)
        self.counts[model] = self.counts.get(model, 0) + len(ids)
        return ids

    def relate(self, model: str, link: str, entries: list[tuple[str, Any, Any]]) -> None:
        """Link records as (id, ids, with_data), about BATCH links per transaction."""
        batch: list[tuple[str, Any, Any]] = []
        size = 0
        for entry in entries:
            batch.append(entry)
            size += len(entry[1] or entry[2] or ())
            if size >= BATCH:
                self.services.relations.add_related_many(self.actor, model, link, batch)
                batch, size = [], 0
        if batch:
            self.services.relations.add_related_many(self.actor, model, link, batch)

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def weighted(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def user(self) -> str:
        """An assignee: mostly a sales rep, sometimes an administrator (the random draws
        do not depend on whether there is one, so the data stays the same either way)."""
        admin, rep = self.rng.random() < 0.1, self.pick(self.reps)
        return self.users[len(self.reps)] if admin and self.users != self.reps else rep

    def moment(self, days: int, hours: Sequence[int] = range(8, 18)) -> datetime:
        """A time on a quarter hour, `days` from today."""
        return self.anchor + timedelta(
            days=days, hours=self.pick(hours) - 9, minutes=self.pick((0, 15, 30, 45))
        )

    def address(self, prefix: str) -> dict[str, str]:
        f = self.fake
        return {
            f"{prefix}_address_street": f.street_address(),
            f"{prefix}_address_city": f.city(),
            f"{prefix}_address_state": f.state_abbr(),
            f"{prefix}_address_postalcode": f.postcode(),
            f"{prefix}_address_country": "United States",
        }

    # -- the load ---------------------------------------------------------------------
    def load(self, contacts: int) -> dict[str, int]:
        sizes = plan(contacts)
        self.load_users()
        self.load_accounts(sizes["Account"])
        self.load_contacts(contacts)
        self.load_leads(sizes["Lead"])
        self.load_opportunities(sizes["Opportunity"])
        self.load_cases(sizes["aCase"])
        self.load_products()
        self.load_projects(sizes["Project"])
        self.load_tasks(sizes["Task"])
        self.load_calls(sizes["Call"])
        self.load_meetings(sizes["Meeting"])
        notes = self.load_notes(sizes["Note"])
        files = load_demo_files(self.services, self.actor, self.rng, self.accounts, notes)
        sales = load_demo_sales(
            self.services, self.actor, self.rng, self.today, self.accounts, self.products
        )
        for model, made in (files | sales).items():
            self.counts[model] = self.counts.get(model, 0) + made
        return self.counts

    def load_users(self) -> None:
        """Sales reps (kept when they already exist) plus the existing administrators."""
        existing = self.services.auth.list_users()
        by_name = {u["user_name"]: u["id"] for u in existing}
        created = 0
        for _ in range(SALES_REPS):
            first, last = self.fake.first_name(), self.fake.last_name()
            user_name = f"{slug(first)}.{slug(last)}"
            if user_name not in by_name:
                by_name[user_name] = self.services.auth.add_user(
                    self.actor,
                    user_name,
                    generate_password(),
                    first_name=first,
                    last_name=last,
                    email=f"{user_name}@example.com",
                )
                created += 1
            self.reps.append(by_name[user_name])
        admins = sorted(u["id"] for u in existing if u["is_admin"])
        self.users = self.reps + admins
        self.counts["User"] = created

    def load_accounts(self, n: int) -> None:
        def rows() -> Iterator[dict[str, Any]]:
            f, rng = self.fake, self.rng
            for _ in range(n):
                name = f.unique.company()
                domain = slug(" ".join(re.split(r"[\s,-]+", name)[:2])) + self.pick(
                    (".com", ".com", ".net", ".io", ".co")
                )
                kind = self.weighted(ACCOUNT_TYPES)
                public = rng.random() < 0.2
                info = {
                    "name": name,
                    "domain": domain,
                    "user": self.user(),
                    "type": kind,
                    "contacts": [],
                }
                self.accounts.append(info)
                billing = self.address("billing")
                info["address"] = billing
                yield {
                    "name": name,
                    "account_type": kind,
                    "industry": self.pick(INDUSTRIES),
                    "annual_revenue": f"${self.pick((1, 2, 5, 10, 25, 50, 100, 250, 900))}M",
                    "employees": self.pick((5, 12, 25, 40, 80, 150, 300, 1200, 5000)),
                    "rating": self.pick(("A", "B", "B", "C")),
                    "ownership": "Public" if public else self.pick(("Private", "Subsidiary")),
                    "ticker_symbol": slug(name)[:4].upper() if public else None,
                    "sic_code": str(rng.randint(1000, 9999)),
                    "phone_office": f.phone_number(),
                    "phone_fax": f.phone_number(),
                    "email1": f"info@{domain}",
                    "website": f"https://www.{domain}",
                    "is_supplier": kind == "Supplier",
                    "temperature": self.pick(("Cold", "Warm", "Hot")),
                    "balance": rng.randint(0, 400) * 50,
                    "credit_limit": rng.randint(1, 20) * 5000,
                    "description": f.catch_phrase(),
                    "assigned_user_id": info["user"],
                    **billing,
                    **{k.replace("billing", "shipping"): v for k, v in billing.items()},
                }

        for info, record_id in zip(self.accounts, self.create("Account", rows()), strict=True):
            info["id"] = record_id
        self.names["Account"] = [(a["id"], a["name"]) for a in self.accounts]

    def load_contacts(self, n: int) -> None:
        """Contacts, each with a primary account (every account gets at least one)."""
        n_acc = len(self.accounts)

        def rows() -> Iterator[dict[str, Any]]:
            f, rng = self.fake, self.rng
            for i in range(n):
                acc = i if i < n_acc else rng.randrange(n_acc)
                account = self.accounts[acc]
                female = rng.random() < 0.5
                first = f.first_name_female() if female else f.first_name_male()
                last = f.last_name()
                salutation = (
                    "Dr."
                    if rng.random() < 0.05
                    else self.pick(("Ms.", "Mrs."))
                    if female
                    else "Mr."
                )
                self.contacts.append({"name": f"{first} {last}", "account": acc})
                yield {
                    "salutation": salutation,
                    "first_name": first,
                    "last_name": last,
                    "title": f.job()[:100],
                    "department": self.pick(DEPARTMENTS),
                    "phone_work": f.phone_number(),
                    "phone_mobile": f.phone_number(),
                    "email1": f"{slug(first)}.{slug(last)}@{account['domain']}",
                    "lead_source": self.pick(LEAD_SOURCES),
                    "birthdate": ymd(self.today - timedelta(days=rng.randint(23 * 365, 64 * 365))),
                    "do_not_call": rng.random() < 0.05,
                    "email_opt_out": rng.random() < 0.08,
                    "primary_account_id": account["id"],
                    "assigned_user_id": account["user"] if rng.random() < 0.8 else self.user(),
                    **self.address("primary"),
                }

        ids = self.create("Contact", rows())
        for info, record_id in zip(self.contacts, ids, strict=True):
            info["id"] = record_id
            self.accounts[info["account"]]["contacts"].append(record_id)
        self.names["Contact"] = [(c["id"], c["name"]) for c in self.contacts]
        links = []
        for account in self.accounts:
            linked = list(account["contacts"])
            if self.rng.random() < 0.05:  # an occasional contact shared with another account
                linked.append(self.pick(self.contacts)["id"])
            if linked:
                links.append((account["id"], list(dict.fromkeys(linked)), None))
        self.relate("Account", "contacts", links)

    def load_leads(self, n: int) -> None:
        names: list[str] = []

        def rows() -> Iterator[dict[str, Any]]:
            f, rng = self.fake, self.rng
            for _ in range(n):
                first, last = f.first_name(), f.last_name()
                names.append(f"{first} {last}")
                status = self.weighted(LEAD_STATUSES)
                company = f.company()
                row: dict[str, Any] = {
                    "first_name": first,
                    "last_name": last,
                    "title": f.job()[:100],
                    "status": status,
                    "lead_source": self.pick(LEAD_SOURCES),
                    "temperature": self.pick(("Cold", "Warm", "Hot")),
                    "phone_work": f.phone_number(),
                    "account_name": company[:100],
                    "email1": f"{slug(first)}.{slug(last)}@{f.free_email_domain()}",
                    "assigned_user_id": self.user(),
                    **self.address("primary"),
                }
                if status == "Converted":
                    account = self.pick(self.accounts)
                    row.update(
                        converted=True,
                        account_name=account["name"][:100],
                        account_id=account["id"],
                        contact_id=self.pick(account["contacts"]) if account["contacts"] else None,
                        date_converted=ymdhms(self.moment(-rng.randint(1, 180))),
                    )
                elif status == "Dead":
                    row["status_description"] = "No budget this year."
                yield row

        ids = self.create("Lead", rows())
        self.names["Lead"] = list(zip(ids, names, strict=True))

    def load_opportunities(self, n: int) -> None:
        """Opportunities spread over the past year and the coming months, with contact roles."""
        picked: list[dict[str, Any]] = []

        def rows() -> Iterator[dict[str, Any]]:
            rng = self.rng
            for _ in range(n):
                account = self.pick(self.accounts)
                closes = add_months(self.today, rng.randint(-12, 9)).replace(day=rng.randint(1, 28))
                if closes < self.today and rng.random() < 0.9:
                    stage = "Closed Won" if rng.random() < 0.55 else "Closed Lost"
                else:
                    stage = self.pick(OPEN_STAGES)
                name = f"{account['name']} - {self.pick(DEALS)}"[:150]
                picked.append({"name": name, "account": account})
                yield {
                    "name": name,
                    "account_id": account["id"],
                    "opportunity_type": self.pick(("New Business", "Existing Business")),
                    "lead_source": self.pick(LEAD_SOURCES),
                    "amount": rng.randint(5, 500) * 100 * (10 if rng.random() < 0.05 else 1),
                    "date_closed": ymd(closes),
                    "sales_stage": stage,
                    "probability": {"Closed Won": 100, "Closed Lost": 0}.get(
                        stage, STAGE_PROBABILITY.get(stage)
                    ),
                    "forecast_category": forecast(stage),
                    "next_step": None if stage.startswith("Closed") else self.pick(NEXT_STEPS),
                    "assigned_user_id": account["user"],
                }

        ids = self.create("Opportunity", rows())
        self.names["Opportunity"] = [(i, p["name"]) for i, p in zip(ids, picked, strict=True)]
        roles: dict[str, list[dict[str, str]]] = {}
        for opp_id, info in zip(ids, picked, strict=True):
            people = info["account"]["contacts"]
            k = min(len(people), self.pick((1, 1, 2, 2, 3)))
            for contact_id, role in zip(
                self.rng.sample(people, k), self.rng.sample(CONTACT_ROLES, k), strict=True
            ):
                roles.setdefault(contact_id, []).append({"id": opp_id, "contact_role": role})
        self.relate(
            "Contact",
            "opportunities",
            [(contact_id, None, items) for contact_id, items in roles.items()],
        )

    def load_cases(self, n: int) -> None:
        subjects: list[str] = []

        def rows() -> Iterator[dict[str, Any]]:
            f, rng = self.fake, self.rng
            for _ in range(n):
                account = self.pick(self.accounts)
                opened = rng.randint(1, 240)
                closed = opened > 14 and rng.random() < 0.7
                subject = self.pick(CASE_SUBJECTS)
                subjects.append(subject)
                unit = self.pick(("minutes", "hours", "hours", "days"))
                yield {
                    "name": subject,
                    "account_id": account["id"],
                    "cust_contact_id": self.pick(account["contacts"])
                    if account["contacts"]
                    else None,
                    "status": self.weighted(CLOSED_CASE) if closed else self.pick(OPEN_CASE),
                    "priority": self.pick(("P1", "P2", "P2", "P3")),
                    "type": self.pick(("Administration", "Product", "User", "Billing")),
                    "category": self.pick(("Question", "Problem", "Feature Request")),
                    "date_closed": ymd(self.today - timedelta(days=rng.randint(0, opened - 1)))
                    if closed
                    else None,
                    "effort_actual": {
                        "minutes": rng.randint(2, 12) * 5,
                        "hours": rng.randint(1, 16),
                        "days": rng.randint(1, 5),
                    }[unit]
                    if closed
                    else None,
                    "effort_actual_unit": unit if closed else None,
                    "description": f.paragraph(nb_sentences=2),
                    "resolution": self.pick(RESOLUTIONS) if closed else None,
                    "assigned_user_id": self.user(),
                }

        ids = self.create("aCase", rows())
        self.names["aCase"] = list(zip(ids, subjects, strict=True))

    def load_products(self) -> None:
        suppliers = [a for a in self.accounts if a["type"] == "Supplier"] or self.accounts

        def rows() -> Iterator[dict[str, Any]]:
            for name, category, kind, price in PRODUCTS:
                supplier = self.pick(suppliers)
                cost = round(price * self.rng.uniform(0.45, 0.7), 2)
                part_no = f"{slug(name)[:3].upper()}-{self.rng.randint(1000, 9999)}"
                self.products.append(
                    {
                        "name": name,
                        "category": category,
                        "kind": kind,
                        "price": price,
                        "cost": cost,
                        "part_no": part_no,
                    }
                )
                yield {
                    "name": name,
                    "product_category": category,
                    "product_type": kind,
                    "list_price": price,
                    "cost": cost,
                    "purchase_price": cost,
                    "manufacturers_part_no": part_no,
                    "weight": round(self.rng.uniform(0.3, 25), 1) if kind == "Inventory" else None,
                    "url": f"https://www.{supplier['domain']}/products/{slug(name)[:40]}",
                    "is_available": "no" if self.rng.random() < 0.1 else "yes",
                    "supplier_id": supplier["id"],
                    "description": self.fake.sentence(),
                }

        for info, record_id in zip(self.products, self.create("Product", rows()), strict=True):
            info["id"] = record_id

    def load_projects(self, n: int) -> None:
        """Projects for customer accounts, each with a sequence of project tasks."""
        customers = [a for a in self.accounts if a["type"] == "Customer"] or self.accounts
        spans: list[tuple[date, date]] = []
        names: list[str] = []

        def rows() -> Iterator[dict[str, Any]]:
            rng = self.rng
            for _ in range(n):
                account = self.pick(customers)
                start = self.today + timedelta(days=rng.randint(-150, 45))
                end = start + timedelta(days=rng.randint(4, 26) * 7)
                spans.append((start, end))
                names.append(f"{account['name']} {self.pick(PROJECT_KINDS)}"[:150])
                yield {
                    "name": names[-1],
                    "account_id": account["id"],
                    "amount": rng.randint(20, 400) * 250,
                    "project_type": self.pick(("Customer", "Customer", "Partner", "Internal")),
                    "project_phase": phase(start, end, self.today, rng),
                    "date_starting": ymd(start),
                    "date_ending": ymd(end),
                    "percent_complete": progress(start, end, self.today),
                    "description": self.fake.sentence(),
                    "assigned_user_id": account["user"],
                }

        ids = self.create("Project", rows())
        self.names["Project"] = list(zip(ids, names, strict=True))
        self.create("ProjectTask", self.project_tasks(ids, spans))

    def project_tasks(
        self, ids: list[str], spans: list[tuple[date, date]]
    ) -> Iterator[dict[str, Any]]:
        for project_id, (start, end) in zip(ids, spans, strict=True):
            k = self.rng.randint(4, 8)
            steps = [
                PROJECT_STEPS[0],
                *sorted(self.rng.sample(PROJECT_STEPS[1:-2], k - 2), key=PROJECT_STEPS.index),
                "Go-live",
            ]
            length = (end - start).days / len(steps)
            for i, step in enumerate(steps):
                begins = start + timedelta(days=int(i * length))
                due = start + timedelta(days=max(int((i + 1) * length) - 1, int(i * length)))
                done = progress(begins, due, self.today)
                yield {
                    "name": step,
                    "parent_id": project_id,
                    "order_number": i + 1,
                    "date_start": ymd(begins),
                    "date_due": ymd(due),
                    "status": "Completed"
                    if done == 100
                    else "Not Started"
                    if done == 0
                    else "In Progress",
                    "percent_complete": done,
                    "priority": self.pick(("P1", "P2", "P3")),
                    "milestone_flag": step in ("Kickoff meeting", "Go-live"),
                    "assigned_user_id": self.user(),
                }

    # -- activities -------------------------------------------------------------------
    def parent(self) -> tuple[str, str, str]:
        """(parent_type, parent_id, name) for an activity, mostly sales records."""
        weights = {
            "Account": 30,
            "Contact": 30,
            "Opportunity": 25,
            "aCase": 10,
            "Lead": 3,
            "Project": 2,
        }
        kind = self.weighted({k: w for k, w in weights.items() if self.names.get(k)})
        record_id, name = self.pick(self.names[kind])
        return kind, record_id, name

    def activity_rows(
        self, n: int, make: Callable[[str, str, str], dict[str, Any]]
    ) -> Iterator[dict[str, Any]]:
        for _ in range(n):
            kind, record_id, name = self.parent()
            row = make(kind, record_id, name)
            row.update(parent_type=kind, parent_id=record_id, assigned_user_id=self.user())
            yield row

    def load_tasks(self, n: int) -> None:
        def make(kind: str, record_id: str, name: str) -> dict[str, Any]:
            due = self.moment(self.rng.randint(-60, 45))
            done = due < self.anchor and self.rng.random() < 0.75
            return {
                "name": self.pick(TASK_SUBJECTS[ABOUT[kind]]).format(name)[:255],
                "status": "Completed"
                if done
                else self.pick(
                    ("Not Started", "Not Started", "In Progress", "Pending Input", "Deferred")
                ),
                "priority": self.pick(("P1", "P2", "P2", "P3")),
                "date_start": ymdhms(due - timedelta(days=self.rng.randint(0, 7))),
                "date_due": ymdhms(due),
                "contact_id": record_id if kind == "Contact" else None,
            }

        self.create("Task", self.activity_rows(n, make))

    def load_calls(self, n: int) -> None:
        def make(kind: str, record_id: str, name: str) -> dict[str, Any]:
            start = self.moment(self.rng.randint(-90, 30))
            minutes = self.pick((5, 10, 15, 15, 30, 45, 60))
            past = start < self.anchor
            return {
                "name": self.pick(CALL_SUBJECTS[ABOUT[kind]]).format(name)[:255],
                "date_start": ymdhms(start),
                "duration": minutes,
                "date_end": ymdhms(start + timedelta(minutes=minutes)),
                "direction": self.pick(("Inbound", "Outbound", "Outbound")),
                "status": ("Held" if self.rng.random() < 0.85 else "Not Held")
                if past
                else "Planned",
                "phone_number": self.fake.phone_number(),
            }

        self.create("Call", self.activity_rows(n, make))

    def load_meetings(self, n: int) -> None:
        def make(kind: str, record_id: str, name: str) -> dict[str, Any]:
            start = self.moment(self.rng.randint(-90, 45), hours=range(9, 17))
            minutes = self.pick((30, 45, 60, 60, 90, 120))
            past = start < self.anchor
            return {
                "name": self.pick(MEETING_SUBJECTS[ABOUT[kind]]).format(name)[:255],
                "date_start": ymdhms(start),
                "duration": minutes,
                "date_end": ymdhms(start + timedelta(minutes=minutes)),
                "location": self.pick(LOCATIONS),
                "status": ("Held" if self.rng.random() < 0.9 else "Not Held")
                if past
                else "Planned",
                "description": self.fake.sentence(),
            }

        self.create("Meeting", self.activity_rows(n, make))

    def load_notes(self, n: int) -> list[str]:
        def make(kind: str, record_id: str, name: str) -> dict[str, Any]:
            return {
                "name": self.pick(NOTE_SUBJECTS),
                "description": self.fake.paragraph(nb_sentences=3),
                "account_id": record_id if kind == "Account" else None,
                "contact_id": record_id if kind == "Contact" else None,
            }

        return self.create("Note", self.activity_rows(n, make))


def forecast(stage: str) -> str:
    if stage == "Closed Won":
        return "Closed"
    if stage == "Closed Lost":
        return "Omitted"
    if stage in ("Proposal/Price Quote", "Negotiation/Review"):
        return "Commit"
    return "Best Case" if stage in ("Id. Decision Makers", "Perception Analysis") else "Pipeline"


def progress(start: date, end: date, now: date) -> int:
    """Percent of [start, end] that lies before `now`."""
    if now <= start:
        return 0
    if now >= end:
        return 100
    return int(100 * (now - start).days / max((end - start).days, 1))


def phase(start: date, end: date, now: date, rng: random.Random) -> str:
    if end < now:
        return "Closed - Terminated" if rng.random() < 0.1 else "Closed - Complete"
    if start > now:
        return "Active - Starting Soon"
    return "Active - On Hold" if rng.random() < 0.15 else "Active - In Progress"
