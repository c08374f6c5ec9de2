"""An organization's wording tried before it is saved (SQLite and PostgreSQL): a trigger's variables, Doorstep's
template and the organization's own; a preview filled in with a sample delivery in the template's language, with
the SMS's billed parts; every problem of a template at once, at its field; nothing stored by a preview."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant

RULES = "/v1/organization/notification-rules"
PREVIEW = "/v1/notification-templates/preview"
OWN = {
    "trigger": "out_for_delivery", "language": "pt", "subject": "A {{ order_ref }} sai hoje, {{ customer_name }}",
    "sms": "Encomenda {{ order_ref }}: {{ tracking_url }}", "text": "Chega {{ day }}, {{ window }}.",
    "html": "<p style=\"color: {{ brand_colour }}\">Olá <b>{{ customer_name }}</b> & {{ sender_name }}</p>",
}  # fmt: skip


def _rules_with(c: TestClient, t: Tenant, templates: list[dict[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = c.get(RULES, headers=t.h()).json()
    r = c.put(RULES, json={**doc, "templates": templates}, headers=t.h())
    assert r.status_code == 200, r.text
    return doc


def test_a_triggers_wording_lists_its_variables_and_both_templates(client: TestClient, tenant: Tenant) -> None:
    """Doorstep's Portuguese out-for-delivery template and no own one; after saving one, both; a bad trigger and
    language are named together."""
    r = client.get("/v1/notification-templates/out_for_delivery/pt", headers=tenant.h("read"))
    assert r.status_code == 200, r.text
    view = r.json()
    assert {"window", "day", "tracking_url", "customer_name"} <= set(view["variables"])
    assert "code" not in view["variables"]
    assert view["own"] is None and "{{ tracking_url }}" in view["doorstep"]["sms"]
    assert set(view["doorstep"]) == {"subject", "sms", "text", "html"} and all(view["doorstep"].values())
    _rules_with(client, tenant, [OWN])
    again = client.get("/v1/notification-templates/out_for_delivery/pt", headers=tenant.h("read")).json()
    assert again["own"] == {k: OWN[k] for k in ("subject", "sms", "text", "html")}
    assert again["doorstep"] == view["doorstep"]
    other = client.get("/v1/notification-templates/out_for_delivery/fr", headers=tenant.h("read")).json()
    assert other["own"] is None  # the organization's Portuguese wording only
    bad = client.get("/v1/notification-templates/driver_invite/xx", headers=tenant.h("read"))
    assert bad.status_code == 422
    assert [(d["code"], d["loc"]) for d in bad.json()["error"]["details"]] == [
        ("E1460", ["trigger"]), ("E1466", ["language"]),
    ]  # fmt: skip


def test_a_preview_fills_in_a_sample_delivery_in_the_language(client: TestClient, tenant: Tenant) -> None:
    """The Portuguese template reads the sample customer, order, day and window in Portuguese, the HTML escapes
    the sender's name (not the template's own text) and carries the unsaved colour; a plain-ASCII SMS is one
    GSM-7 part; the rules are unchanged."""
    before = client.get(RULES, headers=tenant.h()).json()
    sender = {"name": "Loja Exemplo & Filhos", "logo_url": "", "colour": "#aa3300"}
    r = client.post(PREVIEW, json={"template": OWN, "sender": sender}, headers=tenant.h("read"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["subject"] == "A SHOP-1042 sai hoje, Ana Silva"
    assert out["text"] == "Chega quarta-feira, 17 de junho de 2026, 11:00 – 13:00."
    assert out["html"] == '<p style="color: #aa3300">Olá <b>Ana Silva</b> & Loja Exemplo &amp; Filhos</p>'
    assert out["sms"] == "Encomenda SHOP-1042: http://127.0.0.1:8000/t/example"
    assert out["sms_length"] == {"encoding": "GSM-7", "units": len(out["sms"]), "parts": 1}
    window_sms = {**OWN, "sms": "{{ order_ref }} chega entre {{ window }}, {{ day }}. Siga: {{ tracking_url }}"}
    dashed = client.post(PREVIEW, json={"template": window_sms}, headers=tenant.h("read")).json()
    assert "11:00 - 13:00" in dashed["sms"]  # the window's en dash goes out as a hyphen: GSM-7 stays GSM-7
    assert dashed["sms_length"] == {"encoding": "GSM-7", "units": len(dashed["sms"]), "parts": 1}
    accented = {**OWN, "sms": "Olá {{ customer_name }}, a {{ order_ref }} chega {{ day }}, {{ window }}."}
    long = client.post(PREVIEW, json={"template": accented}, headers=tenant.h("read")).json()
    assert long["sms_length"]["encoding"] == "UCS-2"  # á is outside the GSM alphabet: letters are kept
    assert long["sms_length"]["parts"] == 2 and long["sms_length"]["units"] == len(long["sms"]) > 70
    assert client.get(RULES, headers=tenant.h()).json() == before


def test_every_problem_of_a_previewed_template_is_named_at_its_field(client: TestClient, tenant: Tenant) -> None:
    """Unknown variables in the subject and the SMS (E1133, the name in id), a text that does not parse and an
    over-long subject (E1466) and a bad sender colour (E1464), in one 422."""
    broken = {**OWN, "subject": "{{ nope }}" + "x" * 10, "sms": "{{ code }} {{ nope }}", "text": "Chega {{ day"}
    r = client.post(PREVIEW, json={"template": broken, "sender": {"colour": "red"}}, headers=tenant.h("read"))
    assert r.status_code == 422, r.text
    found = sorted((d["code"], tuple(d["loc"]), d.get("id")) for d in r.json()["error"]["details"])
    assert found == [
        ("E1133", ("template", "sms"), "code"), ("E1133", ("template", "sms"), "nope"),
        ("E1133", ("template", "subject"), "nope"), ("E1464", ("sender", "colour"), None),
        ("E1466", ("template", "text"), None),
    ]  # fmt: skip
    too_long = client.post(PREVIEW, json={"template": {**OWN, "subject": "x" * 201}}, headers=tenant.h("read"))
    assert [(d["code"], d["loc"]) for d in too_long.json()["error"]["details"]] == [("E1466", ["template", "subject"])]
    shape = client.post(PREVIEW, json={"subject": "x"}, headers=tenant.h("read"))
    assert shape.status_code == 422 and shape.json()["error"]["code"] == "E1466"
