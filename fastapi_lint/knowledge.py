"""What fastapi-lint knows about FastAPI, Starlette and the libraries around them.

Everything is keyed by *canonical qualified name* (see :func:`canonical`): the
name a symbol is documented under (``fastapi.APIRouter``), whatever module it is
imported from (``fastapi.routing.APIRouter``). Rules match these names; they never
compare the text of the source.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- canonical names --------------------------------------------------------

_CANONICAL_EXACT = {
    "fastapi.applications.FastAPI": "fastapi.FastAPI",
    "fastapi.routing.APIRouter": "fastapi.APIRouter",
    "fastapi.exceptions.HTTPException": "fastapi.HTTPException",
    "fastapi.exceptions.WebSocketException": "fastapi.WebSocketException",
    "fastapi.requests.Request": "fastapi.Request",
    "starlette.requests.Request": "fastapi.Request",
    "starlette.requests.HTTPConnection": "fastapi.requests.HTTPConnection",
    "fastapi.websockets.WebSocket": "fastapi.WebSocket",
    "starlette.websockets.WebSocket": "fastapi.WebSocket",
    "fastapi.background.BackgroundTasks": "fastapi.BackgroundTasks",
    "starlette.background.BackgroundTasks": "fastapi.BackgroundTasks",
    "fastapi.datastructures.UploadFile": "fastapi.UploadFile",
    "starlette.datastructures.UploadFile": "fastapi.UploadFile",
    "fastapi.responses.Response": "fastapi.Response",
    "starlette.responses.Response": "fastapi.Response",
    "fastapi.middleware.cors.CORSMiddleware": "starlette.middleware.cors.CORSMiddleware",
    "fastapi.middleware.trustedhost.TrustedHostMiddleware": "starlette.middleware.trustedhost.TrustedHostMiddleware",
    "fastapi.middleware.gzip.GZipMiddleware": "starlette.middleware.gzip.GZipMiddleware",
    "fastapi.middleware.httpsredirect.HTTPSRedirectMiddleware": "starlette.middleware.httpsredirect.HTTPSRedirectMiddleware",
    "fastapi.middleware.Middleware": "starlette.middleware.Middleware",
    "starlette.applications.Starlette": "starlette.applications.Starlette",
    "typing_extensions.Annotated": "typing.Annotated",
    "typing_extensions.Optional": "typing.Optional",
    "typing_extensions.Union": "typing.Union",
    "sqlalchemy.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.scoping.scoped_session": "sqlalchemy.orm.scoped_session",
    "sqlalchemy.ext.asyncio.session.AsyncSession": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.session.async_sessionmaker": "sqlalchemy.ext.asyncio.async_sessionmaker",
    "sqlalchemy.engine.create_engine": "sqlalchemy.create_engine",
    "sqlalchemy.engine.Engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.base.Engine": "sqlalchemy.Engine",
    "sqlalchemy.engine.Connection": "sqlalchemy.Connection",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.Connection",
    "sqlalchemy.sql.expression.text": "sqlalchemy.text",
    "sqlalchemy.sql.text": "sqlalchemy.text",
    "sqlalchemy.sql.expression.insert": "sqlalchemy.insert",
    "sqlalchemy.sql.expression.update": "sqlalchemy.update",
    "sqlalchemy.sql.expression.delete": "sqlalchemy.delete",
    "sqlmodel.orm.session.Session": "sqlmodel.Session",
    "sqlmodel.ext.asyncio.session.AsyncSession": "sqlmodel.ext.asyncio.AsyncSession",
    "requests.api.get": "requests.get",
    "requests.api.post": "requests.post",
    "requests.api.put": "requests.put",
    "requests.api.patch": "requests.patch",
    "requests.api.delete": "requests.delete",
    "requests.api.head": "requests.head",
    "requests.api.options": "requests.options",
    "requests.api.request": "requests.request",
    "requests.sessions.Session": "requests.Session",
    "requests.session": "requests.Session",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "redis.client.Redis": "redis.Redis",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.asyncio.client.Redis": "redis.asyncio.Redis",
    "pydantic.main.BaseModel": "pydantic.BaseModel",
    "pydantic.BaseSettings": "pydantic_settings.BaseSettings",
    "pydantic_settings.main.BaseSettings": "pydantic_settings.BaseSettings",
    "pydantic.fields.Field": "pydantic.Field",
    "sqlmodel.main.SQLModel": "sqlmodel.SQLModel",
    "starlette.middleware.base.BaseHTTPMiddleware": "starlette.middleware.base.BaseHTTPMiddleware",
    "fastapi.concurrency.run_in_threadpool": "starlette.concurrency.run_in_threadpool",
    "jose.jwt.encode": "jose.jwt.encode",
    "psycopg2.extensions.connection": "psycopg2.connection",
    "pymongo.mongo_client.MongoClient": "pymongo.MongoClient",
    "os.environ.get": "os.environ.get",
}

_CANONICAL_MODULES = {
    # module prefix -> canonical module
    "fastapi.param_functions": "fastapi",
    "fastapi.params": "fastapi",
    "starlette.responses": "fastapi.responses",
    "fastapi.security.oauth2": "fastapi.security",
    "fastapi.security.http": "fastapi.security",
    "fastapi.security.api_key": "fastapi.security",
    "fastapi.security.open_id_connect_url": "fastapi.security",
    "starlette.status": "fastapi.status",
    "typing_extensions": "typing",
}


def canonical(qualified: str) -> str:
    """The canonical spelling of a qualified name (identity when unknown)."""
    hit = _CANONICAL_EXACT.get(qualified)
    if hit is not None:
        return hit
    module, _, name = qualified.rpartition(".")
    mapped = _CANONICAL_MODULES.get(module)
    if mapped is not None:
        return canonical(f"{mapped}.{name}")
    return qualified


# --- FastAPI ---------------------------------------------------------------

APP_CLASSES = frozenset({"fastapi.FastAPI"})
STARLETTE_APP_CLASSES = frozenset({"starlette.applications.Starlette"})
ROUTER_CLASSES = frozenset({"fastapi.APIRouter"})

#: Decorator/method name -> HTTP methods of the path operation it declares.
ROUTE_DECORATORS: dict[str, tuple[str, ...]] = {
    "get": ("GET",),
    "post": ("POST",),
    "put": ("PUT",),
    "patch": ("PATCH",),
    "delete": ("DELETE",),
    "head": ("HEAD",),
    "options": ("OPTIONS",),
    "trace": ("TRACE",),
    "api_route": ("GET",),  # default of ``methods=``
    "websocket": ("WEBSOCKET",),
}
ROUTE_METHODS = frozenset({"add_api_route", "add_api_websocket_route"})

DEPENDS = "fastapi.Depends"
SECURITY = "fastapi.Security"
PARAM_MARKERS = {
    "fastapi.Depends": "depends",
    "fastapi.Security": "security",
    "fastapi.Query": "query",
    "fastapi.Path": "path",
    "fastapi.Body": "body",
    "fastapi.Header": "header",
    "fastapi.Cookie": "cookie",
    "fastapi.Form": "form",
    "fastapi.File": "file",
}
SPECIAL_PARAM_TYPES = {
    "fastapi.Request": "request",
    "fastapi.requests.HTTPConnection": "request",
    "fastapi.WebSocket": "websocket",
    "fastapi.BackgroundTasks": "background-tasks",
    "fastapi.Response": "response",
    "fastapi.security.SecurityScopes": "security-scopes",
}
ANNOTATED = "typing.Annotated"
OPTIONAL_WRAPPERS = frozenset({"typing.Optional"})

SECURITY_SCHEMES = frozenset(
    {
        "fastapi.security.base.SecurityBase",
        "fastapi.security.OAuth2",
        "fastapi.security.OAuth2PasswordBearer",
        "fastapi.security.OAuth2AuthorizationCodeBearer",
        "fastapi.security.OpenIdConnect",
        "fastapi.security.HTTPBasic",
        "fastapi.security.HTTPBearer",
        "fastapi.security.HTTPDigest",
        "fastapi.security.HTTPBase",
        "fastapi.security.APIKeyHeader",
        "fastapi.security.APIKeyQuery",
        "fastapi.security.APIKeyCookie",
    }
)

HTTP_EXCEPTIONS = frozenset(
    {"fastapi.HTTPException", "starlette.exceptions.HTTPException", "fastapi.WebSocketException"}
)

BASE_HTTP_MIDDLEWARE = "starlette.middleware.base.BaseHTTPMiddleware"

#: Response classes (canonical) and whether they render JSON.
RESPONSE_CLASSES: dict[str, bool] = {
    "fastapi.Response": False,
    "fastapi.responses.JSONResponse": True,
    "fastapi.responses.ORJSONResponse": True,
    "fastapi.responses.UJSONResponse": True,
    "fastapi.responses.HTMLResponse": False,
    "fastapi.responses.PlainTextResponse": False,
    "fastapi.responses.RedirectResponse": False,
    "fastapi.responses.StreamingResponse": False,
    "fastapi.responses.FileResponse": False,
    "sse_starlette.EventSourceResponse": False,
    "sse_starlette.sse.EventSourceResponse": False,
}

PYDANTIC_MODEL_BASES = frozenset({"pydantic.BaseModel", "sqlmodel.SQLModel", "pydantic.RootModel"})
SETTINGS_BASES = frozenset({"pydantic_settings.BaseSettings"})

THREADPOOL_RUNNERS = frozenset(
    {
        "starlette.concurrency.run_in_threadpool",
        "asyncio.to_thread",
        "anyio.to_thread.run_sync",
        "asyncer.asyncify",
    }
)

# --- types of values: what a call returns -----------------------------------

#: Calling the left-hand callable returns an instance of the right-hand type.
#: Classes need no entry: calling a class returns an instance of it.
RETURNS: dict[str, str] = {
    "sqlalchemy.orm.sessionmaker()": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.scoped_session()": "sqlalchemy.orm.Session",
    "sqlalchemy.ext.asyncio.async_sessionmaker()": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.create_engine": "sqlalchemy.Engine",
    "sqlalchemy.Engine.connect": "sqlalchemy.Connection",
    "sqlalchemy.Engine.begin": "sqlalchemy.Connection",
    "sqlite3.connect": "sqlite3.Connection",
    "sqlite3.Connection.cursor": "sqlite3.Cursor",
    "psycopg2.connect": "psycopg2.connection",
    "psycopg2.connection.cursor": "psycopg2.cursor",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    "psycopg.Connection.cursor": "psycopg.Cursor",
    "pymysql.connect": "pymysql.connections.Connection",
    "pymysql.connections.Connection.cursor": "pymysql.cursors.Cursor",
    "MySQLdb.connect": "MySQLdb.Connection",
    "MySQLdb.Connection.cursor": "MySQLdb.Cursor",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.asyncio.from_url": "redis.asyncio.Redis",
    "boto3.client": "boto3.client",
    "boto3.resource": "boto3.resource",
    "boto3.session.Session.client": "boto3.client",
    "requests.Session": "requests.Session",
    "asyncpg.connect": "asyncpg.Connection",
    "asyncpg.create_pool": "asyncpg.Pool",
    "smtplib.SMTP": "smtplib.SMTP",
    "smtplib.SMTP_SSL": "smtplib.SMTP",
    "pymongo.MongoClient": "pymongo.MongoClient",
    "builtins.open": "io.TextIOWrapper",
}


def returns(callee: str) -> str | None:
    """The type a call of ``callee`` returns, when known."""
    return RETURNS.get(callee)


# --- blocking and fallible calls --------------------------------------------


@dataclass(frozen=True)
class CallPattern:
    """A family of calls: ``type_or_module`` followed by one of ``names``.

    ``names`` empty means "any attribute"; ``exclude`` lists names that do not match.
    ``deep`` allows attribute hops in between (``client.db.users.find_one``).
    """

    prefix: str
    names: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    deep: bool = False

    def matches(self, qualified: str) -> bool:
        if not qualified.startswith(self.prefix + "."):
            return False
        rest = qualified[len(self.prefix) + 1 :]
        if "." in rest and not self.deep:
            return False
        last = rest.rpartition(".")[2]
        if last in self.exclude:
            return False
        return not self.names or last in self.names


@dataclass(frozen=True)
class CallKind:
    """A kind of call and what to tell the user about it."""

    name: str
    patterns: tuple[CallPattern, ...]
    exact: frozenset[str]
    alternative: str
    #: exception families (qualified-name prefixes or names) that handle its failure
    handled_by: tuple[str, ...] = ()

    def matches(self, qualified: str | None) -> bool:
        if qualified is None:
            return False
        return qualified in self.exact or any(p.matches(qualified) for p in self.patterns)


def _names(*names: str) -> frozenset[str]:
    return frozenset(names)


_HTTP_VERBS = _names("get", "post", "put", "patch", "delete", "head", "options", "request")
_SYNC_SESSION_TYPES = ("sqlalchemy.orm.Session", "sqlmodel.Session")
_ASYNC_SESSION_TYPES = ("sqlalchemy.ext.asyncio.AsyncSession", "sqlmodel.ext.asyncio.AsyncSession")
#: ORM session classes (canonical), sync and async
SESSION_TYPES = _SYNC_SESSION_TYPES + _ASYNC_SESSION_TYPES
_SESSION_IO = _names(
    "execute", "scalar", "scalars", "query", "get", "commit", "flush", "refresh", "merge",
    "rollback", "connection", "exec", "get_one", "delete",
)
_PATH_IO = _names(
    "read_text", "read_bytes", "write_text", "write_bytes", "open", "touch", "mkdir", "unlink",
    "rmdir", "rename", "replace", "iterdir", "glob", "rglob",
)
_REDIS_NON_IO = _names("pipeline", "pubsub", "lock", "register_script", "client", "from_url")
#: sync HTTP clients (blocking in ``async def``, fallible everywhere)
_SYNC_HTTP = (
    CallPattern("requests", _HTTP_VERBS),
    CallPattern("requests.Session", _HTTP_VERBS | {"send"}),
    CallPattern("httpx", _HTTP_VERBS | {"stream"}),
    CallPattern("httpx.Client", _HTTP_VERBS | {"send", "stream"}),
    CallPattern("urllib3.PoolManager", _names("request", "urlopen")),
)

#: Calls that block the event loop when made in ``async def`` (FAPI201/FAPI202).
BLOCKING_KINDS: tuple[CallKind, ...] = (
    CallKind("sleep", (), _names("time.sleep"), "`await asyncio.sleep(...)`"),
    CallKind("http", _SYNC_HTTP, _names("urllib.request.urlopen"), "`httpx.AsyncClient`"),
    CallKind(
        "file",
        (CallPattern("pathlib.Path", _PATH_IO),),
        _names("builtins.open", "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree",
               "shutil.move", "shutil.rmtree"),
        "`aiofiles`, `anyio.Path` or `await run_in_threadpool(...)`",
    ),
    CallKind(
        "subprocess",
        (),
        _names("subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
               "subprocess.getoutput", "subprocess.getstatusoutput", "os.system", "os.popen",
               "os.wait", "os.waitpid"),
        "`asyncio.create_subprocess_exec(...)`",
    ),
    CallKind(
        "network",
        (
            CallPattern("smtplib.SMTP", _names("sendmail", "send_message", "login", "starttls", "connect", "ehlo",
                                               "quit")),
            CallPattern("boto3.client"),
            CallPattern("boto3.resource", deep=True),
            # ``UploadFile.file`` is the sync file object under the async wrapper.
            CallPattern("fastapi.UploadFile.file", _names("read", "write", "readline", "readlines")),
        ),
        _names("smtplib.SMTP", "smtplib.SMTP_SSL"),
        "an async client (`aiosmtplib`, `aioboto3`) or `await run_in_threadpool(...)`; "
        "for uploads, `await file.read()`",
    ),
    CallKind(
        "database",
        (
            CallPattern("sqlite3.Connection", _names("execute", "executemany", "executescript", "commit",
                                                     "rollback")),
            CallPattern("sqlite3.Cursor", _names("execute", "executemany", "executescript", "fetchone",
                                                 "fetchall", "fetchmany")),
            CallPattern("psycopg2.connection", _names("commit", "rollback")),
            CallPattern("psycopg2.cursor", _names("execute", "executemany", "fetchone", "fetchall",
                                                  "fetchmany", "callproc")),
            CallPattern("psycopg.Connection", _names("execute", "commit", "rollback")),
            CallPattern("psycopg.Cursor", _names("execute", "executemany", "fetchone", "fetchall",
                                                 "fetchmany")),
            CallPattern("pymysql.connections.Connection", _names("commit", "rollback", "ping")),
            CallPattern("pymysql.cursors.Cursor", _names("execute", "executemany", "fetchone", "fetchall",
                                                         "fetchmany")),
            CallPattern("pymongo.MongoClient", _names(
                "find", "find_one", "insert_one", "insert_many", "update_one", "update_many",
                "delete_one", "delete_many", "replace_one", "aggregate", "count_documents",
                "find_one_and_update", "find_one_and_delete", "find_one_and_replace", "bulk_write",
                "distinct", "create_index", "drop", "list_database_names", "list_collection_names",
                "server_info", "command"), deep=True),
            CallPattern("redis.Redis", exclude=_REDIS_NON_IO),
            CallPattern("sqlalchemy.Engine", _names("connect", "begin", "execute")),
            CallPattern("sqlalchemy.Connection", _names("execute", "exec_driver_sql", "commit", "scalar",
                                                        "scalars")),
            *(CallPattern(t, _SESSION_IO) for t in _SYNC_SESSION_TYPES),
        ),
        _names("sqlite3.connect", "psycopg2.connect", "psycopg.connect", "pymysql.connect",
               "MySQLdb.connect"),
        "an async driver (`AsyncSession`, asyncpg, aiosqlite, `redis.asyncio`, motor)",
    ),
)

#: Exception classes (canonical) that catch everything a route can raise.
BROAD_EXCEPTIONS = frozenset({"builtins.Exception", "builtins.BaseException"})

_OS_ERRORS = (
    "builtins.OSError", "builtins.IOError", "builtins.EnvironmentError", "builtins.ConnectionError",
    "builtins.TimeoutError", "builtins.PermissionError", "builtins.FileNotFoundError",
    "builtins.FileExistsError", "builtins.IsADirectoryError", "builtins.NotADirectoryError",
    "builtins.BrokenPipeError", "builtins.ConnectionRefusedError", "builtins.ConnectionResetError",
    "builtins.ConnectionAbortedError", "socket.error", "socket.timeout", "asyncio.TimeoutError",
)
_DB_ERRORS = ("sqlalchemy.", "sqlite3.", "psycopg2.", "psycopg.", "pymysql.", "MySQLdb.", "asyncpg.",
              "sqlmodel.", "databases.", "tortoise.exceptions.", "pymongo.errors.", "motor.")

#: Fallible external I/O in a path operation (FAPI101), by kind.
FALLIBLE_KINDS: tuple[CallKind, ...] = (
    CallKind(
        "http",
        (
            *_SYNC_HTTP,
            CallPattern("httpx.AsyncClient", _HTTP_VERBS | {"send", "stream"}),
            CallPattern("aiohttp.ClientSession", _HTTP_VERBS | {"ws_connect"}),
        ),
        _names("urllib.request.urlopen"),
        "502 Bad Gateway or 504 Gateway Timeout",
        ("requests.", "httpx.", "aiohttp.", "urllib.error.", "urllib3.exceptions.", *_OS_ERRORS),
    ),
    CallKind(
        "network",
        (
            CallPattern("smtplib.SMTP", _names("sendmail", "send_message", "login", "starttls", "connect")),
            CallPattern("aiosmtplib.SMTP", _names("sendmail", "send_message", "login", "starttls", "connect")),
            CallPattern("boto3.client"),
            CallPattern("boto3.resource", deep=True),
            CallPattern("kafka.KafkaProducer", _names("send", "flush")),
            CallPattern("aiokafka.AIOKafkaProducer", _names("send", "send_and_wait", "start")),
            CallPattern("pika.adapters.blocking_connection.BlockingChannel", _names("basic_publish")),
        ),
        _names("smtplib.SMTP", "smtplib.SMTP_SSL", "aiosmtplib.send", "pika.BlockingConnection",
               "aio_pika.connect", "aio_pika.connect_robust", "nats.connect"),
        "503 Service Unavailable",
        ("smtplib.", "aiosmtplib.", "botocore.", "boto3.", "kafka.errors.", "aiokafka.errors.",
         "pika.exceptions.", "aio_pika.exceptions.", "aiormq.", "nats.errors.", *_OS_ERRORS),
    ),
    CallKind(
        "db-write",
        tuple(CallPattern(t, _names("commit", "flush")) for t in _SYNC_SESSION_TYPES + _ASYNC_SESSION_TYPES)
        + (
            CallPattern("sqlite3.Connection", _names("commit")),
            CallPattern("psycopg2.connection", _names("commit")),
            CallPattern("psycopg.Connection", _names("commit")),
            CallPattern("pymysql.connections.Connection", _names("commit")),
            CallPattern("sqlalchemy.Connection", _names("commit")),
        ),
        frozenset(),
        "409 Conflict or 503 Service Unavailable",
        _DB_ERRORS,
    ),
    CallKind(
        "fs-write",
        # Creating directories (``mkdir(exist_ok=True)``) is set-up, not a write that fails per request.
        (CallPattern("pathlib.Path", _names("write_text", "write_bytes", "touch", "unlink", "rmdir",
                                            "rename", "replace")),),
        _names("os.remove", "os.unlink", "os.rename", "os.replace", "os.rmdir",
               "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move",
               "shutil.rmtree"),
        "507 Insufficient Storage or 500 with a clear message",
        _OS_ERRORS + ("shutil.Error",),
    ),
    CallKind(
        "subprocess",
        (),
        _names("subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
               "subprocess.Popen", "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell",
               "os.system"),
        "502 Bad Gateway or 500 with a clear message",
        ("subprocess.", *_OS_ERRORS),
    ),
    CallKind(
        "db-read",
        tuple(CallPattern(t, _names("execute", "scalar", "scalars", "query", "get", "get_one", "exec"))
              for t in _SYNC_SESSION_TYPES + _ASYNC_SESSION_TYPES),
        frozenset(),
        "503 Service Unavailable",
        _DB_ERRORS,
    ),
)

#: SQL statements that write, for driver-level ``execute("...")`` calls.
SQL_WRITE_PREFIXES = ("insert", "update", "delete", "merge", "replace", "upsert", "create", "drop", "alter",
                      "truncate")
SQLALCHEMY_WRITE_CONSTRUCTS = frozenset({"sqlalchemy.insert", "sqlalchemy.update", "sqlalchemy.delete",
                                         "sqlalchemy.dialects.postgresql.insert",
                                         "sqlalchemy.dialects.sqlite.insert", "sqlalchemy.dialects.mysql.insert",
                                         "sqlmodel.insert", "sqlmodel.update", "sqlmodel.delete"})
SQL_EXECUTE_TYPES = frozenset({
    *_SYNC_SESSION_TYPES, *_ASYNC_SESSION_TYPES, "sqlalchemy.Connection", "sqlite3.Connection", "sqlite3.Cursor",
    "psycopg2.cursor", "psycopg.Connection", "psycopg.Cursor", "pymysql.cursors.Cursor", "asyncpg.Connection",
    "asyncpg.Pool",
})


#: callee prefix -> exception classes (or ``prefix.``-families) its failures raise
_LIBRARY_EXCEPTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("requests.", ("requests.", *_OS_ERRORS)),  # requests' exceptions derive from IOError
    ("httpx.", ("httpx.",)),
    ("aiohttp.", ("aiohttp.",)),
    ("urllib.", ("urllib.error.", *_OS_ERRORS)),
    ("urllib3.", ("urllib3.exceptions.",)),
    ("smtplib.", ("smtplib.", *_OS_ERRORS)),
    ("aiosmtplib.", ("aiosmtplib.",)),
    ("boto3.", ("botocore.", "boto3.")),
    ("kafka.", ("kafka.errors.",)),
    ("aiokafka.", ("aiokafka.errors.",)),
    ("pika.", ("pika.exceptions.",)),
    ("aio_pika.", ("aio_pika.exceptions.", "aiormq.")),
    ("nats.", ("nats.errors.",)),
    ("sqlalchemy.", ("sqlalchemy.",)),
    ("sqlmodel.", ("sqlalchemy.", "sqlmodel.")),
    ("sqlite3.", ("sqlite3.",)),
    ("psycopg2.", ("psycopg2.",)),
    ("psycopg.", ("psycopg.",)),
    ("pymysql.", ("pymysql.",)),
    ("asyncpg.", ("asyncpg.",)),
    ("subprocess.", ("subprocess.", *_OS_ERRORS)),
    ("asyncio.create_subprocess", _OS_ERRORS),
    ("shutil.", ("shutil.Error", *_OS_ERRORS)),
    ("os.", _OS_ERRORS),
    ("pathlib.", _OS_ERRORS),
    ("builtins.open", _OS_ERRORS),
    ("aiofiles.", _OS_ERRORS),
)


def failure_classes(callee: str, kind: CallKind) -> tuple[str, ...]:
    """The exception classes and ``prefix.`` families a failing ``callee`` raises."""
    for prefix, families in _LIBRARY_EXCEPTIONS:
        if callee.startswith(prefix):
            return families
    return kind.handled_by


def _in_families(exception: str, families: tuple[str, ...]) -> bool:
    return any(exception == f or (f.endswith(".") and exception.startswith(f)) for f in families)


def exception_handles(exception: str | None, callee: str, kind: CallKind) -> bool:
    """Whether an ``except exception`` clause catches a failure of ``callee``.

    ``None`` (a bare ``except:`` or a class we cannot resolve) and exception classes
    of the project itself count as handling: one of them may well be the failure
    (a wrapper), and a false alarm costs more than a miss. Builtin and library
    exceptions of another family do not.
    """
    if exception is None or exception in BROAD_EXCEPTIONS:
        return True
    if _in_families(exception, failure_classes(callee, kind)):
        return True
    if exception.startswith("builtins."):
        return False
    return not _is_known_library(exception)


def registered_handler_covers(exception: str | int | None, callee: str, kind: CallKind) -> bool:
    """Whether an app-level exception handler for ``exception`` (a class or a status
    code) answers a failure of ``callee`` (strict: only broad handlers, 500, or the
    failure's own classes)."""
    if exception == 500 or exception in BROAD_EXCEPTIONS:
        return True
    return isinstance(exception, str) and _in_families(exception, failure_classes(callee, kind))


_KNOWN_LIBRARIES = frozenset({
    "builtins", "requests", "httpx", "aiohttp", "urllib", "urllib3", "sqlalchemy", "sqlite3", "psycopg2",
    "psycopg", "pymysql", "asyncpg", "smtplib", "aiosmtplib", "botocore", "boto3", "subprocess", "json",
    "pydantic", "fastapi", "starlette", "redis", "kafka", "aiokafka", "pika", "aio_pika", "jose", "jwt",
    "shutil", "os", "asyncio", "socket", "typing", "pymongo", "motor", "sqlmodel", "databases", "decimal",
    "uuid", "ssl", "binascii", "base64", "http", "email", "zlib", "gzip", "zipfile", "csv",
})


def _is_known_library(qualified: str) -> bool:
    return qualified.partition(".")[0] in _KNOWN_LIBRARIES


#: The option through which a project names more blocking functions (FAPI201 and
#: FAPI202 read it; the search for helper modules worth summarizing reads it too).
BLOCKING_CALLS_OPTION = "extend-blocking-calls"
#: the rules whose tables may carry :data:`BLOCKING_CALLS_OPTION`
BLOCKING_RULE_NAMES = ("blocking-call-in-async-route", "sync-route-performs-io")


def configured_blocking_calls(rule_options: dict) -> tuple[str, ...]:
    """The qualified names a project configured as blocking (``extend-blocking-calls``
    of FAPI201 and FAPI202), sorted and without repeats."""
    names = set()
    for rule in BLOCKING_RULE_NAMES:
        names.update((rule_options.get(rule) or {}).get(BLOCKING_CALLS_OPTION) or ())
    return tuple(sorted(names))

