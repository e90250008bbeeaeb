"""The OpenAPI document tells the truth: every /api/v1 route is in it with its
methods, every documented path exists, and real responses fit their schemas."""
from __future__ import annotations

import re

from tests.conftest import EDITOR_PASSWORD
from tests.inbox_helpers import add_comment, add_editor

PREFIX = "/api/v1"


def _doc(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _rule_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule[len(PREFIX):])


def test_every_route_is_documented_and_every_documented_path_exists(app, client):
    doc = _doc(client)
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            methods = {m.lower() for m in rule.methods} - {"head", "options"}
            routes.setdefault(_rule_to_openapi(rule.rule), set()).update(methods)
    documented = {path: set(ops) for path, ops in doc["paths"].items()}
    assert routes == documented
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), f"{method.upper()} {path} has no summary"
            assert op.get("responses"), f"{method.upper()} {path} documents no responses"
            for param in re.findall(r"{([^}]+)}", path):
                assert any(p["name"] == param and p["in"] == "path" for p in op.get("parameters", [])), \
                    f"{method.upper()} {path}: path parameter {param} is not described"


# -- a tiny JSON-Schema checker: the subset the document uses ------------------
def check(schema: dict, value, doc: dict, where: str = "$") -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return check(doc["components"]["schemas"][name], value, doc, where)
    errors: list[str] = []
    for sub in schema.get("allOf", []):
        errors += check(sub, value, doc, where)
    if "oneOf" in schema:
        if sum(not check(sub, value, doc, where) for sub in schema["oneOf"]) != 1:
            errors.append(f"{where}: matches not exactly one of oneOf")
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        python = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
                  "integer": int, "number": (int, float)}
        ok = any(isinstance(value, python[t]) and not (t in ("integer", "number") and isinstance(value, bool))
                 for t in types)
        if not ok:
            return [f"{where}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{where}: missing {key}")
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += check(sub, value[key], doc, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += check(schema["items"], item, doc, f"{where}[{i}]")
    return errors


def response_schema(doc, path, method, status, content_type="application/json"):
    return doc["paths"][path][method]["responses"][str(status)]["content"][content_type]["schema"]


def test_checker_catches_mistakes(app, client):
    doc = _doc(client)
    schema = {"$ref": "#/components/schemas/Comment"}
    assert check(schema, {"id": "1", "site_id": "a", "status": "pending", "version": 1, "date_gmt": "x"}, doc)
    assert check(schema, {"id": 1, "site_id": "a", "status": "bogus", "version": 1, "date_gmt": "x"}, doc)
    assert check(schema, {"site_id": "a", "status": "pending", "version": 1, "date_gmt": "x"}, doc)


def test_real_responses_match_their_schemas(app, bridge, client, auth):
    parent = add_comment(bridge.store, site="a", text="first", status="approved")
    child = add_comment(bridge.store, site="a", text="second", parent_id=parent, author_url="https://x.example/")
    add_comment(bridge.store, site="b", text="other site")
    add_editor(bridge.store, "ed", sites=["a"])
    auth.login()
    doc = _doc(client)
    listing = client.get(f"{PREFIX}/comments?status=all&limit=1")
    assert listing.status_code == 200
    assert check(response_schema(doc, "/comments", "get", 200), listing.get_json(), doc) == []
    assert listing.get_json()["next_cursor"]
    one = client.get(f"{PREFIX}/comments/{child}")
    assert check(response_schema(doc, "/comments/{comment_id}", "get", 200), one.get_json(), doc) == []
    jobs = client.get(f"{PREFIX}/jobs")
    assert check(response_schema(doc, "/jobs", "get", 200), jobs.get_json(), doc) == []
    me = client.get(f"{PREFIX}/me")
    assert check(response_schema(doc, "/me", "get", 200), me.get_json(), doc) == []
    # problems
    problem_schema = response_schema(doc, "/comments/{comment_id}", "get", 404, "application/problem+json")
    missing = client.get(f"{PREFIX}/comments/999999")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert check(problem_schema, missing.get_json(), doc) == []
    stale = client.post(f"{PREFIX}/comments/{child}/actions", json={"action": "approve", "version": 99},
                        headers={"X-CSRF-Token": auth.csrf})
    assert stale.status_code == 409
    assert check(response_schema(doc, "/comments/{comment_id}/actions", "post", 409, "application/problem+json"),
                 stale.get_json(), doc) == []
    auth.logout()
    auth.login("ed", EDITOR_PASSWORD)
    hidden = client.post(f"{PREFIX}/comments/actions", json={"action": "spam", "filter": {"site": "b"}},
                         headers={"X-CSRF-Token": auth.csrf})
    assert hidden.status_code == 404
    assert check(response_schema(doc, "/comments/actions", "post", 404, "application/problem+json"),
                 hidden.get_json(), doc) == []


# -- issue 9 item 5: what schemathesis found wrong in the document ------------------
def test_components_have_one_name_each_and_the_comments_bulk_answer_fits_its_own(app, bridge, client, auth):
    from bridge.web.api.openapi import add_schema

    doc = _doc(client)
    assert {"CommentBulkResult", "ItemBulkResult"} <= set(doc["components"]["schemas"])
    assert "BulkResult" not in doc["components"]["schemas"]
    try:
        add_schema("Comment", {"type": "string"})
    except ValueError as exc:
        assert "'Comment' is declared twice" in str(exc)
    else:
        raise AssertionError("a second, different Comment component was accepted")
    add_comment(bridge.store, site="a", text="one")
    auth.login()
    answer = client.post(f"{PREFIX}/comments/actions", json={"action": "approve", "filter": {}},
                         headers={"X-CSRF-Token": auth.csrf})
    assert answer.status_code == 200 and len(answer.get_json()["applied"]) == 1
    assert check(response_schema(doc, "/comments/actions", "post", 200), answer.get_json(), doc) == []


def test_empty_to_and_null_filter_values_are_documented_and_wrong_types_refused(app, bridge, client, auth):
    add_comment(bridge.store, site="a", text="one", date="2026-01-01T10:00:00.000000Z")
    auth.login()
    doc = _doc(client)
    params = {p["name"]: p["schema"] for p in doc["paths"]["/comments"]["get"]["parameters"]}
    for name in ("from", "to"):
        assert "format" not in params[name] and "empty: no bound" in params[name]["description"]
    empty = client.get(f"{PREFIX}/comments", query_string={"to": "", "from": "", "status": ""})
    assert empty.status_code == 200 and len(empty.get_json()["comments"]) == 1
    bad = client.get(f"{PREFIX}/comments", query_string={"to": "yesterday"})
    assert bad.status_code == 400 and "to='yesterday' is not a date" in bad.get_json()["detail"]

    body = doc["paths"]["/comments/actions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    flt = body["oneOf"][1]["properties"]["filter"]
    assert flt["properties"]["status"]["type"] == ["string", "null"] and None in flt["properties"]["status"]["enum"]
    assert flt["additionalProperties"] is False
    # "approve", not "hold": holding a comment that is already pending is refused as nothing to do
    nulls = client.post(f"{PREFIX}/comments/actions",
                        json={"action": "approve", "filter": {"status": None, "site": None}},
                        headers={"X-CSRF-Token": auth.csrf})
    assert nulls.status_code == 200 and len(nulls.get_json()["applied"]) == 1  # null status: pending, as documented
    number = client.post(f"{PREFIX}/comments/actions", json={"action": "hold", "filter": {"site": 5}},
                         headers={"X-CSRF-Token": auth.csrf})
    assert number.status_code == 400 and "filter.site=5 is not a string" in number.get_json()["detail"]


def test_an_empty_reply_is_a_documented_422(app, bridge, client, auth):
    comment = add_comment(bridge.store, site="a", text="one")
    auth.login()
    doc = _doc(client)
    replies = doc["paths"]["/comments/{comment_id}/replies"]["post"]
    assert "empty" in replies["responses"]["422"]["description"]
    assert "422" in replies["requestBody"]["content"]["application/json"]["schema"]["properties"]["text"][
        "description"]
    for text in ("", "   \n"):
        answer = client.post(f"{PREFIX}/comments/{comment}/replies", json={"text": text},
                             headers={"X-CSRF-Token": auth.csrf})
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
        assert answer.get_json()["detail"] == "The reply is empty; write something first."
        assert check(response_schema(doc, "/comments/{comment_id}/replies", "post", 422, "application/problem+json"),
                     answer.get_json(), doc) == []


def test_405_answers_say_which_methods_are_allowed_everywhere(app, client, auth):
    """RFC 9110 §15.5.6: a 405 carries Allow — on the API, on webhooks and on pages."""
    auth.login()
    api = client.post(f"{PREFIX}/me", headers={"X-CSRF-Token": auth.csrf})
    assert api.status_code == 405 and api.mimetype == "application/problem+json"
    assert set(api.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    one = client.delete(f"{PREFIX}/comments/1", headers={"X-CSRF-Token": auth.csrf})
    assert one.status_code == 405 and "GET" in one.headers["Allow"]
    hook = client.get("/webhooks/social/any")
    assert hook.status_code == 405 and "POST" in hook.headers["Allow"]
    page = client.put("/login", headers={"X-CSRF-Token": auth.csrf})
    assert page.status_code == 405 and page.mimetype == "text/html"
    assert {"GET", "POST"} <= set(page.headers["Allow"].replace(" ", "").split(","))
