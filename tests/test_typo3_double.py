"""The TYPO3 double honours EXT:reactions' HTTP contract.

The contract is TYPO3-CMS/reactions' (12.4 and 13.4 alike): Configuration/Backend/Routes.php,
Classes/Http/Middleware/ReactionResolver.php, Classes/Http/ReactionHandler.php and
Classes/Reaction/CreateRecordReaction.php; where a test says "observed", that is what real
TYPO3 12.4/13.4 instances answered (tests/typo3_double/core.py says where).
"""
from __future__ import annotations

import time
import uuid

import pytest
import requests

NEWS_FIELDS = {"title": "${title}", "teaser": "${teaser}", "bodytext": "${html}", "datetime": "${published_ts}",
               "author": "${author.name}", "externalurl": "${source_url}"}
FULL_BODY = {"title": "Post from @acme", "teaser": "Short", "html": "<p>Full</p>", "published_ts": 1735732800,
             "author": {"name": "ACME Corp"}, "source_url": "https://mastodon.social/@acme/1234"}


def post(url, key=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if key is not None:
        headers["x-api-key"] = key
    return requests.post(url, headers=headers, allow_redirects=False, timeout=5, **kwargs)


@pytest.fixture
def news_reaction(typo3):
    return typo3.add_reaction("create-record", table="tx_news_domain_model_news", fields=NEWS_FIELDS)


def test_created_record_answers_201_with_header(typo3, news_reaction):
    url, secret = news_reaction
    response = post(url, secret, json=FULL_BODY)
    assert (response.status_code, response.text) == (201, '{"success":true}')
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-TYPO3-Reaction-Success"] == "true"
    [row] = typo3.rows("tx_news_domain_model_news")
    assert (row["title"], row["teaser"], row["bodytext"], row["author"]) == (
        "Post from @acme", "Short", "<p>Full</p>", "ACME Corp")
    assert row["datetime"] == 1735732800 and row["pid"] == 5
    assert row["path_segment"] == "post-from-acme"


@pytest.mark.parametrize(("key", "path_tail", "status", "error"), [
    (None, "{uuid}", 400, "Invalid information"),
    ("", "{uuid}", 400, "Invalid information"),
    ("x", "not-a-uuid", 400, "Invalid information"),
    ("x", "3f2c1a9e-7b4d-4c6e-9a1f-2b3c4d5e6f70", 404, "No reaction found for given identifier"),  # valid, unknown
    ("wrong", "{uuid}", 401, "Invalid secret given"),
])
def test_resolver_errors_have_no_success_header(typo3, news_reaction, key, path_tail, status, error):
    url, _ = news_reaction
    identifier = url.rsplit("/", 1)[1]
    response = post(f"{typo3.base_url}/typo3/reaction/{path_tail.format(uuid=identifier)}", key, json=FULL_BODY)
    assert response.status_code == status
    assert response.json() == {"success": False, "error": error}
    assert "X-TYPO3-Reaction-Success" not in response.headers
    assert typo3.rows("tx_news_domain_model_news") == []


def test_unknown_uuid_without_key_is_400_with_key_404(typo3):
    url = f"{typo3.base_url}/typo3/reaction/{uuid.uuid4()}"
    assert post(url).status_code == 400
    assert post(url, "some-key").status_code == 404


def test_no_segment_is_invalid_information(typo3):
    response = post(f"{typo3.base_url}/typo3/reaction", "key")
    assert (response.status_code, response.json()["error"]) == (400, "Invalid information")


def test_unregistered_reaction_type_is_404_without_header(typo3):
    url, secret = typo3.add_reaction("bridge-upsert-news")
    typo3.set_connector_installed(False)
    response = post(url, secret, json={"probe": True})
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "No reaction found for given reaction type"}
    assert "X-TYPO3-Reaction-Success" not in response.headers


def test_disabled_or_expired_reaction_is_not_found(typo3):
    url, secret = typo3.add_reaction("create-record", table="tt_content", fields={"header": "x"}, hidden=1)
    assert post(url, secret, json={}).status_code == 404
    url, secret = typo3.add_reaction("create-record", table="tt_content", fields={"header": "x"}, endtime=1000)
    assert post(url, secret, json={}).status_code == 404


def test_create_record_configuration_errors(typo3):
    url, secret = typo3.add_reaction("create-record", table="be_users", fields={"username": "x"})
    response = post(url, secret, json={})
    assert response.status_code == 400
    assert response.text == '{"success":false,"error":"Invalid argument \\"table_name\\""}'
    assert response.headers["X-TYPO3-Reaction-Success"] == "false"
    url, secret = typo3.add_reaction("create-record", table="tt_content", fields={})
    response = post(url, secret, json={})
    assert (response.status_code, response.json()["error"]) == (400, "No fields given.")
    assert response.headers["X-TYPO3-Reaction-Success"] == "false"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_405_with_empty_html(typo3, news_reaction, method):
    response = requests.request(method, news_reaction[0], timeout=5)
    assert response.status_code == 405
    assert response.text == ""
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Allow" not in response.headers


@pytest.mark.parametrize("tail", ["/", ""])
def test_trailing_slash_redirects_to_login(typo3, news_reaction, tail):
    url = news_reaction[0] + "/" if tail == "/" else f"{typo3.base_url}/typo3/reaction/"
    response = post(url, news_reaction[1], json=FULL_BODY)
    assert response.status_code == 302
    assert response.headers["Location"] == "/typo3/login"
    assert response.text == ""


def test_header_name_is_case_insensitive_but_bearer_is_not_accepted(typo3, news_reaction):
    url, secret = news_reaction
    assert post(url, headers={"X-API-KEY": secret}, json=FULL_BODY).status_code == 201
    response = post(url, headers={"Authorization": f"Bearer {secret}"}, json=FULL_BODY)
    assert (response.status_code, response.json()["error"]) == (400, "Invalid information")


def test_secret_is_stored_hashed(typo3, news_reaction):
    [row] = typo3.rows("sys_reaction")
    assert news_reaction[1] not in row["secret"]
    assert len(news_reaction[1]) == 40


@pytest.mark.parametrize("body", [b"not json", b"", b"42", b"title=x"])
def test_unusable_body_still_creates_record_with_literal_placeholders(typo3, news_reaction, body):
    url, secret = news_reaction
    assert post(url, secret, data=body).status_code == 201
    [row] = typo3.rows("tx_news_domain_model_news")
    assert row["title"] == "${title}" and row["author"] == "${author.name}"
    assert row["datetime"] == 0  # "${published_ts}" is no datetime


def test_placeholder_casts_and_missing_keys(typo3):
    fields = {"header": "${a} ${b}", "subheader": "${missing}", "bodytext": "${list.1.x}|${t}|${f}|${n}|${arr}",
              "header_link": "${obj.name}"}
    url, secret = typo3.add_reaction("create-record", table="tt_content", fields=fields)
    payload = {"a": 42, "b": 42.5, "list": [{}, {"x": "deep"}], "t": True, "f": False, "n": None,
               "arr": [1, 2], "obj": "a string"}
    assert post(url, secret, json=payload).status_code == 201
    [row] = typo3.rows("tt_content")
    assert row["header"] == "42 42.5"
    assert row["subheader"] == "${missing}"
    assert row["bodytext"] == "deep|1|||Array"
    assert row["header_link"] == "${obj.name}"


def test_value_with_placeholder_syntax_is_inserted_literally(typo3):
    url, secret = typo3.add_reaction("create-record", table="tt_content", fields={"header": "${a}"})
    post(url, secret, json={"a": "${b}", "b": "no"})
    assert typo3.rows("tt_content")[0]["header"] == "${b}"


def test_payload_cannot_set_pid_uid_or_hidden(typo3):
    url, secret = typo3.add_reaction("create-record", table="tt_content", storage_pid=7,
                                     fields={"header": "${h}", "pid": "${pid}", "hidden": "1"})
    post(url, secret, json={"h": "x", "pid": 99})
    [row] = typo3.rows("tt_content")
    assert (row["pid"], row["hidden"]) == (7, 0)


def test_too_long_values_are_truncated_silently(typo3):
    url, secret = typo3.add_reaction("create-record", table="tt_content", fields={"header": "${h}"})
    response = post(url, secret, json={"h": "x" * 300})
    assert response.status_code == 201
    assert typo3.rows("tt_content")[0]["header"] == "x" * 255


def test_slug_is_made_unique(typo3, news_reaction):
    for _ in range(3):
        post(news_reaction[0], news_reaction[1], json=FULL_BODY)
    assert [r["path_segment"] for r in typo3.rows("tx_news_domain_model_news")] == [
        "post-from-acme", "post-from-acme-1", "post-from-acme-2"]


def test_disabled_or_unprivileged_user_is_record_could_not_be_created(typo3, news_reaction):
    url, secret = news_reaction
    typo3.set_user_disabled()
    response = post(url, secret, json=FULL_BODY)
    assert (response.status_code, response.json()) == (400, {"success": False, "error": "Record could not be created"})
    assert response.headers["X-TYPO3-Reaction-Success"] == "false"
    typo3.set_user_disabled(False)
    typo3.set_user_tables(["tt_content"])
    assert post(url, secret, json=FULL_BODY).status_code == 400
    assert typo3.rows("tx_news_domain_model_news") == []


def test_utf8mb3_refuses_emoji(typo3, news_reaction):
    url, secret = news_reaction
    typo3.set_utf8mb3()
    emoji = {**FULL_BODY, "title": "Turbine 🌬️"}
    assert post(url, secret, json=emoji).json()["error"] == "Record could not be created"
    assert post(url, secret, json={**FULL_BODY, "title": "Turbine ☀"}).status_code == 201  # BMP is fine
    typo3.set_utf8mb3(False)
    assert post(url, secret, json=emoji).status_code == 201


def test_latency_applies_only_after_the_lookup(typo3, news_reaction):
    url, secret = news_reaction
    typo3.set_latency(0.7)  # the password-hash check, about 0.7 s observed on TYPO3 12.4/13.4
    started = time.monotonic()
    assert post(url, "wrong").status_code == 401
    assert time.monotonic() - started >= 0.7
    started = time.monotonic()
    assert post(url).status_code == 400  # early rejection: no secret check
    assert time.monotonic() - started < 0.5


def test_connector_probe_has_reaction_header(typo3):
    url, secret = typo3.add_reaction("bridge-list-comments")
    response = post(url, secret, json={"probe": True})
    assert response.status_code == 200
    assert response.headers["X-TYPO3-Reaction-Success"] == "true"
    body = response.json()
    assert body["type"] == "bridge-list-comments" and body["problems"] == []
    assert body["comment_sources"] == ["blog", "pw_comments"]


def test_connector_refuses_empty_body(typo3):
    url, secret = typo3.add_reaction("bridge-upsert-news")
    response = post(url, secret, data=b"garbage")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_payload"
    assert response.headers["X-TYPO3-Reaction-Success"] == "false"
    assert typo3.rows("tx_news_domain_model_news") == []


def test_reply_key_is_validated_and_answers_the_existing_reply(typo3):
    """connectors/typo3/README.md "bridge-reply", Idempotency: key."""
    parent = typo3.add_pw_comment("Nice", hidden=0)
    url, secret = typo3.add_reaction("bridge-reply")
    body = {"parent_id": f"pw_comments:{parent}", "message": "Thanks", "author_name": "Team", "author_email": ""}
    for bad in ("", "x" * 65, 17, "a b", "4711\n"):
        response = post(url, secret, json={**body, "key": bad})
        assert (response.status_code, response.json()["code"]) == (400, "invalid_payload"), bad
        assert list(response.json()["details"]) == ["key"]
    assert typo3.rows("tx_pwcomments_domain_model_comment", "parent_comment > 0") == []

    first = post(url, secret, json={**body, "key": "x" * 64})
    assert first.status_code == 201 and first.json()["created"] is True
    again = post(url, secret, json={**body, "key": "x" * 64})
    assert again.status_code == 200 and again.headers["X-TYPO3-Reaction-Success"] == "true"
    assert again.json()["created"] is False and again.json()["comment"] == first.json()["comment"]
    assert len(typo3.rows("tx_pwcomments_domain_model_comment", "parent_comment = ?", (parent,))) == 1
    assert len(typo3.rows("tx_cmsbridgeconnector_reply")) == 1
    assert post(url, secret, json={**body, "key": None}).status_code == 201  # null: no key


@pytest.mark.parametrize("retry_after", ["120", "Wed, 21 Oct 2065 07:28:00 GMT", None])
def test_rate_limit_switch_answers_429_before_typo3(typo3, news_reaction, retry_after):
    url, secret = news_reaction
    typo3.set_rate_limited(retry_after, times=2)
    for _ in range(2):
        response = post(url, secret, json=FULL_BODY)
        assert response.status_code == 429 and response.headers["Content-Type"].startswith("text/html")
        assert response.headers.get("Retry-After") == retry_after
        assert "X-TYPO3-Reaction-Success" not in response.headers
    assert typo3.requests == [] and typo3.rows("tx_news_domain_model_news") == []  # TYPO3 saw nothing
    assert post(url, secret, json=FULL_BODY).status_code == 201
    assert typo3.app.rate_limited_count == 2


# -- DataHandler semantics observed on TYPO3 12.4/13.4: fields the group may not edit dropped with a 201,
# a resent image adds a sys_file_reference, create-record sent twice makes two records -------------

IMAGE_FIELDS = {"import_source": "cms-bridge", "title": "Turbine", "teaser": "", "bodytext": "", "datetime": 1,
                "author": "", "externalurl": "", "attribution": None}


def jpeg_image(color) -> dict:
    import base64  # noqa: PLC0415
    import hashlib  # noqa: PLC0415
    import io  # noqa: PLC0415

    from PIL import Image  # noqa: PLC0415

    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    data = out.getvalue()
    return {"content_type": "image/jpeg", "sha256": hashlib.sha256(data).hexdigest(),
            "content_base64": base64.b64encode(data).decode(), "alt": "Blades"}


@pytest.mark.parametrize(("legacy", "expected"), [(True, [1, 2, 3, 3]), (False, [1, 1, 1, 0])])
def test_image_references_add_up_unless_deleted_by_command(typo3, legacy, expected):
    """The 1.1.0 arrays (a NEW reference in fal_media, no delete command) leave 2, then 3 live
    references on DataHandler's model, as on real 12.4/13.4; the 1.2.0 plan leaves 1, 1, 0."""
    typo3.connector.legacy_image_handling = legacy
    url, secret = typo3.add_reaction("bridge-upsert-news")
    counts = []
    for image in (jpeg_image((200, 0, 0)), jpeg_image((200, 0, 0)), jpeg_image((0, 0, 200)), None):
        response = post(url, secret, json={**IMAGE_FIELDS, "import_id": "inst-1", "image": image})
        assert response.status_code in (200, 201), response.text
        counts.append(len(typo3.live_references(response.json()["uid"])))
    assert counts == expected
    [news] = typo3.rows("tx_news_domain_model_news")
    assert news["fal_media"] == (1 if legacy else 0)  # the field counts the listed children only


def test_excluded_fields_are_dropped_silently_by_create_record(typo3, news_reaction):
    """12.4's group had exactly the 1.1.0 README's rights: 201, teaser and author NULL
    (F2/F6 of tests/contract/typo3/README.md)."""
    from tests.typo3_double.fixtures import README_1_1_FIELDS  # noqa: PLC0415

    typo3.set_excluded_fields(README_1_1_FIELDS)
    url, secret = news_reaction
    assert post(url, secret, json=FULL_BODY).status_code == 201
    [row] = typo3.rows("tx_news_domain_model_news")
    assert (row["title"], row["teaser"], row["author"]) == ("Post from @acme", None, None)
    typo3.grant_fields("tx_news_domain_model_news:teaser")
    post(url, secret, json=FULL_BODY)
    assert (typo3.rows("tx_news_domain_model_news")[-1]["teaser"], typo3.rows("tx_news_domain_model_news")[-1][
        "author"]) == ("Short", None)


def test_connector_refuses_before_writing_what_datahandler_would_drop(typo3):
    url, secret = typo3.add_reaction("bridge-upsert-news")
    body = {**IMAGE_FIELDS, "import_id": "inst-1", "teaser": "Kept", "author": "Ann", "image": None}
    created = post(url, secret, json=body).json()
    typo3.revoke_fields("tx_news_domain_model_news:teaser", "tx_news_domain_model_news:author")
    probe = post(url, secret, json={"probe": True}).json()
    assert probe["fields"]["not_writable"] == ["tx_news_domain_model_news:teaser",
                                               "tx_news_domain_model_news:author"]
    assert "Allowed excludefields" in probe["problems"][0]
    assert post(url, secret, json=body).status_code == 200  # unchanged values are not lost
    refused = post(url, secret, json={**body, "title": "Edited", "teaser": "Edited"})
    assert refused.status_code == 403 and refused.headers["X-TYPO3-Reaction-Success"] == "false"
    assert refused.json()["code"] == "forbidden" and list(refused.json()["details"]) == ["teaser"]
    row = typo3.row("tx_news_domain_model_news", created["uid"])
    assert (row["title"], row["teaser"]) == ("Turbine", "Kept")  # nothing written


def test_a_field_map_stored_as_a_json_string_creates_empty_records(typo3):
    """sys_reaction.fields is a JSON column: a pre-encoded string is encoded twice, the reaction's
    (array) cast makes it field "0", which DataHandler ignores (F6, tests/contract/typo3/README.md)."""
    url, secret = typo3.add_reaction("create-record", table="tx_news_domain_model_news",
                                     fields='{"title": "${title}"}')
    assert post(url, secret, json=FULL_BODY).status_code == 201
    [row] = typo3.rows("tx_news_domain_model_news")
    assert (row["title"], row["pid"]) == ("", 5)


def test_delete_command_soft_deletes_inline_children_and_nothing_else(typo3):
    url, secret = typo3.add_reaction("bridge-upsert-news")
    news = post(url, secret, json={**IMAGE_FIELDS, "import_id": "i", "image": jpeg_image((9, 9, 9))}).json()
    comment = typo3.add_pw_comment("On the news", entry_uid=news["uid"])
    unpublish_url, unpublish_secret = typo3.add_reaction("bridge-unpublish")
    post(unpublish_url, unpublish_secret, json={"uid": news["uid"], "import_source": "", "import_id": "",
                                                "mode": "delete"})
    assert typo3.live_references(news["uid"]) == []
    assert typo3.rows("sys_file_reference", "deleted = 1") != []
    assert typo3.row("tx_pwcomments_domain_model_comment", comment)["deleted"] == 0  # no cascade beyond TCA
    assert len(typo3.rows("sys_file")) == 1  # the file stays in FAL


@pytest.mark.parametrize(("identifier", "status"), [
    ("00000000-0000-0000-0000-000000001234", 400),  # variant nibble 0: not RFC 4122
    ("00000000-0000-4000-c000-000000000000", 400),  # variant c: reserved
    ("00000000-0000-4000-b000-000000000000", 404),
    ("00000000-0000-0000-0000-000000000000", 404),  # Uuid::NIL is valid
])
def test_reaction_ids_follow_symfony_uuid_is_valid(typo3, identifier, status):
    response = post(f"{typo3.base_url}/typo3/reaction/{identifier}", "some-key", json={})
    assert response.status_code == status


def test_probe_reports_the_configured_typo3_version(typo3):
    url, secret = typo3.add_reaction("bridge-reply")
    typo3.set_typo3_version("12.4.45")
    assert post(url, secret, json={"probe": True}).json()["typo3_version"] == "12.4.45"


@pytest.mark.parametrize(("setup", "problem"), [
    (lambda t: t.set_file_permissions([]), '"Files: Add" (addFile)'),
    (lambda t: t.set_file_permissions(["readFolder", "writeFolder", "addFile"], mounts=[]),
     "has no file mount containing 1:/cms_bridge/"),
    (lambda t: t.set_file_permissions(["readFolder", "writeFolder", "addFile"],
                                      mounts=[t.add_file_mount("1:/cms_bridge/", read_only=True)]), "is read-only"),
    (lambda t: t.set_file_permissions(["readFolder", "writeFolder", "addFile", "addFolder"],
                                      mounts=[t.add_file_mount("1:/not-there/")]), "which does not exist"),
])
def test_images_need_the_users_file_rights_though_fal_checks_none_in_a_reaction(typo3, setup, problem):
    """F4 (tests/contract/typo3/README.md): the real upload worked with no file permissions and a
    mount on a missing folder; 1.2.0 applies the user's rights itself (FileWriteAccess) and refuses
    before storing anything."""
    setup(typo3)
    url, secret = typo3.add_reaction("bridge-upsert-news")
    probe = post(url, secret, json={"probe": True}).json()
    assert any(problem in p for p in probe["problems"]), probe["problems"]
    response = post(url, secret, json={**IMAGE_FIELDS, "import_id": "i", "image": jpeg_image((1, 2, 3))})
    assert response.status_code == 403 and response.json()["details"] == {
        "image": "the service user may not store images in the image folder"}
    assert typo3.rows("sys_file") == [] and typo3.rows("tx_news_domain_model_news") == []
