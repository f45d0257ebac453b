"""?search= on the lists that grow past a handful of rows."""

from decimal import Decimal

from missions.services import benchmark_create, objective_create
from stakeholders.services import contact_create, stakeholder_create


def test_benchmarks_are_searched_by_code_and_title(client, mission, admin, staff):
    objective = objective_create(actor=admin, mission=mission, category="security", title="S")
    for code, title in [
        ("bm-lnp", "Police officers trained"),
        ("bm-ddr", "Combatants demobilised"),
    ]:
        benchmark_create(
            actor=admin,
            objective=objective,
            code=code,
            title=title,
            kind="quantitative",
            baseline=Decimal(0),
            target=Decimal(1),
        )
    client.force_login(staff)
    url = f"/api/v1/missions/{mission.code}/benchmarks/"
    assert [b["code"] for b in client.get(url, {"search": "POLICE"}).json()["results"]] == [
        "bm-lnp"
    ]
    assert [b["code"] for b in client.get(url, {"search": "bm-ddr"}).json()["results"]] == [
        "bm-ddr"
    ]


def test_stakeholders_are_found_by_a_contacts_name_once(client, mission, admin, observer):
    ministry = stakeholder_create(
        actor=admin, mission=mission, name="Ministry", kind="host_government"
    )
    stakeholder_create(actor=admin, mission=mission, name="NGO", kind="ngo")
    contact_create(actor=admin, stakeholder=ministry, name="Amina Diallo")
    contact_create(actor=admin, stakeholder=ministry, name="Amina Traoré")
    client.force_login(observer)
    response = client.get(f"/api/v1/missions/{mission.code}/stakeholders/", {"search": "amina"})
    assert [s["name"] for s in response.json()["results"]] == ["Ministry"]
