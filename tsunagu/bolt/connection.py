"""Connecting to a Bolt server, and turning the driver's errors into clear ones."""

from __future__ import annotations

import contextlib
import os

from tsunagu.exceptions import BoltError

__all__ = ["PASSWORD_VARIABLE", "USER_VARIABLE", "connect", "bolt_errors"]

PASSWORD_VARIABLE = "TSUNAGU_BOLT_PASSWORD"
USER_VARIABLE = "TSUNAGU_BOLT_USER"
_SCHEMES = frozenset({"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"})


@contextlib.contextmanager
def bolt_errors(uri, database=None):
    """Re-raise the driver's exceptions as :class:`BoltError` with what to do about them."""
    from neo4j import exceptions as neo

    where = uri + (f" (database '{database}')" if database else "")
    try:
        yield
    except neo.AuthError as error:
        raise BoltError(f"{where}: the server refused the user name or password ({error.message or error})") from error
    except neo.ServiceUnavailable as error:
        raise BoltError(f"{where}: no Bolt server answers there; is it running? ({error})") from error
    except neo.ClientError as error:
        code = error.code or ""
        if "DatabaseNotFound" in code or "database" in (error.message or "").lower() and "not" in (error.message or "").lower():
            raise BoltError(f"{where}: the server has no such database ({error.message})") from error
        raise BoltError(f"{where}: the server rejected the query: {error.message or error} [{code}]") from error
    except neo.DriverError as error:
        raise BoltError(f"{where}: {error}") from error
    except neo.Neo4jError as error:
        raise BoltError(f"{where}: the server failed the query: {error.message or error} [{error.code}]") from error


def connect(uri, user=None, password=None, database=None):
    """An open, verified driver. The password comes from the argument or
    ``$TSUNAGU_BOLT_PASSWORD``; it is never logged or echoed."""
    from neo4j import GraphDatabase

    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in _SCHEMES:  # the driver would reach for other transports (http needs aiohttp) or fail obscurely
        raise BoltError(f"{uri}: not a Bolt address; use {' or '.join(s + '://HOST:7687' for s in ('bolt', 'neo4j'))}"
                        f" (also {', '.join(sorted(_SCHEMES - {'bolt', 'neo4j'}))})")
    user = user or os.environ.get(USER_VARIABLE) or "neo4j"
    if password is None:
        password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        raise BoltError(f"no password for {uri}: set {PASSWORD_VARIABLE} or give one when asked")
    with bolt_errors(uri, database):
        driver = GraphDatabase.driver(uri, auth=(user, password), connection_timeout=10, max_connection_lifetime=600)
        try:
            driver.verify_connectivity()
            with driver.session(database=database) as session:
                session.run("RETURN 1").consume()
        except Exception:
            driver.close()
            raise
    return driver
