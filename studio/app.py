"""The content studio's web application: Sanic (the server Rasa itself runs on) with Jinja2 pages and
htmx for the live checks, the training progress and the side-by-side chat. Every form also works as
a plain form post.

Security (docs in deploy/README.md "Content studio"):
  * every page and call needs a signed-in person (a session, or the trusted proxy header from a
    trusted address), except /login, /healthz and the static files;
  * roles are checked by studio/service.py on the server, whatever the page shows (403);
  * every POST carries the session's CSRF token (form field or X-CSRF-Token header), and its
    Origin, when sent, is this site's; the login form has its own double-submit token;
  * cookies are HttpOnly, SameSite=Strict (and Secure with STUDIO_SECURE_COOKIES);
  * a strict Content-Security-Policy (scripts and styles from this origin only), no framing;
  * no log line holds a message, an answer or a phone number: Sanic's access log is off and the
    studio logs events by name only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from functools import wraps
from pathlib import Path
from typing import Any, Callable, Coroutine, Dict, List, Optional
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, html, redirect, text

from studio.accounts import CLINICAL_REVIEWER, EDITOR, ROLE_NAMES, TRANSLATOR, Account
from studio.drafts import CLINICAL, TRANSLATION
from studio.inbox import ESCALATE, NEW_TOPIC
from studio.service import Forbidden, Invalid, Studio, inbox_choices, today
from studio.sessions import Session
from studio.settings import StudioSettings, trusted
from studio.tryit import RUNNING

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "studio_session"
LOGIN_COOKIE = "studio_login"
log = logging.getLogger("studio")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def create_app(studio: Studio, name: str = "content_studio") -> Sanic:
    settings: StudioSettings = studio.settings
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.config.KEEP_ALIVE_TIMEOUT = 5
    app.ctx.studio = studio
    pages = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    pages.globals.update(
        ROLE_NAMES=ROLE_NAMES, EDITOR=EDITOR, CLINICAL_REVIEWER=CLINICAL_REVIEWER, TRANSLATOR=TRANSLATOR
    )
    app.static("/static", str(HERE / "static"), name="static")

    # --- sessions and the person ----------------------------------------------------------

    def header_account(request: Request) -> Optional[Account]:
        header = settings.trusted_user_header
        if not header or not trusted(settings, request.ip):
            return None
        user = (request.headers.get(header) or "").strip().lower()
        return studio.accounts.get(user) if user else None

    def current(request: Request) -> tuple:
        """(session, account) of the request, or (None, None)."""
        token = request.cookies.get(SESSION_COOKIE)
        session = studio.sessions.get(token)
        if settings.trusted_user_header:
            account = header_account(request)
            if account is None:
                return None, None
            if session is None or session.user != account.user:
                studio.sessions.end(token)
                session = studio.sessions.start(account.user)
                request.ctx.new_session = session
            return session, account
        if session is None:
            return None, None
        account = studio.accounts.get(session.user)
        if account is None:  # the account was removed: the session ends with it
            studio.sessions.end(token)
            return None, None
        return session, account

    def set_session_cookie(response: HTTPResponse, session: Session) -> None:
        response.cookies[SESSION_COOKIE] = session.token
        cookie = response.cookies[SESSION_COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/"
        if settings.secure_cookies:
            cookie["secure"] = True

    def render(request: Request, template: str, status: int = 200, **values: Any) -> HTTPResponse:
        session: Optional[Session] = getattr(request.ctx, "session", None)
        flashes = list(session.flash) if session else []
        if session:
            session.flash.clear()
        values.setdefault("errors", [])
        page = pages.get_template(template).render(
            request=request,
            account=getattr(request.ctx, "account", None),
            csrf=session.csrf if session else "",
            flashes=flashes,
            header_login=bool(settings.trusted_user_header),
            **values,
        )
        return html(page, status=status)

    def flash(request: Request, message: str) -> None:
        if getattr(request.ctx, "session", None):
            request.ctx.session.flash.append(message)

    def same_origin(request: Request) -> bool:
        origin = request.headers.get("origin")
        if not origin or origin == "null":
            return origin is None
        return urlsplit(origin).netloc == request.host

    Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]

    def signed_in(handler: Handler) -> Handler:
        """The page needs a signed-in person; a POST also the CSRF token and this origin."""

        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session, account = current(request)
            if account is None:
                if settings.trusted_user_header:
                    return render(
                        request,
                        "error.html",
                        status=403,
                        title="No studio access",
                        message="Your hospital login has no content studio role. Ask the studio's administrator "
                        "to add you (make studio-user --no-password).",
                    )
                if request.method != "GET" or request.headers.get("hx-request"):
                    return text("Your session has ended: sign in again.", status=401)
                return redirect(f"/login?next={request.path}")
            request.ctx.session, request.ctx.account = session, account
            if request.method == "POST":
                sent = request.headers.get("x-csrf-token") or (request.form.get("csrf") if request.form else None)
                if not studio.sessions.csrf_ok(session, sent) or not same_origin(request):
                    log.warning("refused a request without a valid CSRF token or from another origin")
                    return render(
                        request,
                        "error.html",
                        status=403,
                        title="Refused",
                        message="This form is out of date or came from another site. Reload the page and try again.",
                    )
            try:
                response = await handler(request, *args, **kwargs)
            except Forbidden as error:
                log.info("refused: %s needs a role", request.path)
                response = render(request, "error.html", status=403, title="Not allowed", message=str(error))
            except Invalid as error:
                if request.headers.get("hx-request"):
                    response = render(request, "_message.html", status=400, message=str(error))
                elif request.method == "GET":
                    # a page that cannot be shown says why (a redirect to itself would loop)
                    response = render(request, "error.html", status=404, title="Not here", message=f"{error}.")
                else:
                    flash(request, f"Not done: {error}.")
                    back = request.form.get("back", "") if request.form else ""
                    response = redirect(back if back.startswith("/") and not back.startswith("//") else request.path)
            new = getattr(request.ctx, "new_session", None)
            if new:
                set_session_cookie(response, new)
            return response

        return wrapper

    @app.middleware("response")
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)

    @app.exception(Exception)
    async def unexpected(request: Request, error: Exception) -> HTTPResponse:
        status = getattr(error, "status_code", 500)
        if status >= 500:
            # the error's kind only: its message could quote what a person typed
            log.error("error on %s %s: %s", request.method, request.path, type(error).__name__)
        messages = {404: "There is no such page.", 405: "This page does not take that request."}
        return render(
            request,
            "error.html",
            status=status,
            title="Something went wrong" if status >= 500 else "Not found",
            message=messages.get(
                status, "The studio could not do this. Try again; if it keeps failing, tell the studio's administrator."
            ),
        )

    @app.after_server_start
    async def read_inbox(app: Sanic, _loop: Any) -> None:
        app.ctx.inbox_reading = asyncio.get_running_loop().run_in_executor(None, studio.inbox.refresh)

    @app.before_server_stop
    async def stop_servers(app: Sanic, _loop: Any) -> None:
        await asyncio.get_running_loop().run_in_executor(None, studio.tryit.stop)

    async def blocking(function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    # --- login ------------------------------------------------------------------------------

    @app.get("/healthz")
    async def healthz(request: Request) -> HTTPResponse:
        return text("ok")

    def login_form(request: Request, error: str = "", status: int = 200) -> HTTPResponse:
        token = secrets.token_urlsafe(24)
        response = render(
            request,
            "login.html",
            status=status,
            login_token=token,
            error=error,
            next=request.args.get("next", "/"),
            no_accounts=not studio.accounts.all(),
        )
        response.cookies[LOGIN_COOKIE] = token
        cookie = response.cookies[LOGIN_COOKIE]
        cookie["httponly"], cookie["samesite"], cookie["path"] = True, "Strict", "/login"
        if settings.secure_cookies:
            cookie["secure"] = True
        return response

    @app.get("/login")
    async def login_page(request: Request) -> HTTPResponse:
        if settings.trusted_user_header:
            return redirect("/")
        return login_form(request)

    @app.post("/login")
    async def login(request: Request) -> HTTPResponse:
        if settings.trusted_user_header:
            return redirect("/")
        form = request.form or {}
        sent, expected = form.get("login_token", ""), request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(sent, expected) or not same_origin(request):
            return login_form(request, "The sign-in form was out of date: try again.", 403)
        user = (form.get("user") or "").strip().lower()
        keys = (f"user:{user}", f"ip:{request.ip}")
        if studio.sessions.locked(*keys):
            return login_form(request, "Too many failed sign-ins: wait a minute, then try again.", 429)
        account = await blocking(studio.accounts.authenticate, user, form.get("password") or "")
        if account is None:
            studio.sessions.failed(*keys)
            log.info("a sign-in failed")
            return login_form(request, "That name and password do not match an account.", 401)
        studio.sessions.succeeded(*keys)
        session = studio.sessions.start(account.user)
        target = form.get("next") or "/"
        response = redirect(target if target.startswith("/") and not target.startswith("//") else "/")
        set_session_cookie(response, session)
        log.info("signed in: %s", account.user)
        return response

    @app.post("/logout")
    @signed_in
    async def logout(request: Request) -> HTTPResponse:
        studio.sessions.end(request.cookies.get(SESSION_COOKIE))
        response = redirect("/login")
        response.cookies[SESSION_COOKIE] = ""
        response.cookies[SESSION_COOKIE]["max-age"] = 0
        return response

    # --- home -------------------------------------------------------------------------------

    @app.get("/")
    @signed_in
    async def home(request: Request) -> HTTPResponse:
        library = await blocking(studio.library)
        account: Account = request.ctx.account
        draft = studio.drafts.load(account.user)
        waiting = [d for d in studio.drafts.all() if d.user != account.user]
        return render(
            request,
            "home.html",
            title="Content studio",
            inbox_count=sum(g.count for g in studio.inbox.groups()),
            draft=draft,
            summary=draft.summary(library),
            waiting=waiting,
            due=len(library.due(today(), settings.review_interval_days)),
            escalations=len([d for d in studio.inbox.listed(ESCALATE) if not d.reviewed_by]),
        )

    # --- inbox ------------------------------------------------------------------------------

    @app.get("/inbox")
    @signed_in
    async def inbox_page(request: Request) -> HTTPResponse:
        reading = getattr(app.ctx, "inbox_reading", None)
        if reading is not None:
            await reading
        library = await blocking(studio.library)
        return render(
            request,
            "inbox.html",
            title="Inbox",
            groups=studio.inbox.groups(),
            inbox=studio.inbox,
            library=library,
            choices=inbox_choices(library),
        )

    @app.post("/inbox/refresh")
    @signed_in
    async def inbox_refresh(request: Request) -> HTTPResponse:
        app.ctx.inbox_reading = asyncio.get_running_loop().run_in_executor(None, studio.inbox.refresh)
        await app.ctx.inbox_reading
        return redirect("/inbox")

    @app.post("/inbox/assign")
    @signed_in
    async def inbox_assign(request: Request) -> HTTPResponse:
        form = request.form
        example = await blocking(
            studio.inbox_assign,
            request.ctx.account,
            form.get("key", ""),
            form.get("intent", ""),
            form.get("confirm_urgent") == "yes",
        )
        flash(request, f"Added to your draft: '{example.text}' as a way of asking {example.intent}.")
        return redirect("/inbox")

    @app.post("/inbox/decide")
    @signed_in
    async def inbox_decide(request: Request) -> HTTPResponse:
        decision = request.form.get("decision", "")
        await blocking(studio.inbox_decide, request.ctx.account, request.form.get("key", ""), decision)
        notes = {
            ESCALATE: "Listed for the clinical reviewer (Should have escalated).",
            NEW_TOPIC: "Listed on the New topic page.",
        }
        flash(request, notes.get(decision, "Dismissed."))
        return redirect("/inbox")

    @app.get("/escalations")
    @signed_in
    async def escalations(request: Request) -> HTTPResponse:
        return render(request, "escalations.html", title="Should have escalated", items=studio.inbox.listed(ESCALATE))

    @app.post("/escalations/reviewed")
    @signed_in
    async def escalation_reviewed(request: Request) -> HTTPResponse:
        studio.escalation_reviewed(request.ctx.account, request.form.get("key", ""))
        flash(request, "Marked as reviewed.")
        return redirect("/escalations")

    # --- answers ----------------------------------------------------------------------------

    @app.get("/answers")
    @signed_in
    async def answers(request: Request) -> HTTPResponse:
        library = await blocking(studio.library)
        draft = studio.drafts.load(request.ctx.account.user)
        return render(request, "answers.html", title="Answers", library=library, drafted=draft.answers)

    @app.get("/answers/<name:[a-z][a-z0-9_]*>")
    @signed_in
    async def answer_page(request: Request, name: str) -> HTTPResponse:
        view = await blocking(studio.answer_texts, request.ctx.account, name)
        checks = await blocking(studio.check_answer, name, view["en_text"], view["es_text"], view["sources"])
        library = await blocking(studio.library)
        return render(request, "answer.html", title=view["pair"].title, view=view, checks=checks, library=library)

    def field_list(request: Request, name: str) -> List[str]:
        return [value for value in (request.form.getlist(name) or [] if request.form else []) if value]

    def answer_form(request: Request) -> tuple:
        form = request.form or {}
        return form.get("en_text", ""), form.get("es_text", ""), field_list(request, "sources")

    @app.post("/answers/<name:[a-z][a-z0-9_]*>/check")
    @signed_in
    async def answer_check(request: Request, name: str) -> HTTPResponse:
        en_text, es_text, sources = answer_form(request)
        checks = await blocking(studio.check_answer, name, en_text, es_text, sources)
        return render(request, "_checks.html", checks=checks)

    @app.post("/answers/<name:[a-z][a-z0-9_]*>")
    @signed_in
    async def answer_save(request: Request, name: str) -> HTTPResponse:
        en_text, es_text, sources = answer_form(request)
        try:
            notices = await blocking(studio.save_answer, request.ctx.account, name, en_text, es_text, sources)
        except Invalid as error:
            # the person's text stays in the form: nothing they typed is lost
            view = await blocking(studio.answer_texts, request.ctx.account, name)
            view.update(en_text=en_text, es_text=es_text, sources=sources)
            checks = await blocking(studio.check_answer, name, en_text, es_text, sources)
            library = await blocking(studio.library)
            return render(
                request,
                "answer.html",
                status=400,
                title=view["pair"].title,
                view=view,
                checks=checks,
                library=library,
                errors=[f"Not saved: {error}."],
            )
        for notice in notices:
            flash(request, notice)
        flash(request, "Saved in your draft. Try it, then ask a reviewer to sign it off and publish it.")
        return redirect(f"/answers/{name}")

    @app.post("/answers/<name:[a-z][a-z0-9_]*>/translation-review")
    @signed_in
    async def translation_review(request: Request, name: str) -> HTTPResponse:
        await blocking(studio.translation_review, request.ctx.account, name)
        flash(request, "Your review of the Spanish answer is in your draft: publish it from Review and publish.")
        return redirect(f"/answers/{name}")

    # --- new topic --------------------------------------------------------------------------

    def topic_form(request: Request) -> tuple:
        form = request.form or {}
        values = {k: form.get(k, "") for k in form.keys() if k not in ("csrf", "sources")}
        return values, field_list(request, "sources")

    @app.get("/topics/new")
    @signed_in
    async def new_topic(request: Request) -> HTTPResponse:
        library = await blocking(studio.library)
        requests_ = studio.inbox.listed(NEW_TOPIC)
        values = {
            "examples_en": "\n".join(d.text for d in requests_ if d.language == "en"),
            "examples_es": "\n".join(d.text for d in requests_ if d.language == "es"),
        }
        return render(
            request, "topic_new.html", title="New topic", library=library, values=values, chosen=[], requests=requests_
        )

    @app.post("/topics/new/check")
    @signed_in
    async def new_topic_check(request: Request) -> HTTPResponse:
        values, sources = topic_form(request)
        try:
            edit = await blocking(studio.topic_from_form, values, sources)
            problems = await blocking(studio.check_topic, edit)
        except Invalid as error:
            problems = [str(error)]
        counts = {
            k: len([x for x in values.get(k, "").splitlines() if x.strip()])
            for k in ("examples_en", "examples_es", "held_out_en", "held_out_es")
        }
        return render(request, "_topic_checks.html", problems=problems, counts=counts)

    @app.post("/topics/new")
    @signed_in
    async def new_topic_save(request: Request) -> HTTPResponse:
        values, sources = topic_form(request)
        library = await blocking(studio.library)
        try:
            edit = await blocking(studio.topic_from_form, values, sources)
            await blocking(studio.save_topic, request.ctx.account, edit)
        except Invalid as error:
            return render(
                request,
                "topic_new.html",
                status=400,
                title="New topic",
                library=library,
                values=values,
                chosen=sources,
                requests=studio.inbox.listed(NEW_TOPIC),
                errors=[f"Not saved: {error}."],
            )
        flash(request, f"The new topic {edit.intent} is in your draft. Try it, then ask for the clinical sign-off.")
        return redirect("/draft")

    # --- draft, try it ----------------------------------------------------------------------

    @app.get("/draft")
    @signed_in
    async def draft_page(request: Request) -> HTTPResponse:
        library = await blocking(studio.library)
        draft = studio.drafts.load(request.ctx.account.user)
        return render(request, "draft.html", title="My draft", draft=draft, library=library)

    @app.post("/draft/discard")
    @signed_in
    async def draft_discard(request: Request) -> HTTPResponse:
        studio.discard(request.ctx.account, request.form.get("what", ""))
        flash(request, "Discarded.")
        return redirect("/draft")

    def jobs_of(user: str) -> Dict[str, Any]:
        return {kind: studio.tryit.job(user, kind) for kind in ("train", "checks", "blind")}

    @app.get("/try")
    @signed_in
    async def try_page(request: Request) -> HTTPResponse:
        user = request.ctx.account.user
        library = await blocking(studio.library)
        draft = studio.drafts.load(user)
        return render(
            request,
            "try.html",
            title="Try it",
            draft=draft,
            summary=draft.summary(library),
            jobs=jobs_of(user),
            ready=studio.tryit.ready(user),
            RUNNING=RUNNING,
        )

    @app.get("/try/status")
    @signed_in
    async def try_status(request: Request) -> HTTPResponse:
        user = request.ctx.account.user
        ready = studio.tryit.ready(user)
        # the chat controls change only when the assistants came up (or went) since the page last saw them
        changed = (request.args.get("ready") == "1") != ready
        return render(request, "_jobs.html", jobs=jobs_of(user), ready=ready, RUNNING=RUNNING, oob=changed)

    @app.post("/try/train")
    @signed_in
    async def try_train(request: Request) -> HTTPResponse:
        try:
            studio.start_training(request.ctx.account)
        except RuntimeError as error:
            raise Invalid(str(error)) from None
        return redirect("/try")

    @app.post("/try/checks")
    @signed_in
    async def try_checks(request: Request) -> HTTPResponse:
        library = await blocking(studio.library)
        try:
            studio.tryit.start_checks(request.ctx.account.user, library, library.intent_title)
        except RuntimeError as error:
            raise Invalid(str(error)) from None
        return redirect("/try")

    @app.post("/try/blind")
    @signed_in
    async def try_blind(request: Request) -> HTTPResponse:
        try:
            studio.tryit.start_blind(request.ctx.account.user)
        except RuntimeError as error:
            raise Invalid(str(error)) from None
        return redirect("/try")

    @app.post("/try/chat")
    @signed_in
    async def try_chat(request: Request) -> HTTPResponse:
        from studio.service import plain_text

        message = plain_text("the message", request.form.get("message", ""), 500)
        session: Session = request.ctx.session
        conversation = f"{request.ctx.account.user}-{session.token[:8]}"
        try:
            current_reply, candidate_reply = await studio.tryit.chat(request.ctx.account.user, conversation, message)
        except RuntimeError as error:
            raise Invalid(str(error)) from None
        return render(request, "_chat.html", message=message, current=current_reply, candidate=candidate_reply)

    # --- review and publish -----------------------------------------------------------------

    @app.get("/review")
    @signed_in
    async def review_list(request: Request) -> HTTPResponse:
        library = await blocking(studio.library)
        drafts = studio.drafts.all()
        items = [
            {
                "draft": d,
                "author": studio.accounts.get(d.user),
                "summary": d.summary(library),
                "clinical": bool(d.clinical_reasons(library)),
                "signed": d.valid_signoff(CLINICAL),
            }
            for d in drafts
        ]
        return render(
            request,
            "review_list.html",
            title="Review and publish",
            items=items,
            history=await blocking(studio.repository.log),
        )

    @app.get("/review/<user:[a-z0-9][a-z0-9._@-]*>")
    @signed_in
    async def review_page(request: Request, user: str) -> HTTPResponse:
        view = await blocking(studio.review, request.ctx.account, user)
        return render(
            request,
            "review.html",
            title=f"Review: {view['author'].name if view['author'] else user}",
            user=user,
            view=view,
            CLINICAL=CLINICAL,
            TRANSLATION=TRANSLATION,
            branch=settings.publish_branch,
        )

    @app.post("/review/<user:[a-z0-9][a-z0-9._@-]*>/sign-off")
    @signed_in
    async def sign_off(request: Request, user: str) -> HTTPResponse:
        signoff = await blocking(studio.sign_off, request.ctx.account, user, request.form.get("kind", ""))
        kind = "Clinical" if signoff.kind == CLINICAL else "Translation"
        flash(request, f"{kind} sign-off recorded: {signoff.by_name}, {signoff.date}.")
        log.info("sign-off recorded: %s by %s", signoff.kind, signoff.by)
        return redirect(f"/review/{user}")

    @app.post("/review/<user:[a-z0-9][a-z0-9._@-]*>/publish")
    @signed_in
    async def publish(request: Request, user: str) -> HTTPResponse:
        published = await blocking(studio.publish, request.ctx.account, user)
        where = f"{settings.publish_branch}" + (f", pushed to {settings.push_remote}" if settings.push_remote else "")
        flash(request, f"Published as commit {published.commit[:10]} on {where}.")
        if published.push_problem:
            flash(request, f"But: {published.push_problem}.")
        log.info("published %s on %s by %s", published.commit[:10], settings.publish_branch, request.ctx.account.user)
        return redirect("/review")

    # --- due for review ---------------------------------------------------------------------

    @app.get("/due")
    @signed_in
    async def due(request: Request) -> HTTPResponse:
        library = await blocking(studio.library)
        items = library.due(today(), settings.review_interval_days)
        return render(
            request,
            "due.html",
            title="Due for review",
            review=[i for i in items if i.kind == "review"],
            translation=[i for i in items if i.kind == "translation"],
            interval=settings.review_interval_days,
        )

    app.ctx.today = dt.date.today
    return app
