"""The immunotherapy content service: curated, source-cited content served as versioned JSON."""

from flask import Flask

from service.domain.database import engine_options
from service.settings import PROJECT_ROOT, Settings
from service.web.input import AsciiIntegerConverter
from service.web.paths import API_PREFIX, API_VERSION
from service.web.request_log import configure_logging


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.config["SETTINGS"] = settings
    configure(app, settings)
    register_extensions(app, settings)
    register_blueprints(app)
    register_commands(app)
    return app


def configure(app: Flask, settings: Settings) -> None:
    from service.web.openapi import SPEC_OPTIONS

    configure_logging(settings.log_level)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings.database_url, settings.database_timeout),
        API_TITLE="Immunotherapy content API",
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS=SPEC_OPTIONS,
        # A larger body is refused with 413 before it is read.
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.url_map.converters["int"] = AsciiIntegerConverter
    # Fields in the order the schemas declare them, not sorted.
    app.json.sort_keys = False
    if settings.is_sqlite:
        (PROJECT_ROOT / "instance").mkdir(exist_ok=True)


def register_extensions(app: Flask, settings: Settings) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from service.domain.database import configure_sqlite
    from service.domain.db import db, migrate
    from service.web.api import api, cors
    from service.web.auth import check_tokens
    from service.web.compression import EncodedValidators, register_compression
    from service.web.conditional import register_caching_headers
    from service.web.database_guard import SilentServerGuard, end_sessions_safely, read_without_transactions
    from service.web.errors import register_error_handlers
    from service.web.input import check_requests
    from service.web.parameters import refuse_undeclared_parameters
    from service.web.paths import PathNormalizer
    from service.web.rate_limits import register_rate_limits
    from service.web.request_log import RequestLogMiddleware
    from service.web.response_cache import register_response_cache
    from service.web.security import register_security_headers

    db.init_app(app)
    end_sessions_safely(app, db.session)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    api.init_app(app)
    register_error_handlers(app)
    check_requests(app, settings.max_uri_length)
    refuse_undeclared_parameters(app, api)
    # The WSGI layers in front of Flask, innermost first: each call wraps the ones before it.
    # The cache comes before compression and the caching headers too: after-request hooks run in
    # reverse, so the caching headers are made on the plain body (a hashed ETag is the same in
    # every encoding), compression comes next, and the cache stores the complete, encoded response.
    register_response_cache(app, settings.response_cache_entries, settings.response_cache_bytes)
    register_compression(app)
    # Around the cache: it, and every view, see If-None-Match and If-Match tags without the
    # encoding suffix that compressed responses' ETags carry.
    app.wsgi_app = EncodedValidators(app.wsgi_app)
    if not settings.is_sqlite:
        # Around every layer that asks the database: the cache's generation read and the app.
        with app.app_context():
            app.wsgi_app = SilentServerGuard(app.wsgi_app, db.engine, settings.database_timeout)
        # Before any hook that asks the database (the token check): it sets how the session reads.
        read_without_transactions(app, db.session)
    register_rate_limits(app, settings)
    # After the refused-token budget's check: a locked-out address is refused before any look-up.
    check_tokens(app)
    if settings.trusted_proxies:
        count = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    app.wsgi_app = RequestLogMiddleware(app.wsgi_app)
    # Outermost: every layer above, and the routes, see one spelling of the path.
    app.wsgi_app = PathNormalizer(app.wsgi_app)
    register_caching_headers(app)
    register_security_headers(app)
    # Reads are open to every origin; apps may read the validators and the paging headers, the
    # request's id (to report a problem by) and what a 401 asks for.
    cors.init_app(
        app,
        resources={r"/*": {"origins": "*"}},
        expose_headers=[
            "ETag",
            "Link",
            "X-Pagination",
            "Location",
            "Retry-After",
            "Last-Modified",
            "X-Did-You-Mean",
            "X-Request-ID",
            "WWW-Authenticate",
        ],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "If-Modified-Since",
            "X-Change-Note",
            "X-Request-ID",
        ],
        send_wildcard=True,
        max_age=600,
    )
    if settings.is_sqlite:
        with app.app_context():
            configure_sqlite(db.engine, settings.database_timeout)


def register_blueprints(app: Flask) -> None:
    from service.domain import public_items
    from service.domain.content import KINDS
    from service.web.api import api
    from service.web.openapi import register_components
    from service.web.routes import changes, docs, meta, reviews, search, synonyms, tokens
    from service.web.routes.content import content_blueprint, render_public

    register_components(api)
    # Published items' JSON is stored as their reads answer it, made by the same schemas.
    public_items.set_renderer(render_public)
    api.register_blueprint(meta.blp)
    for kind in KINDS.values():
        api.register_blueprint(content_blueprint(kind))
    api.register_blueprint(search.blp)
    api.register_blueprint(synonyms.blp)
    api.register_blueprint(changes.blp)
    api.register_blueprint(tokens.blp)
    api.register_blueprint(reviews.blp)
    # The pages themselves stay out of the spec they show.
    app.register_blueprint(docs.blp)


def register_commands(app: Flask) -> None:
    from service.cli import (
        backup_command,
        check_command,
        content_command,
        prepare_command,
        render_command,
        seed_command,
        tokens_command,
    )

    app.cli.add_command(backup_command)
    app.cli.add_command(check_command)
    app.cli.add_command(content_command)
    app.cli.add_command(prepare_command)
    app.cli.add_command(render_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(tokens_command)
