"""The TYPO3 connector's labels (``Resources/Private/Language/locallang*.xlf``, TYPO3's
XLIFF 1.2) and their German files (``de.locallang*.xlf``): each English file has a
German one, both are well-formed XLIFF, and they carry the same trans-unit ids.

What TYPO3 reads, from its own parser
(https://github.com/TYPO3-CMS/core/blob/main/Classes/Localization/Parser/XliffParser.php,
``doParsingFromRoot``): only ``$root->file->body`` — the first ``<file>`` — and, for a
language other than the default, each ``trans-unit``'s ``target`` as it is, so an empty
or missing ``<target>`` is an empty label, never the English one. The naming
(``de.locallang.xlf`` beside ``locallang.xlf``) and ``source-language="en"`` are
TYPO3's documented convention
(https://github.com/TYPO3-Documentation/TYPO3CMS-Reference-CoreApi/blob/main/Documentation/ApiOverview/Localization/XliffFormat.rst).

The connector has no locallang file yet (its labels are in PHP); the check holds for
the first one as soon as it lands, and is itself tested on a good and a bad pair."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

LANGUAGE = Path(__file__).resolve().parent.parent / "connectors" / "typo3" / "Resources" / "Private" / "Language"
NS = {"x": "urn:oasis:names:tc:xliff:document:1.2"}


def units(text: str, *, translation: str | None = None) -> dict[str, str]:
    """trans-unit id → text (the target for a translation); AssertionError naming what is wrong."""
    root = ET.fromstring(text)  # noqa: S314 - our own files, not input from outside
    ns = NS["x"] if root.tag.startswith("{") else ""
    q = (lambda tag: f"{{{ns}}}{tag}") if ns else (lambda tag: tag)
    assert root.tag == q("xliff") and root.get("version") == "1.2", "root must be <xliff version=\"1.2\">"
    files = root.findall(q("file"))
    assert len(files) == 1 and files[0].get("source-language") == "en", "one <file source-language=\"en\">"
    if translation:
        assert files[0].get("target-language") == translation, f"target-language must be {translation!r}"
    found = {}
    for unit in files[0].iter(q("trans-unit")):
        uid = unit.get("id")
        assert uid and uid not in found, f"trans-unit id {uid!r} missing or twice"
        node = unit.find(q("target") if translation else q("source"))
        assert node is not None and (node.text or "").strip(), f"trans-unit {uid!r} has no text"
        found[uid] = node.text
    return found


def _xliff(units_xml: str, target: str = "") -> str:
    lang = f' target-language="{target}"' if target else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><xliff version="1.2" xmlns="{NS["x"]}">'
            f'<file source-language="en"{lang} datatype="plaintext" original="EXT:cms_bridge">'
            f"<body>{units_xml}</body></file></xliff>")


def test_the_check_accepts_a_good_pair_and_names_a_bad_one():
    en = _xliff('<trans-unit id="a"><source>Approve</source></trans-unit>')
    de = _xliff('<trans-unit id="a"><source>Approve</source><target>Freigeben</target></trans-unit>', "de")
    assert units(en) == {"a": "Approve"} and units(de, translation="de") == {"a": "Freigeben"}
    with pytest.raises(AssertionError, match="'a' has no text"):
        units(_xliff('<trans-unit id="a"><source>Approve</source></trans-unit>', "de"), translation="de")
    with pytest.raises(ET.ParseError):
        units(en.replace("</body>", ""))


def test_every_locallang_has_a_german_file_with_the_same_ids():
    english_files = sorted(LANGUAGE.glob("locallang*.xlf")) if LANGUAGE.is_dir() else []
    for english in english_files:
        german = english.with_name("de." + english.name)
        assert german.exists(), f"add {german.name} (German labels for {english.name})"
        assert set(units(german.read_text(), translation="de")) == set(units(english.read_text())), english.name
    # and no German file without its English one (TYPO3 would never read it)
    for german in sorted(LANGUAGE.glob("de.locallang*.xlf")) if LANGUAGE.is_dir() else []:
        assert german.with_name(german.name[3:]).exists(), f"{german.name} has no English file"
