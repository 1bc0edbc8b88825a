"""The test as an employee takes it: NIP and code, consent, one item per screen, submit.

Takers have no password: the NIP and the personal code of an open round put the participant in the
session, with the code's version. Everything after that goes through the JSON API the page script
calls, which saves each answer in PostgreSQL before it answers.

Revoking a code (a printed slip lost, a code passed on) bumps the participant's ``code_version``. Every
taker request compares it with the version the session was opened with, so the revocation ends that
session too, not only future sign-ins: the pages redirect to the sign-in, the API answers 401 (the save
path does the comparison inside its one statement). A session opened before versions were kept counts
as version 1, the version of a code never revoked.

Refusals of the API are JSON: ``{"error": <message for the taker>, "code": <machine code>}``; 401 for
``login``, 422 for an answer or report that does not fit the test (``shape``, ``item``, ``seen``), 409
for the attempt's state (``submitted``, ``deadline``) and for a change to an item the taker has left in
a test without going back (``locked``), 400 (``bad_request``) for a body that cannot be read or a value
that cannot be stored (text with NUL, a code too long, a ``seq`` outside its column, a flag that is not
a boolean): those are checked before any SQL, as the NUL middleware leaves JSON bodies to the views.

Signing out (``taker_logout``) ends the whole session, so a shared phone or lab computer is handed on
clean. A page that shows a result also ends it after ``RESULT_IDLE_SECONDS`` without a request
(``idle_expired``: the session is stored with that lifetime, and a request after it signs out) and
carries a script that signs out after the same time without a tap or key. The test page is left out: a
taker reads, thinks and may be offline for minutes, and their answers must never be refused for it.

Wrong codes are limited per client, not per NIP (config.ratelimit.FailureLimits): per (NIP, client), per
client, and a generous per-NIP ceiling that slows and never locks, so a stranger typing codes for a known
NIP is stopped (429) while the employee typing the right code on their own phone still gets in.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access
from assessment.people.nip import NipError, normalise_nip
from assessment.privacy.services import policy
from assessment.results.services import immediate
from assessment.rounds import sign_in_page
from assessment.rounds.models import Answer, Attempt, Participant, Round
from assessment.rounds.services import codes, page_reports, saving, taking
from config import ratelimit
from config.compiled_query import CompiledQuery
from config.observability import metrics

SESSION_KEY = "ikd_taker"
VERSION_KEY = "ikd_taker_code_version"
UNPROCESSABLE = frozenset({"shape", "item", "seen"})
FLAGS = (None, False, True)  # what "flagged" may be (0 and 1 compare equal to False and True)
CODE_LOGIN = "taker_login"  # the action wrong access codes are counted under (config.ratelimit)
IDLE_KEY = "ikd_result_active"  # when a result page was last requested (seconds since the epoch)
IDLE_SINCE_KEY = "ikd_result_since"  # when this session first showed a result page
RESULT_IDLE_SECONDS = 5 * 60  # a result left open on a shared device signs out after this
SIGNED_OUT = "1"  # ?keluar= on the sign-in page: signed out by the taker
SIGNED_OUT_IDLE = "idle"  # ... or after the idle time


def sign_in_taker(request: HttpRequest, participant: Participant) -> None:
    request.session[SESSION_KEY] = participant.pk
    request.session[VERSION_KEY] = participant.code_version
    _forget_idle(request)  # the site's session age again, until a result page shortens it


def _forget_idle(request: HttpRequest) -> None:
    """Back on a test page: the session's usual lifetime again (a result page may have shortened it)."""
    if IDLE_KEY in request.session:
        request.session.pop(IDLE_KEY, None)
        request.session.pop(IDLE_SINCE_KEY, None)
        request.session.set_expiry(None)


def end_session(request: HttpRequest) -> None:
    """Sign the taker out, and an employee signed in by emailed code too: a new, empty session."""
    logout(request)


def _taking_now(request: HttpRequest) -> bool:
    taker = request.session.get(SESSION_KEY)
    return taker is not None and (
        Attempt.objects.filter(participant_id=taker, state=Attempt.State.IN_PROGRESS).exists()
    )


def idle_expired(request: HttpRequest, now: float | None = None) -> bool:
    """For pages that show a result: True, and the session ended, when the last such page was requested
    more than ``RESULT_IDLE_SECONDS`` ago; otherwise the idle clock restarts. The session is stored with
    that lifetime, so one left alone expires on the server as well (its cookie too)."""
    if SESSION_KEY not in request.session and not request.user.is_authenticated:
        return False  # nobody to sign out; no session is made for a visitor
    if _taking_now(request):
        return False  # a test in progress is never cut short (see the module docstring)
    now = time.time() if now is None else now
    last = request.session.get(IDLE_KEY)
    if last is not None and now - float(last) > RESULT_IDLE_SECONDS:
        end_session(request)
        return True
    request.session[IDLE_KEY] = now
    request.session.setdefault(IDLE_SINCE_KEY, int(now))
    request.session.set_expiry(RESULT_IDLE_SECONDS)
    return False


def idle_context(request: HttpRequest) -> dict[str, Any]:
    """What a result page's sign-out form carries for ``rounds/idle.js``; the key is new with every
    sign-in, so the script never counts a former session's idle time. Nothing while a test is in
    progress (``idle_expired`` leaves it alone too)."""
    if _taking_now(request):
        return {}
    return {
        "idle_seconds": RESULT_IDLE_SECONDS,
        "idle_minutes": RESULT_IDLE_SECONDS // 60,
        "idle_key": str(request.session.get(IDLE_SINCE_KEY, "")),
    }


def session_code_version(request: HttpRequest) -> int:
    return int(request.session.get(VERSION_KEY, 1))


def sign_out_taker(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(VERSION_KEY, None)


# The taker's two hot queries, compiled once per process (config.compiled_query): the session's
# participant with what the taker's pages use, and the test API's attempt.
_SIGNED_IN: CompiledQuery[Participant] = CompiledQuery(
    lambda pk: Participant.objects.select_related("round__bank", "employee", "attempt").filter(pk=pk)[:1],
    marker=-2_020_012,
)
_API_ATTEMPT: CompiledQuery[Attempt] = CompiledQuery(
    lambda pk: (
        Attempt.objects.filter(participant_id=pk)
        .select_related("participant__round__bank")
        .annotate(has_answers=Exists(Answer.objects.filter(attempt=OuterRef("pk"))))[:1]
    ),
    marker=-2_020_012,
)


def signed_in_participant(request: HttpRequest) -> Participant | None:
    """The session's participant; None (and the session forgets them) once their code was revoked.
    Loaded with what the taker's pages use, in one query: the round and its bank (the bank's lock time
    spares the items' look-up a query), the employee and the attempt (``taking.attempt_of``)."""
    pk = request.session.get(SESSION_KEY)
    if pk is None:
        return None
    participant = _SIGNED_IN.first(int(pk))
    if participant is None or participant.code_version != session_code_version(request):
        sign_out_taker(request)
        return None
    return participant


def _session_ended() -> JsonResponse:
    return JsonResponse(
        {"error": _("Your session has ended. Sign in again with your NIP and code."), "code": "login"},
        status=401,
    )


def _refused(request: HttpRequest, exc: taking.TakingError) -> JsonResponse:
    if exc.code == "login":
        sign_out_taker(request)
        return _session_ended()
    status = 422 if exc.code in UNPROCESSABLE else 409
    return JsonResponse({"error": str(exc), "code": exc.code}, status=status)


def code_failure_limits() -> ratelimit.FailureLimits:
    """Wrong access codes tolerated (settings ``TAKER_CODE_FAILURES_*``; see config.ratelimit)."""
    return ratelimit.FailureLimits(
        per_client_subject=ratelimit.Rate(*settings.TAKER_CODE_FAILURES_PER_CLIENT_NIP),
        per_client=ratelimit.Rate(*settings.TAKER_CODE_FAILURES_PER_CLIENT),
        per_subject=ratelimit.Rate(*settings.TAKER_CODE_FAILURES_PER_NIP),
    )


def _too_many_codes(request: HttpRequest, refusal: ratelimit.Refusal) -> HttpResponse:
    minutes = max(1, -(-refusal.retry_after // 60))
    if refusal.scope == "client":
        message = _("Too many wrong codes were sent from your network. Try again in %(minutes)s minutes.")
    elif refusal.scope == "client_subject":
        message = _(
            "Too many wrong codes for this NIP from your network. Try again in %(minutes)s minutes "
            "or ask your coordinator."
        )
    else:
        message = _(
            "Many wrong codes were tried for this NIP. Try again in %(minutes)s minutes or ask your "
            "coordinator."
        )
    context = {"error": message % {"minutes": minutes}, "nip": request.POST.get("nip", "")}
    response = render(request, "rounds/taker_login.html", context, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


@access(public=True)
@require_http_methods(["GET", "POST"])
def taker_login(request: HttpRequest) -> HttpResponse:
    error = ""
    nip = ""
    if request.method == "GET" and request.user.is_authenticated:
        # Back from allauth's sign-in by emailed code (its ``next`` points here).
        participant = codes.open_participant_of(request.user)
        if participant is not None:
            sign_in_taker(request, participant)
            return redirect("taker_start")
    if request.method == "POST":
        code = request.POST.get("code", "")
        try:
            nip = normalise_nip(request.POST.get("nip", "").strip())
        except NipError as exc:
            error, participant = str(exc), None
        else:
            # Asked before the code is checked, so a refused client learns nothing about it.
            refusal = ratelimit.failure_refusal(request, CODE_LOGIN, nip, code_failure_limits())
            if refusal is not None:
                return _too_many_codes(request, refusal)
            participant = codes.check_login(nip, code)
            if participant is None:
                ratelimit.count_failure(request, CODE_LOGIN, nip, code_failure_limits())
                error = _("The NIP and access code do not match an open round. Check both and try again.")
        if participant is not None:
            request.session.cycle_key()
            sign_in_taker(request, participant)
            return redirect("taker_start")
        nip = request.POST.get("nip", "")
    context = {
        "error": error,
        "nip": nip,
        "signed_out": request.GET.get("keluar", "") if request.method == "GET" else "",
        "idle_minutes": RESULT_IDLE_SECONDS // 60,
    }
    if sign_in_page.cacheable(request):
        return sign_in_page.response(request, context)
    return render(request, sign_in_page.TEMPLATE, context, status=400 if error else 200)


@access(public=True)
@require_POST
def taker_logout(request: HttpRequest) -> HttpResponse:
    """Sign out from a test or result page; ``idle`` in the form: the page's idle timer did it."""
    end_session(request)
    reason = SIGNED_OUT_IDLE if request.POST.get("reason") == SIGNED_OUT_IDLE else SIGNED_OUT
    return redirect(f"{reverse('taker_login')}?keluar={reason}")


@access(public=True)
@require_http_methods(["GET", "POST"])
def taker_start(request: HttpRequest) -> HttpResponse:
    """Before the test: instructions, the privacy notice and consent; or, when no session runs, when the
    next one starts; or, for an attempt in progress, the time left and a button to continue (consent
    was given at the start)."""
    participant = signed_in_participant(request)
    if participant is None:
        return redirect("taker_login")
    if participant.round.state != Round.State.OPEN:
        return redirect("my_result")
    _forget_idle(request)
    error = ""
    if request.method == "POST" and request.POST.get("consent"):
        # Straight to the start, which resumes an attempt already made (and ends an overdue one): the
        # page's facts are read only when the page is shown, not on every start of a storm.
        try:
            attempt = taking.start(participant)
        except taking.TakingError as exc:
            error = str(exc)
        else:
            return redirect("taker_done" if attempt.state == Attempt.State.SUBMITTED else "taker_test")
    facts = taking.start_facts(participant)
    if facts.attempt is not None and facts.attempt.state == Attempt.State.SUBMITTED:
        return redirect("taker_done")
    if request.method == "POST" and not error:
        if facts.resuming:
            return redirect("taker_test")
        error = _("Please confirm that you have read the instructions.")
    context = {
        "participant": participant,
        "round": participant.round,
        "facts": facts,
        "minutes_left": -(-facts.seconds_left // 60),
        "error": error,
        "privacy": policy.notice_facts(getattr(request, "region", None)),  # the notice before the test
        "region": getattr(request, "region", None),
    }
    return render(request, "rounds/taker_start.html", context)


@access(public=True)
def taker_test(request: HttpRequest) -> HttpResponse:
    participant = signed_in_participant(request)
    if participant is None:
        return redirect("taker_login")
    attempt = taking.attempt_of(participant)
    if attempt is None:
        return redirect("taker_start")
    _forget_idle(request)
    return render(request, "rounds/taker_test.html", {"participant": participant, "attempt": attempt})


@access(public=True)
def taker_done(request: HttpRequest) -> HttpResponse:
    """After submitting: when and how the result comes; a submitted test is a result page (idle
    sign-out), an attempt still in progress links back to the test."""
    participant = signed_in_participant(request)
    if participant is None:
        return redirect("taker_login")
    attempt = taking.attempt_of(participant)
    submitted = attempt is not None and attempt.state == Attempt.State.SUBMITTED
    if submitted and idle_expired(request):
        return redirect(f"{reverse('taker_login')}?keluar={SIGNED_OUT_IDLE}")
    context = {
        "participant": participant,
        "attempt": attempt,
        "result_at_once": immediate.shows_at_once(participant.round),
        **(idle_context(request) if submitted else {}),
    }
    return render(request, "rounds/taker_done.html", context)


def _api_attempt(request: HttpRequest) -> Attempt | JsonResponse:
    """The session's attempt with its participant, round and bank, and whether it has answers, in one
    query; the session ends (401) once the participant's code was revoked, as with
    ``signed_in_participant``."""
    pk = request.session.get(SESSION_KEY)
    if pk is None:
        return _session_ended()
    attempt = _API_ATTEMPT.first(int(pk))
    if attempt is None:
        signed_in_participant(request)  # signs a revoked code out; a taker who never started stays in
        return _session_ended()
    if attempt.participant.code_version != session_code_version(request):
        sign_out_taker(request)
        return _session_ended()
    return attempt


def _json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object; raises ValueError for anything else. A form post is refused before
    its body is touched (the NUL check has already consumed a form body, and it is not an answer)."""
    if request.content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        raise ValueError("a form post, not JSON")
    try:
        body = json.loads(request.body or b"{}")
    except RecursionError:  # nested deeper than the parser goes
        raise ValueError("nested too deep") from None
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    return body


@access(public=True)
def api_ping(request: HttpRequest) -> JsonResponse:
    """The server's clock, for the page's timer; touches no database (the load benchmark's baseline)."""
    return JsonResponse({"now": timezone.now().isoformat()})


@access(public=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served under /tes/ so that its scope covers the test pages (a file under /static/ could not)."""
    script = (Path(__file__).parent / "static" / "rounds" / "sw.js").read_bytes()
    response = HttpResponse(script, content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@access(public=True)
def api_state(request: HttpRequest) -> JsonResponse:
    attempt = _api_attempt(request)
    if isinstance(attempt, JsonResponse):
        return attempt
    return JsonResponse(taking.taker_view(attempt))


@access(public=True)
@require_POST
def api_answer(request: HttpRequest) -> HttpResponse:
    """Save one answer: ``{"item", "response", "flagged", "seq", "key"}`` and optionally the page's
    report (piggybacked, to spare a request): ``"seen"``, the codes of items it showed since its last
    report, and without going back ``"left"`` and ``"at"`` (``api_seen``). The values' types and ranges
    are checked before any SQL (``saving.save_answer_for``; the flag here): a crafted one is a 400."""
    participant_id = request.session.get(SESSION_KEY)
    if participant_id is None:
        return _session_ended()
    try:
        body = _json_body(request)
        flagged = body.get("flagged")
        if flagged not in FLAGS:
            raise ValueError("flagged")
        result = saving.save_answer_for(
            int(participant_id),
            body["item"],
            body.get("response") or [],
            bool(flagged),
            body["seq"],
            str(body["key"]),
            code_version=session_code_version(request),
            seen=body.get("seen") or [],
            left=body.get("left"),
            at=body.get("at"),
        )
    except taking.TakingError as exc:
        return _refused(request, exc)
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": _("The answer could not be read."), "code": "bad_request"}, status=400)
    metrics.answer_saved(request.tenant.schema_name, result.outcome)  # type: ignore[attr-defined]
    # Plain json.dumps: JsonResponse's encoder class (for dates and decimals) is not needed here.
    reply = json.dumps({"outcome": result.outcome, "seq": result.seq})
    return HttpResponse(reply, content_type="application/json")


@access(public=True)
@require_POST
def api_seen(request: HttpRequest) -> JsonResponse:
    """The page's report: ``{"seen": [item codes, in the order shown]}`` and, without going back,
    ``"left": {item code: [after, upto]}`` (the sequence numbers the changes of each item left could
    carry) and ``"at": item code`` (the item it is at); answers with the number of items recorded as
    seen. Idempotent."""
    participant_id = request.session.get(SESSION_KEY)
    if participant_id is None:
        return _session_ended()
    try:
        body = _json_body(request)
        count = page_reports.record_seen(
            int(participant_id),
            body.get("seen") or [],
            code_version=session_code_version(request),
            left=body.get("left"),
            at=body.get("at"),
        )
    except taking.TakingError as exc:
        return _refused(request, exc)
    except (ValueError, AttributeError, TypeError):
        return JsonResponse(
            {"error": _("The report of the items shown could not be read."), "code": "bad_request"},
            status=400,
        )
    return JsonResponse({"seen": count})


@access(public=True)
@require_POST
def api_submit(request: HttpRequest) -> JsonResponse:
    attempt = _api_attempt(request)
    if isinstance(attempt, JsonResponse):
        return attempt
    attempt = taking.finalise_if_overdue(attempt)
    attempt = taking.submit(attempt)
    immediate.queue_scoring(attempt)  # a round that shows results at once scores the attempt now
    return JsonResponse({"state": attempt.state, "automatic": attempt.submitted_automatically})
