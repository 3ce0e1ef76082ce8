"""The local web app (``tsunagu serve``): referral, municipality, analyst and entity pages.

Imported only by ``tsunagu serve`` and the tests: Starlette, Jinja2 and uvicorn
are the ``web`` extra.
"""

__all__ = ["allowed_hosts", "create_app", "serve"]


def create_app(*args, **kwargs):
    """See :func:`tsunagu.web.app.create_app`."""
    from tsunagu.web.app import create_app as _create

    return _create(*args, **kwargs)


def allowed_hosts(*args, **kwargs):
    """See :func:`tsunagu.web.app.allowed_hosts`."""
    from tsunagu.web.app import allowed_hosts as _hosts

    return _hosts(*args, **kwargs)


def serve(host="127.0.0.1", port=8080, **options):
    """Run the app with uvicorn until interrupted; access logs stay off (they would hold what was asked).

    The app answers only the Host names of ``host`` (and loopback, and
    ``$TSUNAGU_ALLOWED_HOSTS``): see :func:`tsunagu.web.app.allowed_hosts`.
    """
    import gc

    import uvicorn

    app = create_app(hosts=allowed_hosts(host), **options)
    # What the app read at start lives as long as the server: moved out of the collector's sight,
    # full collections no longer rescan it (100 ms pauses otherwise, as requests come and go).
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", server_header=False)
