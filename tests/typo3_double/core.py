"""EXT:reactions over HTTP: route, resolver, handler and the core create-record type.

The status/body pairs follow TYPO3-CMS/reactions (identical in 12.4 and 13.4):
Classes/Http/Middleware/ReactionResolver.php (process, getFailureResponse),
Classes/Http/ReactionHandler.php (getPayload, buildReactionResponse) and
Classes/Reaction/CreateRecordReaction.php, whose answers
Tests/Functional/Reaction/CreateRecordReactionTest.php asserts. What the source does not
show (the 302 for a trailing slash, the 405's body, which answers lack
X-TYPO3-Reaction-Success) is as observed on TYPO3 12.4/13.4; each place says so.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
import uuid

from werkzeug.wrappers import Request, Response

from .database import Database
from .placeholders import replace_placeholders

# Symfony\Component\Uid\Uuid::isValid as ReactionResolver::process calls it
# (TYPO3-CMS/reactions@v13.4.9:Classes/Http/Middleware/ReactionResolver.php): the nil and max UUIDs,
# or 8-4-4-4-12 hex whose variant nibble (the 4th group's first digit) is 8, 9, a or b —
# symfony/uid Uuid.php::isValid, '{^[0-9a-f]{8}(?:-[0-9a-f]{4}){2}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$}Di'.
UUID_RE = re.compile(r"^[0-9a-f]{8}(?:-[0-9a-f]{4}){2}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)
NIL_UUID, MAX_UUID = "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"


def uuid_is_valid(identifier: str) -> bool:
    return identifier == NIL_UUID or identifier.lower() == MAX_UUID or bool(UUID_RE.fullmatch(identifier))

# TYPO3-CMS/reactions@13.4:Configuration/TCA/Overrides/sys_reaction_create_record.php (pages,
# sys_category, sys_file_collection), TYPO3-CMS/frontend@13.4:Configuration/TCA/Overrides/100-sys_reaction.php
# (tt_content), georgringer/news:Configuration/TCA/Overrides/sys_reaction.php (news, since news 11.0.0)
CREATE_RECORD_TABLES = {"pages", "sys_category", "sys_file_collection", "tt_content", "tx_news_domain_model_news"}


def hash_secret(secret: str) -> str:
    """Stand-in for TYPO3's argon2i backend password hash (ReactionInstruction::isSecretValid uses
    PasswordHashFactory->getDefaultHashInstance('BE')); pbkdf2 keeps the secret out of the table."""
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), 1000).hex()
    return f"pbkdf2_sha256${salt}${digest}"


def check_secret(secret: str, stored: str) -> bool:
    _, salt, digest = stored.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), 1000).hex()
    return hmac.compare_digest(candidate, digest)


def php_json(data: dict) -> str:
    """json_encode() without flags: compact, \\u-escaped non-ASCII, escaped slashes."""
    return json.dumps(data, separators=(",", ":")).replace("/", "\\/")


def failure(message: str, status: int = 400) -> Response:
    """ReactionResolver::getFailureResponse: a JSON body built by the resolver, not by
    ReactionHandler, so no X-TYPO3-Reaction-Success header
    (TYPO3-CMS/reactions@13.4:Classes/Http/Middleware/ReactionResolver.php; observed on TYPO3
    12.4/13.4: absent on every resolver error, the 404 "No reaction found for given reaction type" too)."""
    return Response(php_json({"success": False, "error": message}), status=status, content_type="application/json")


def reaction_response(body: str, status: int) -> Response:
    """ReactionHandler::buildReactionResponse adds X-TYPO3-Reaction-Success: true for 2xx, else false
    (TYPO3-CMS/reactions@13.4:Classes/Http/ReactionHandler.php)."""
    response = Response(body, status=status, content_type="application/json")
    response.headers["X-TYPO3-Reaction-Success"] = "true" if 200 <= status < 300 else "false"
    return response


def parse_payload(raw: bytes):
    """ReactionHandler::getPayload: json_decode(..., JSON_THROW_ON_ERROR); invalid JSON or a
    non-array result becomes [] silently; no Content-Type check."""
    try:
        payload = json.loads(raw.decode("utf-8")) if raw else None
    except (ValueError, UnicodeDecodeError):
        return []
    return payload if isinstance(payload, (dict, list)) else []


class ReactionsApp:
    """The WSGI app: ``/typo3/reaction/<uuid>`` and TYPO3's answers around it."""

    def __init__(self, db: Database, connector) -> None:
        self.db = db
        self.connector = connector
        # seconds per request that reaches the secret check: the backend password hash (TYPO3-CMS/core:
        # Classes/Crypto/PasswordHashing/AbstractArgon2PasswordHash.php, 64 MiB, time_cost 16) took
        # about 0.7 s a request, observed on TYPO3 12.4/13.4 on a 2-core machine
        self.latency = 0.0
        self.connector_installed = True
        self.requests: list[dict] = []  # what arrived, for tests that assert "sent once"
        self.rate_limit: dict | None = None  # a proxy in front of TYPO3 answering 429 (see rate_limited)
        self.rate_limited_count = 0

    def add_reaction(self, reaction_type: str, **options) -> tuple[str, str]:
        """Create a sys_reaction row (System > Reactions); returns (identifier, plain secret)."""
        identifier = options.pop("identifier", None) or str(uuid.uuid4())
        secret = options.pop("secret", None) or secrets.token_hex(20)  # TCA passwordRules: 40 hex
        fields = options.pop("fields", {})
        # sys_reaction.fields is TCA type 'json' (TYPO3-CMS/reactions@v13.4.9:Configuration/TCA/Overrides/
        # sys_reaction_create_record.php): DataHandler json_encode()s what it is given, so setup code
        # must pass an array; a string that already holds JSON is stored encoded twice.
        row = {"reaction_type": reaction_type, "identifier": identifier, "secret": hash_secret(secret),
               "fields": json.dumps(fields), **options}
        self.db.insert_raw("sys_reaction", row)
        return identifier, secret

    def __call__(self, environ, start_response):
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def rate_limited(self) -> Response | None:
        """A reverse proxy or WAF in front of TYPO3 refusing the request before TYPO3 sees it.

        TYPO3 and EXT:reactions never answer 429 (nothing in TYPO3-CMS/reactions@13.4 rate-limits);
        proxies do: RFC 6585 §4 defines 429 and lets it carry Retry-After (RFC 9110 §10.2.3: seconds
        or an HTTP date); nginx's limit_req answers with limit_req_status (503 by default, 429 when set)
        and an HTML page, and any Retry-After is added by the proxy's configuration. Such a request
        never reaches the reaction route, so it is not in ``requests``.
        """
        if self.rate_limit is None:
            return None
        times = self.rate_limit["times"]
        if times is not None:
            if times <= 0:
                self.rate_limit = None
                return None
            self.rate_limit["times"] = times - 1
        self.rate_limited_count += 1
        response = Response(b"<html><head><title>429 Too Many Requests</title></head><body><center><h1>"
                            b"429 Too Many Requests</h1></center><hr><center>nginx</center></body></html>\n",
                            status=429, content_type="text/html")
        if self.rate_limit["retry_after"] is not None:
            response.headers["Retry-After"] = self.rate_limit["retry_after"]
        return response

    def dispatch(self, request: Request) -> Response:
        limited = self.rate_limited()
        if limited is not None:
            return limited
        path = request.path
        # TYPO3-CMS/reactions@13.4:Configuration/Backend/Routes.php: route /reaction/{reactionIdentifier?}.
        # A trailing slash matches no backend route: the backend redirects to /typo3/login with an empty
        # body (observed on TYPO3 12.4/13.4).
        if path.startswith("/typo3/reaction/") and path.endswith("/"):
            return Response(b"", status=302, headers={"Location": "/typo3/login"}, content_type="text/html")
        match = re.fullmatch(r"/typo3/reaction(?:/([^/]+))?", path)
        if match is None:
            return Response(b"", status=404, content_type="text/html")
        # Routes.php: 'methods' => ['POST']; GET/PUT answer 405 with an empty text/html body and no Allow
        # header (observed on TYPO3 12.4/13.4)
        if request.method != "POST":
            response = Response(b"", status=405, content_type="text/html")
            response.headers.pop("Allow", None)
            return response
        self.requests.append({"path": path, "body": request.get_data()})
        return self.resolve(request, match.group(1) or "")

    def resolve(self, request: Request, identifier: str) -> Response:
        """TYPO3-CMS/reactions@13.4:Classes/Http/Middleware/ReactionResolver.php::process."""
        secret = request.headers.get("x-api-key", "")  # getHeaderLine('x-api-key'): case-insensitive
        if secret == "" or not uuid_is_valid(identifier):
            return failure("Invalid information")
        now = self.db.now()
        # ReactionRepository::getReactionRecordByIdentifier: Hidden/StartTime/EndTime restrictions;
        # an upper-cased uuid still matched, because MariaDB's default collation compares
        # case-insensitively (observed on TYPO3 12.4/13.4 on MariaDB 10.11), hence lower()
        reaction = self.db.one(
            "SELECT * FROM sys_reaction WHERE lower(identifier) = lower(?) AND deleted = 0 AND hidden = 0"
            " AND (starttime = 0 OR starttime <= ?) AND (endtime = 0 OR endtime > ?)",
            (identifier, now, now))
        if reaction is None:
            return failure("No reaction found for given identifier", 404)
        time.sleep(self.latency)  # ReactionInstruction::isSecretValid checks the hash (see ``latency``)
        if not check_secret(secret, reaction["secret"]):
            return failure("Invalid secret given", 401)
        user = self.db.user(int(reaction["impersonate_user"] or 0))  # ReactionUserAuthentication
        # ReactionHandler::handleReaction → ReactionRegistry::getReactionByType → 404 (resolver catches it)
        if reaction["reaction_type"] == "create-record":
            return self.create_record(reaction, parse_payload(request.get_data()), user)
        if self.connector_installed and self.connector.handles(reaction["reaction_type"]):
            status, body = self.connector.react(reaction, parse_payload(request.get_data()), user)
            return reaction_response(json.dumps(body, separators=(",", ":"), ensure_ascii=False), status)
        return failure("No reaction found for given reaction type", 404)

    def create_record(self, reaction: dict, payload, user: dict | None) -> Response:
        """TYPO3-CMS/reactions@13.4:Classes/Reaction/CreateRecordReaction.php::react."""
        table = reaction["table_name"] or ""
        # $fields = (array)($reaction->toArray()['fields'] ?? []) after ReactionRepository::mapSingleRow's
        # BackendUtility::convertDatabaseRowValuesToPhp decoded the json column once: a twice-encoded
        # value is a string, and (array)"…" is [0 => "…"] — a "field" DataHandler does not know.
        fields = json.loads(reaction["fields"] or "{}")
        if not isinstance(fields, dict):
            fields = {} if fields in (None, "", []) else {"0": fields}
        if table not in CREATE_RECORD_TABLES:  # Validation/CreateRecordReactionTable::isAllowedForCreation
            return reaction_response(php_json({"success": False, "error": 'Invalid argument "table_name"'}), 400)
        if not fields:
            return reaction_response(php_json({"success": False, "error": "No fields given."}), 400)
        data = {name: replace_placeholders(template, payload) for name, template in fields.items()}
        # pid is set after the field loop, so no template can override it; DataHandler ignores uid/pid
        # fields, and hidden is an exclude field the field map UI never offers
        data["pid"] = int(reaction["storage_pid"] or 0)
        result = self.db.process(user, {table: {"NEW" + uuid.uuid4().hex[:13]: data}})
        # buildResponseFromDataHandler: success only if substNEWwithIDs (and _table) is non-empty
        if not result.ids:
            return reaction_response(php_json({"success": False, "error": "Record could not be created"}), 400)
        return reaction_response(php_json({"success": True}), 201)
