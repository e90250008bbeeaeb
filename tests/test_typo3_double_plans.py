"""The double's connector model sends DataHandler exactly the arrays the PHP connector sends.

``connectors/typo3/Tests/Fixtures/datahandler-plans.json`` is the connector's own fixture
(request + site state → the datamap/cmdmap of ImageReferencePlan / UnpublishPlan, the answer's
``image`` and the live references afterwards); the connector's PHPUnit checks its PHP against
it. Here every case is replayed through the double: its state is seeded into the tables, the
request goes through the connector model, and the arrays its DataHandler received, the answer
and the references left live must be the fixture's.
"""
from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from tests.typo3_double.connector import NEWS, REFERENCE, Connector
from tests.typo3_double.database import Database

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = "connectors/typo3/Tests/Fixtures/datahandler-plans.json"


def load_plans() -> dict:
    """The fixture from this checkout; before the connector branch is merged into it, the same file
    as that branch has it (read with git, never copied into this branch)."""
    path = ROOT / FIXTURE
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"typo3-connector:{FIXTURE}"], capture_output=True,
                           text=True, check=False)
    assert shown.returncode == 0, f"{FIXTURE} is in neither this checkout nor the typo3-connector branch"
    return json.loads(shown.stdout)


PLANS = load_plans()
USER = {"uid": 1, "username": "admin", "admin": 1, "tables_modify": "", "non_exclude_fields": ""}


def seed(db: Database, case: dict) -> None:
    state = case["state"]
    news = state["news"]
    if news:
        db.insert_raw(NEWS, {"uid": news["uid"], "pid": news["pid"], "hidden": news["hidden"], "title": "Seeded",
                             "import_source": "cms-bridge", "import_id": "inst-1", "path_segment": "seeded"})
    files = {}
    for ref in state["live_references"]:
        if ref["file_sha1"] is not None and ref["file_uid"] not in files:
            files[ref["file_uid"]] = ref["file_sha1"]
            db.insert_raw("sys_file", {"uid": ref["file_uid"], "storage": 1, "identifier": f"/seed/{ref['file_uid']}",
                                       "sha1": ref["file_sha1"]})
        db.insert_raw(REFERENCE, {"uid": ref["uid"], "uid_local": ref["file_uid"], "uid_foreign": news["uid"],
                                  "tablenames": NEWS, "fieldname": "fal_media", "alternative": ref["alternative"],
                                  "pid": news["pid"], "sorting_foreign": ref["uid"]})
    first = case.get("imported_file_uid") or min(case.get("imported_file_uids", {}).values(), default=None)
    if first is not None:  # the uid FAL hands out next (an images list imports its files in order)
        db.conn.execute("DELETE FROM sqlite_sequence WHERE name = 'sys_file'")  # no unique key on name
        db.conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('sys_file', ?)", (first - 1,))


def image_payload(requested: dict) -> dict:
    source = PLANS["images"][requested["image"]]
    return {"content_type": source["content_type"], "sha256": source["sha256"],
            "content_base64": source["content_base64"], "alt": requested["alt"]}


def upsert_payload(case: dict) -> dict:
    payload = {"import_source": "cms-bridge", "import_id": "inst-1", "title": "Turbine", "teaser": "", "bodytext": "",
               "datetime": 1735732800, "author": "", "externalurl": "", "attribution": None}
    if "images" in case["request"]:  # 1.3.0
        return {**payload, "images": [image_payload(r) for r in case["request"]["images"]]}
    requested = case["request"]["image"]
    return {**payload, "image": None if requested is None else image_payload(requested)}


def as_fixture(value, names: dict):
    """The double's arrays in the fixture's spelling: uids as strings, NEW ids as placeholders."""
    if isinstance(value, dict):
        return {names.get(str(k), str(k)): as_fixture(v, names) for k, v in value.items()}
    if isinstance(value, str):
        return names.get(value, value)
    return value


def image_part(datamap: dict) -> dict:
    """The fixture's upsert datamap holds the image part only: references, and the news' fal_media."""
    out = {table: dict(records) for table, records in datamap.items() if table != NEWS}
    news = {key: {"fal_media": fields["fal_media"]} for key, fields in datamap.get(NEWS, {}).items()
            if "fal_media" in fields}
    if news:
        out[NEWS] = news
    return out


def live_after(db: Database, news_uid: int, names: dict) -> list:
    rows = db.query(f"SELECT uid FROM {REFERENCE} WHERE tablenames = ? AND uid_foreign = ? AND fieldname ="
                    " 'fal_media' AND deleted = 0 ORDER BY sorting_foreign, uid", (NEWS, news_uid))
    return [names.get(str(r["uid"]), r["uid"]) for r in rows]


@pytest.mark.parametrize("case", PLANS["cases"], ids=[c["name"] for c in PLANS["cases"]])
def test_connector_model_builds_the_fixture_arrays_and_effects(case):
    db = Database()
    connector = Connector(db, lambda: "http://typo3.test")
    seed(db, case)
    reaction = {"reaction_type": f"bridge-{case['operation']}" + ("-news" if case["operation"] == "upsert" else ""),
                "storage_pid": case["state"]["storage_pid"]}
    expected = case["expected"]
    files_before = db.query("SELECT uid FROM sys_file")
    if case["operation"] == "upsert":
        status, body = connector.react(reaction, upsert_payload(case), USER)
        assert status in (200, 201), body
        [run] = db.runs
        news_uid = body["uid"]
        names = {"NEW1": "NEWnews", "NEW2": "NEWref"}
        assert as_fixture(image_part(run["data"]), names) == expected["datamap"]
        assert as_fixture(run["cmd"], names) == expected["cmdmap"]
        assert run["errors"] == []
        assert (len(db.query("SELECT uid FROM sys_file")) > len(files_before)) is expected["imports_file"]
        names = {}
        if "images" in case["request"]:
            for answered in body["images"]:  # the uids DataHandler gave the new references
                if isinstance(answered["reference_uid"], int) and answered["reference_uid"] not in \
                        [r["uid"] for r in case["state"]["live_references"]]:
                    names[str(answered["reference_uid"])] = f"NEWref{body['images'].index(answered)}"
                    answered["reference_uid"] = names[str(answered["reference_uid"])]
            assert body["images"] == expected["response_images"]
            assert body["image"] == (body["images"][0] if body["images"] else None)
        else:
            if "NEW2" in run["data"].get(REFERENCE, {}):  # the uid DataHandler gave the new reference
                names[str(body["image"]["reference_uid"])] = "NEWref"
                body["image"]["reference_uid"] = "NEWref"
            assert body["image"] == expected["response_image"]
    else:
        news_uid = case["state"]["news"]["uid"]
        status, body = connector.react(reaction, {"uid": news_uid, "import_source": "", "import_id": "",
                                                  **case["request"]}, USER)
        assert status == 200 and body["action"] == expected["action"], body
        [run] = db.runs
        names = {}
        assert as_fixture(run["data"], names) == expected["datamap"]
        assert as_fixture(run["cmd"], names) == expected["cmdmap"]
        row = db.one(f"SELECT hidden, deleted FROM {NEWS} WHERE uid = ?", (news_uid,))
        assert row == expected["news_after"]
    assert live_after(db, news_uid, names) == expected["live_references_after"]


def test_the_fixture_images_are_what_they_claim():
    import hashlib  # noqa: PLC0415

    for image in PLANS["images"].values():
        data = base64.b64decode(image["content_base64"])
        assert hashlib.sha256(data).hexdigest() == image["sha256"]
        assert hashlib.sha1(data, usedforsecurity=False).hexdigest() == image["sha1"]
