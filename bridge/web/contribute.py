"""The public contribution pages: no login, their own size and rate limits.

``GET /contribute/<token>`` is the form a contributor's phone opens;
``POST`` the same URL sends it (the session's CSRF token, like every form here).
The script ``static/contribute.js`` uploads with progress and lets a failed upload
be retried without retyping; it asks for JSON answers (``Accept: application/json``).
Without JavaScript the form posts normally and the page is rendered again with the
errors, or redirected to the receipt.
"""
from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from ..contributions import Gone, RateLimited, SubmissionInvalid, UnknownLink, Upload
from ..translations import N_, gettext_for
from . import i18n
from .access import bridge, csrf_token

bp = Blueprint("contribute", __name__, url_prefix="/contribute")

# the words the view itself says (msgids; looked up in the page's language when said)
GONE = {"expired": N_("This invitation expired on %(when)s."),
        "revoked": N_("This invitation was withdrawn by the editors."),
        "exhausted": N_("This invitation has received all the submissions it was meant for.")}
NOT_FOUND = N_("There is no invitation at this address. Check the link you were sent.")
STALE_PAGE = N_("This page is too old or was not opened from your link. Nothing was sent: choose "
                "your files again and send once more.")
TOO_MANY = N_("Too many submissions in a short time. Please try again in an hour.")
TOO_LARGE = N_("Too much at once: at most %(limit)s per file and %(n)s files. Send fewer or smaller files.")

#: the whole form may carry max_files files of max_file_bytes each, plus its fields
FORM_OVERHEAD = 256 * 1024


def service():
    return bridge().contributions


@bp.url_value_preprocessor
def _raise_body_limit(endpoint: str | None, values: dict[str, Any] | None):
    """Uploads are larger than the app's body limit. URL value preprocessors run
    before every ``before_request`` (Flask's preprocess_request), so the limit is
    raised before the CSRF check reads the form."""
    limits = current_app.extensions["bridge"].config.contributions
    request.max_content_length = limits.max_file_bytes * limits.max_files + FORM_OVERHEAD


def _lang() -> str:
    """The page's language (``bridge/web/i18n.py``): the switch (``?lang=``, kept in every
    link and form action), else the browser's Accept-Language. Never from the form body:
    reading it here would parse an upload that may be over the limit."""
    return i18n.current_language()


def _say(lang: str, message: str, **values: Any) -> str:
    """A message of these pages in the page's language (the Babel catalogue)."""
    return gettext_for(lang, message, **values)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _page(template: str, status: int = 200, **context: Any):
    lang = context.pop("lang", None) or _lang()
    context.setdefault("organisation", service().organisation(lang))
    response = current_app.make_response((render_template(
        f"contribute/{template}", lang=lang, other_lang=i18n.other_language(), **context), status))
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-store"  # the URL is a secret; never keep it in a shared cache
    response.headers["Referrer-Policy"] = "no-referrer"
    response.vary.add("Accept-Language")
    return response


def _gone(exc: Gone, lang: str):
    when = (exc.invitation["expires_at"] or "")[:16].replace("T", " ") + " UTC"
    message = _say(lang, GONE[exc.reason], when=when)
    if _wants_json() and request.method == "POST":
        return jsonify({"error": exc.reason, "message": message}), 410
    return _page("gone.html", 410, lang=lang, message=message)


#: how long a contribution page's own token is good for (a slow upload on a weak
#: connection, or a phone left open over lunch, must still go through)
PAGE_TOKEN_SECONDS = 6 * 3600


def _page_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="cms-bridge contribute page")


def page_token(inv: dict) -> str:
    """A token for this one rendered page: it names the invitation and the session's
    CSRF token and carries its own nonce and time, so a submission must come from a
    page this server rendered for this invitation, in this browser, recently."""
    return _page_signer().dumps({"i": inv["id"], "s": csrf_token(), "n": secrets.token_hex(8)})


def page_token_ok(inv: dict, sent: str) -> bool:
    try:
        data = _page_signer().loads(sent or "", max_age=PAGE_TOKEN_SECONDS)
    except (BadSignature, SignatureExpired):
        return False
    return isinstance(data, dict) and data.get("i") == inv["id"] and data.get("s") == csrf_token()


def _form(token: str, inv: dict, lang: str, *, status: int = 200, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None):
    consent_text, version = service().consent_for(inv, lang)
    return _page("form.html", status, lang=lang, token=token, invitation=inv, consent_text=consent_text,
                 page_token=page_token(inv),
                 consent_version=version, errors=errors or {}, values=values or {},
                 limit=service().limit_text(), max_files=service().limits.max_files)


@bp.get("/<token>")
def form(token: str):
    lang = _lang()
    try:
        inv = service().open(token)
    except Gone as exc:
        return _gone(exc, lang)
    except UnknownLink:
        return _page("gone.html", 404, lang=lang, message=_say(lang, NOT_FOUND))
    return _form(token, inv, lang)


@bp.post("/<token>")
def submit(token: str):
    lang = _lang()
    values = {k: request.form.get(k, "") for k in ("text", "name", "email")}
    try:
        inv = service().open(token)
        if not page_token_ok(inv, request.form.get("page_token", "")):
            if _wants_json():
                return jsonify({"error": "stale_page", "message": _say(lang, STALE_PAGE)}), 403
            return _form(token, inv, lang, status=403, errors={"files": _say(lang, STALE_PAGE)}, values=values)
        receipt, _row = service().submit(
            token, uploads=[Upload(f.filename or "", f.read()) for f in request.files.getlist("files")],
            text=values["text"], name=values["name"], email=values["email"],
            consent=request.form.get("consent") == "yes", shown_version=request.form.get("consent_version", ""),
            lang=lang, client=request.remote_addr or "")
    except Gone as exc:
        return _gone(exc, lang)
    except UnknownLink:
        return _page("gone.html", 404, lang=lang, message=_say(lang, NOT_FOUND))
    except RateLimited as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        if _wants_json():
            return jsonify({"error": "rate_limited", "message": _say(lang, TOO_MANY)}), 429, headers
        return _page("gone.html", 429, lang=lang, message=_say(lang, TOO_MANY)), headers
    except SubmissionInvalid as exc:
        if _wants_json():
            return jsonify({"error": "invalid", "errors": exc.errors}), exc.status
        return _form(token, inv, lang, status=exc.status, errors=exc.errors, values=values)
    url = url_for("contribute.receipt", token=token, receipt=receipt, lang=lang)
    if _wants_json():
        return jsonify({"receipt_url": url}), 201
    return redirect(url, 303)


@bp.get("/<token>/r/<receipt>")
def receipt(token: str, receipt: str):
    lang = _lang()
    try:
        row, item, publications = service().receipt(token, receipt)
    except UnknownLink:
        return _page("gone.html", 404, lang=lang, message=_say(lang, NOT_FOUND))
    return _page("receipt.html", lang=lang, token=token, receipt_token=receipt, row=row, item=item,
                 publications=[p for p in publications if p["state"] == "published" and p["remote_url"]],
                 just_sent=request.args.get("sent") == "1")


@bp.post("/<token>/r/<receipt>/withdraw")
def withdraw(token: str, receipt: str):
    lang = _lang()
    try:
        service().withdraw(token, receipt)
    except UnknownLink:
        return _page("gone.html", 404, lang=lang, message=_say(lang, NOT_FOUND))
    return redirect(url_for("contribute.receipt", token=token, receipt=receipt, lang=lang), 303)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge):
    """The whole form was larger than the limit: say the limit, in the page's language."""
    lang = _lang()
    message = _say(lang, TOO_LARGE, limit=service().limit_text(), n=service().limits.max_files)
    if _wants_json():
        return jsonify({"error": "too_large", "errors": {"files": message}}), 413
    return _page("gone.html", 413, lang=lang, message=message)
