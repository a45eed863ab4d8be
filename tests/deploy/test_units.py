"""The example deployment (deploy/, docs/deployment.md) runs as written.

The systemd units are read and turned into the command lines and environments systemd would
give them — the instance's port for `%i`, the credentials directory for `%d`, `${VAR}` from the
unit's `Environment=` and its environment file — with the install, state and /etc paths moved
into the test's directory. The migrate oneshot brings an empty PostgreSQL schema to the newest
revision; two instances of the web template then serve one database: the same help page, the
same answers, and a console session made on one is valid on the other. Where an `nginx` binary
is at hand (on the PATH, or `BREACHDESK_TEST_NGINX`), the shipped proxy config is run in front
of them. The compose file cannot be run here (no container images can be pulled), so its
structure is checked instead; and every `BREACHDESK_*` name in deploy/ and on the deployment
page must be a setting breachdesk declares.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from pydantic import SecretStr
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.db.engine import head_revisions
from pg_schema import POSTGRES_URL, empty_schema

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
COMPOSE = DEPLOY / "compose"
PAGE = ROOT / "docs" / "deployment.md"
BIN = Path(sys.executable).parent
SETTINGS = {f"BREACHDESK_{name.upper()}" for name in Settings.model_fields}
SECRETS = {
    f"BREACHDESK_{name.upper()}"
    for name, info in Settings.model_fields.items()
    if SecretStr in getattr(info.annotation, "__args__", (info.annotation,))
}
NAME = re.compile(r"\bBREACHDESK_[A-Z0-9_]+")
PLACEHOLDER = "CHANGE-ME"

# Where the units expect things on a server, and where the test puts them.
INSTALL = "/opt/breachdesk/venv/bin/"
STATE = "/var/lib/breachdesk"
ETC = "/etc/breachdesk/"

SLUG = "minato-bungu"
FAQ = """みなと文具オンラインショップ 不正アクセスに関するよくあるご質問

Q1. どの情報が漏えいしましたか？
A1. お客様の氏名、住所、電話番号、メールアドレスです。クレジットカード情報は含まれていません。

Q2. 対象かどうかはどうすれば分かりますか？
A2. 対象のお客様には、2026年12月10日までに電子メールでお知らせします。

Q3. パスワードは変更したほうがよいですか？
A3. 念のため、当店のパスワードを変更してください。同じパスワードをほかのサービスでもお使いの場合は、そちらも変更をお勧めします。

お問い合わせ窓口
専用ダイヤル 0120-000-222(10:00~17:00)
"""
QUESTIONS = (
    "どの情報が漏えいしましたか",
    "パスワードは変えたほうがいい？",
    "おすすめの小説を教えてください",
)
USER = "ops"
PASSWORD = "a long and fictional passphrase"


# --- systemd units, read and expanded as systemd would -------------------------------------


@dataclass
class Unit:
    """A unit file's `Key=value` lines by section, repeated keys kept in order."""

    path: Path
    sections: dict[str, list[tuple[str, str]]]

    def values(self, section: str, key: str) -> list[str]:
        return [v for k, v in self.sections.get(section, []) if k == key]

    def value(self, section: str, key: str) -> str:
        (only,) = self.values(section, key)
        return only


def read_unit(path: Path) -> Unit:
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        assert not line.endswith("\\"), f"{path.name}: line continuations are not read here"
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None, f"{path.name}: not a setting: {raw}"
        current.append((key.strip(), value.strip()))
    return Unit(path, sections)


def read_env_file(path: Path) -> dict[str, str]:
    """An `EnvironmentFile=`: `KEY=value` lines, comments, optional quotes."""
    env = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not an assignment: {raw}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


@dataclass
class Host:
    """Where a unit's absolute paths land in the test: the install, /etc, the state dir."""

    etc: Path
    state: Path
    credentials: Path

    def path(self, text: str) -> str:
        return (
            text.replace(INSTALL, f"{BIN}/")
            .replace(ETC, f"{self.etc}/")
            .replace(STATE, str(self.state))
        )


def specifiers(text: str, instance: str, host: Host) -> str:
    """The unit specifiers the examples use; any other one fails the test (not stood in for)."""
    known = {"i": instance, "d": str(host.credentials), "%": "%"}

    def one(found: re.Match[str]) -> str:
        letter = found.group(1)
        assert letter in known, f"the unit uses %{letter}, which this test does not stand in for"
        return known[letter]

    return re.sub(r"%(.)", one, text)


@dataclass
class Service:
    """A unit's command line, environment and working directory, as systemd would run it."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path


def service(unit: Unit, host: Host, *, instance: str = "") -> Service:
    """What systemd would run for `unit` (its instance `instance`) on `host`: the credentials
    copied and the state directory made, as systemd does before it starts the command."""
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(host.state)}
    if "PYTHONPATH" in os.environ:  # the code under test, when it is not the installed one
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    for line in unit.values("Service", "Environment"):
        for word in shlex.split(specifiers(line, instance, host)):
            key, _, value = word.partition("=")
            env[key] = host.path(value)
    # Files override Environment= (systemd.exec(5)).
    for name in unit.values("Service", "EnvironmentFile"):
        env.update(read_env_file(Path(host.path(name.lstrip("-")))))
    for line in unit.values("Service", "LoadCredential"):
        credential, _, source = line.partition(":")
        host.credentials.mkdir(mode=0o700, exist_ok=True)
        target = host.credentials / credential
        target.unlink(missing_ok=True)
        shutil.copyfile(host.path(source), target)
        target.chmod(0o400)
    for directory in unit.values("Service", "StateDirectory"):
        assert f"/var/lib/{directory}" == STATE
        host.state.mkdir(mode=0o700, exist_ok=True)
    words = shlex.split(specifiers(unit.value("Service", "ExecStart"), instance, host))
    argv = [host.path(expand(word, env)) for word in words]
    cwd = Path(host.path(specifiers(unit.value("Service", "WorkingDirectory"), instance, host)))
    return Service(argv, env, cwd)


def expand(word: str, env: dict[str, str]) -> str:
    """`${VAR}` in a command line word (the examples use no bare `$VAR`, which would split)."""
    assert not re.search(r"\$(?!\{)", word), f"bare $ in {word!r}"

    def one(found: re.Match[str]) -> str:
        assert found.group(1) in env, f"{found.group(1)} is set neither by the unit nor its file"
        return env[found.group(1)]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", one, word)


def schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- a deployment: one PostgreSQL schema, the migrate oneshot, two web instances -------------


@dataclass
class Node:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the unit's KillSignal, to the group
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@dataclass
class Deployment:
    url: str
    host: Host
    migrate: subprocess.CompletedProcess[str]
    nodes: list[Node] = field(default_factory=list)

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """A command an operator runs on a node, with the service's own environment."""
        run = service(read_unit(SYSTEMD / "breachdesk@.service"), self.host, instance="0")
        done = subprocess.run(
            [str(BIN / "breachdesk"), *args],
            env=run.env,
            cwd=run.cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done


def filled_in_env_file(target: Path, **values: str) -> None:
    """The example environment file with the values an operator fills in for this host."""
    example = (SYSTEMD / "breachdesk.env.example").read_text(encoding="utf-8")
    for key, value in values.items():
        example, found = re.subn(rf"(?m)^{key}=.*$", f"{key}={value}", example)
        assert found == 1, f"the example sets {key} once"
    target.write_text(example, encoding="utf-8")
    target.chmod(0o600)


def start_instance(host: Host, port: int, logs: Path) -> Node:
    run = service(read_unit(SYSTEMD / "breachdesk@.service"), host, instance=str(port))
    log = logs / f"breachdesk@{port}.log"
    with log.open("wb") as out:  # a file, never a pipe nobody reads
        process = subprocess.Popen(
            run.argv,
            env=run.env,
            cwd=run.cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: uvicorn and its workers
        )
    return Node(port, process, log)


def wait_until_serving(node: Node, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{node.url}/openapi.json", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if node.process.poll() is not None or time.monotonic() > deadline:
            tail = node.log.read_text(encoding="utf-8", errors="replace")[-4000:]
            pytest.fail(f"breachdesk@{node.port} did not start:\n{tail}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def deployment(
    postgres_problem: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """Two nodes from the template unit on one PostgreSQL schema the migrate oneshot made, a
    three-entry FAQ imported and a console user added through the CLI, as on a node."""
    tmp = tmp_path_factory.mktemp("deploy")
    etc = tmp / "etc"
    etc.mkdir(mode=0o700)
    nodes: list[Node] = []
    with empty_schema(postgres_problem) as schema:
        url = schema_url(schema)
        # As on a server: the environment file and the master key, root's, 0600; the proxy
        # (test_the_proxy_example…) runs on this host.
        filled_in_env_file(
            etc / "breachdesk.env", BREACHDESK_DB=url, BREACHDESK_TRUSTED_PROXIES="127.0.0.1"
        )
        subprocess.run(
            [str(BIN / "breachdesk"), "keys", "new", "--out", str(etc / "master.key")],
            check=True,
            capture_output=True,
        )
        hosts = [Host(etc, tmp / f"state-{n}", tmp / f"credentials-{n}") for n in (1, 2)]
        run = service(read_unit(SYSTEMD / "breachdesk-migrate.service"), hosts[0])
        migrated = subprocess.run(
            run.argv, env=run.env, cwd=run.cwd, capture_output=True, text=True, timeout=300
        )
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        deployment = Deployment(url, hosts[0], migrated, nodes)
        try:
            # Two nodes: each its own state directory (cache) and credentials, one database.
            nodes.extend(start_instance(host, free_port(), tmp) for host in hosts)
            for node in nodes:
                wait_until_serving(node)
            faq = tmp / "faq.txt"
            faq.write_text(FAQ, encoding="utf-8")
            deployment.cli("import", str(faq), "--incident", SLUG, "--name", "みなと文具")
            deployment.cli(
                "user", "add", USER, "--role", "admin", "--password-stdin", stdin=PASSWORD
            )
            yield deployment
        finally:
            for node in nodes:
                node.stop()


# --- the units, run -----------------------------------------------------------------------


def test_the_migrate_oneshot_brings_an_empty_schema_to_the_newest_revision(
    deployment: Deployment,
) -> None:
    assert "was empty" in deployment.migrate.stdout
    database = Database(deployment.url)
    try:
        assert database.revision() in head_revisions()
    finally:
        database.dispose()
    # Run again (each node's web units pull it in): nothing to do.
    assert "up to date" in deployment.cli("migrate").stdout


def entries_of(page: str) -> list[tuple[str, str]]:
    tree = HTMLParser(page)
    return [
        (str(node.attributes.get("id")), node.text(separator=" ", strip=True))
        for node in tree.css('[id^="entry-"]')
    ]


def test_both_nodes_serve_the_same_help_page(deployment: Deployment) -> None:
    pages = [httpx.get(f"{node.url}/i/{SLUG}", timeout=60) for node in deployment.nodes]
    assert [p.status_code for p in pages] == [200, 200]
    first, second = (entries_of(p.text) for p in pages)
    assert first == second
    shown = " ".join(text for _, text in first)
    for question in ("どの情報が漏えいしましたか", "パスワードは変更したほうがよいですか"):
        assert question in shown


def test_both_nodes_answer_a_question_identically(deployment: Deployment) -> None:
    def ask(node: Node, question: str) -> dict[str, Any]:
        response = httpx.post(
            f"{node.url}/api/v1/incidents/{SLUG}/ask", json={"question": question}, timeout=60
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        # Each asking is logged as its own question, with its own id and feedback token.
        return {k: v for k, v in data.items() if k not in ("question_id", "feedback_token")}

    answers = {q: [ask(node, q) for node in deployment.nodes] for q in QUESTIONS}
    for question, (first, second) in answers.items():
        assert first == second, question
    leaked = answers[QUESTIONS[0]][0]
    assert leaked["answered"] and leaked["answer"].startswith("お客様の氏名、住所、電話番号")
    assert answers[QUESTIONS[2]][0]["outcome"] == "abstained"
    for node in deployment.nodes:  # questions are never written to a node's log
        assert QUESTIONS[0] not in node.log.read_text(encoding="utf-8", errors="replace")


def sign_in(node: Node) -> str:
    """Sign in on `node` as a browser does (login form, its CSRF cookie); the session cookie.

    The cookies are `Secure` (the proxy speaks HTTPS): they are carried by hand over the
    test's plain HTTP, as a browser behind the proxy would carry them."""
    form = httpx.get(f"{node.url}/console/login", timeout=30)
    field = HTMLParser(form.text).css_first('input[name="csrf_token"]')
    assert field is not None
    token = str(field.attributes["value"])
    response = httpx.post(
        f"{node.url}/console/login",
        data={"username": USER, "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": f"bd_login_csrf={form.cookies['bd_login_csrf']}"},
        timeout=30,
    )
    assert response.status_code == 303, response.text[:500]
    return str(response.cookies["bd_session"])


def console(node: Node, session: str) -> httpx.Response:
    return httpx.get(f"{node.url}/console", headers={"Cookie": f"bd_session={session}"}, timeout=30)


def test_a_console_login_on_one_node_is_valid_on_the_other(deployment: Deployment) -> None:
    one, two = deployment.nodes
    session = sign_in(one)
    page = console(two, session)
    assert page.status_code == 200
    me = HTMLParser(page.text).css_first(".me-name")
    assert me is not None and me.text(strip=True).startswith(USER)
    # Its CSRF token is the session's, kept in the database: logging out on the second node
    # ends the session on the first.
    field = HTMLParser(page.text).css_first(
        'form[action="/console/logout"] input[name="csrf_token"]'
    )
    assert field is not None
    out = httpx.post(
        f"{two.url}/console/logout",
        data={"csrf_token": str(field.attributes["value"])},
        headers={"Cookie": f"bd_session={session}"},
        timeout=30,
    )
    assert out.status_code == 303
    after = console(one, session)
    assert after.status_code == 303
    assert after.headers["location"].startswith("/console/login")


# --- the proxy example, where nginx is at hand ----------------------------------------------


def nginx_binary() -> str | None:
    return os.environ.get("BREACHDESK_TEST_NGINX") or shutil.which("nginx")


def proxy_config(nodes: list[Node], work: Path, port: int) -> Path:
    """deploy/nginx/breachdesk.conf on this host: its nodes, a port, a test certificate."""
    text = (DEPLOY / "nginx" / "breachdesk.conf").read_text(encoding="utf-8")
    servers = re.findall(r"(?m)^(\s*)server (\S+):(\d+)(.*);$", text)
    assert len(servers) == 2, "the example proxies two nodes"
    for (indent, address, node_port, rest), node in zip(servers, nodes, strict=True):
        text = text.replace(
            f"{indent}server {address}:{node_port}{rest};",
            f"{indent}server 127.0.0.1:{node.port}{rest};",
        )
    text = re.sub(r"listen 80;\n\s*listen \[::\]:80;", f"listen 127.0.0.1:{free_port()};", text)
    text = re.sub(
        r"listen 443 ssl( http2)?;\n\s*listen \[::\]:443 ssl( http2)?;",
        rf"listen 127.0.0.1:{port} ssl\1;",
        text,
    )
    text = text.replace("/etc/nginx/tls/", f"{work}/").replace("/var/log/nginx/", f"{work}/")
    certificate(work / "help.example.jp.crt", work / "help.example.jp.key")
    main = work / "nginx.conf"
    temp = " ".join(
        f"{kind}_temp_path {work}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (work / "site.conf").write_text(text, encoding="utf-8")
    main.write_text(
        f"pid {work}/nginx.pid;\nerror_log {work}/error.log;\nevents {{}}\n"
        # Responses are passed on as they come: nginx's workers, if it runs as root, are
        # `nobody`, and may not write temporary files into the test's private directory.
        f"http {{\n  {temp}\n  proxy_max_temp_file_size 0;\n  access_log {work}/other.log;\n  include {work}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    return main


def certificate(crt: Path, key: Path) -> None:
    """A self-signed certificate for help.example.jp, for the test's proxy only."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "help.example.jp")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key.chmod(0o600)


def test_the_proxy_example_serves_the_nodes_and_drops_a_forged_forwarded_for(
    deployment: Deployment, tmp_path: Path
) -> None:
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (set BREACHDESK_TEST_NGINX to an nginx binary)")
    port = free_port()
    config = proxy_config(deployment.nodes, tmp_path, port)
    checked = subprocess.run(
        [nginx, "-t", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(config)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    proxy = subprocess.Popen(
        [
            nginx,
            "-e",
            str(tmp_path / "error.log"),
            "-p",
            str(tmp_path),
            "-c",
            str(config),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    context = ssl.create_default_context(cafile=str(tmp_path / "help.example.jp.crt"))
    context.check_hostname = False
    forged = "203.0.113.77"
    try:
        base = f"https://127.0.0.1:{port}"
        with httpx.Client(
            verify=context, headers={"Host": "help.example.jp"}, timeout=30
        ) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    page = client.get(f"{base}/i/{SLUG}", headers={"X-Forwarded-For": forged})
                    break
                except httpx.ConnectError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            assert page.status_code == 200
            direct = httpx.get(f"{deployment.nodes[0].url}/i/{SLUG}", timeout=30)
            assert entries_of(page.text) == entries_of(direct.text)
            for _ in range(4):  # least_conn: both nodes get some
                asked = client.post(
                    f"{base}/api/v1/incidents/{SLUG}/ask",
                    json={"question": QUESTIONS[0], "draft": True},
                    headers={"X-Forwarded-For": forged},
                )
                assert asked.status_code == 200
            client.get(f"{base}/i/{SLUG}?q={quote(QUESTIONS[0])}")
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
    logs = "".join(n.log.read_text(encoding="utf-8", errors="replace") for n in deployment.nodes)
    # The nodes believe the proxy's X-Forwarded-For (it names the connection's peer), and the
    # proxy replaced the client's own header: the forged address reached no log.
    assert f"/i/{SLUG}" in logs
    assert forged not in logs
    proxy_log = (tmp_path / "breachdesk.access.log").read_text(encoding="utf-8")
    assert proxy_log.count("\n") >= 6
    assert forged not in proxy_log and "/i/" not in proxy_log  # no path, no question


def test_migrate_units_started_together_each_succeed(
    postgres_problem: str | None, tmp_path: Path
) -> None:
    # Two nodes booting at once (or the workers of one): one migrates, the others wait for it.
    with empty_schema(postgres_problem) as schema:
        etc = tmp_path / "etc"
        etc.mkdir()
        filled_in_env_file(etc / "breachdesk.env", BREACHDESK_DB=schema_url(schema))
        unit = read_unit(SYSTEMD / "breachdesk-migrate.service")
        runs = [service(unit, Host(etc, tmp_path / f"s{n}", tmp_path / f"c{n}")) for n in range(3)]
        started = [
            subprocess.Popen(
                r.argv,
                env=r.env,
                cwd=r.cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for r in runs
        ]
        results = [(p.wait(timeout=300), *p.communicate()) for p in started]
        assert [code for code, _, _ in results] == [0, 0, 0], [err[-2000:] for _, _, err in results]
        database = Database(schema_url(schema))
        try:
            assert database.revision() in head_revisions()
        finally:
            database.dispose()


# --- the examples name only real settings, and the page says what each must be ------------


def deploy_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.is_file())


def test_every_breachdesk_name_in_the_examples_and_the_page_is_a_setting() -> None:
    for path in [*deploy_files(), PAGE]:
        names = set(NAME.findall(path.read_text(encoding="utf-8")))
        assert names <= SETTINGS, f"{path.relative_to(ROOT)}: not settings: {names - SETTINGS}"


def test_the_environment_file_example_holds_placeholders_not_secrets() -> None:
    env = read_env_file(SYSTEMD / "breachdesk.env.example")
    assert set(env) - {"LISTEN_ADDRESS", "WORKERS"} <= SETTINGS
    for name in SECRETS & set(env):
        assert env[name] == PLACEHOLDER, name
    assert "BREACHDESK_MASTER_KEY" not in env  # the key comes from its own file
    password = re.match(r"[^:]+://[^:@/]+:([^@]*)@", env["BREACHDESK_DB"])
    assert password is None or password.group(1) == PLACEHOLDER
    # What the unit sets for itself, the file would override (systemd.exec(5)): not there.
    unit = read_unit(SYSTEMD / "breachdesk@.service")
    own = {
        word.partition("=")[0]
        for line in unit.values("Service", "Environment")
        for word in shlex.split(line)
    }
    assert not (own & SETTINGS) & set(env)


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    names = {"breachdesk@.service": "breachdesk@8001.service"}
    units = []
    for path in sorted(SYSTEMD.glob("*.service")):
        target = tmp_path / names.get(path.name, path.name)
        shutil.copyfile(path, target)
        units.append(str(target))
    done = subprocess.run([analyze, "verify", *units], capture_output=True, text=True)
    # The install path does not exist on the test machine; nothing else may be reported.
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and f"Command {INSTALL}breachdesk is not executable" not in line
    ]
    assert problems == []


def compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    data: dict[str, Any] = yaml.safe_load((COMPOSE / "compose.yaml").read_text(encoding="utf-8"))
    return data


def test_the_compose_file_runs_two_nodes_after_one_migration_behind_nginx() -> None:
    data = compose()
    services: dict[str, dict[str, Any]] = data["services"]
    assert set(services) == {"postgres", "migrate", "web1", "web2", "nginx"}
    ours = {name: s for name, s in services.items() if s.get("image") == "breachdesk:local"}
    assert set(ours) == {"migrate", "web1", "web2"}
    # One image, one set of settings, every name a setting (PGPASSFILE is libpq's).
    environments = [s["environment"] for s in ours.values()]
    assert all(env == environments[0] for env in environments)
    assert set(environments[0]) - {"PGPASSFILE"} <= SETTINGS
    assert all(s["build"]["dockerfile"] == "deploy/compose/Dockerfile" for s in ours.values())
    assert (COMPOSE / ours["migrate"]["build"]["context"]).resolve() == ROOT
    assert services["migrate"]["command"] == ["breachdesk", "migrate"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    upstream = set(
        re.findall(
            r"(?m)^\s*server (\S+:\d+)", (COMPOSE / "nginx.conf").read_text(encoding="utf-8")
        )
    )
    served = set()
    caches = set()
    for name in ("web1", "web2"):
        web = services[name]
        command = web["command"]
        assert command[:2] == ["breachdesk", "serve"]
        assert command[command.index("--host") + 1] == "0.0.0.0"
        served.add(f"{name}:{command[command.index('--port') + 1]}")
        assert web["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        (volume,) = web["volumes"]
        assert volume.endswith(":" + web["environment"]["BREACHDESK_CACHE_DIR"])
        caches.add(volume)
    assert upstream == served
    assert len(caches) == 2  # each node its own cache
    nginx = services["nginx"]
    assert (
        environments[0]["BREACHDESK_TRUSTED_PROXIES"]
        == (nginx["networks"]["backend"]["ipv4_address"])
    )
    mounted = {v.split(":")[0] for v in nginx["volumes"]}
    assert "./nginx.conf" in mounted
    # Secrets come from files beside the compose file, never from the file itself.
    for secret in data["secrets"].values():
        assert secret["file"].startswith("./secrets/")


def test_the_dockerfile_installs_the_project_with_its_server_extras() -> None:
    import tomllib

    text = (COMPOSE / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"(?m)^FROM python:3\.11-slim$", text)
    (extras,) = re.findall(r'pip install "[^"\[]+\[([a-z,]+)\]"', text)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert {"web", "postgres"} <= set(extras.split(",")) <= set(declared)
    for copied in re.findall(r"(?m)^COPY (.+) \S+$", text):
        for source in copied.split():
            assert (ROOT / source).exists(), source
    assert re.search(r"(?m)^USER breachdesk$", text)  # not root


def test_the_deployment_page_says_for_every_setting_whether_the_nodes_must_agree() -> None:
    rows = re.findall(
        r"(?m)^\| `(BREACHDESK_[A-Z0-9_]+)` \| (\w[^|]*?) \|", PAGE.read_text("utf-8")
    )
    named = [name for name, _ in rows]
    assert sorted(named) == sorted(SETTINGS), "a setting missing from, or twice in, the table"
    assert {kind for _, kind in rows} <= {"same", "per node", "same content"}


def test_migrate_says_what_it_did_and_refuses_a_schema_newer_than_it_knows(
    tmp_path: Path,
) -> None:
    from sqlalchemy import text
    from typer.testing import CliRunner

    from breachdesk.cli import app

    runner = CliRunner()
    path = str(tmp_path / "desk.db")
    (head,) = head_revisions()
    first = runner.invoke(app, ["--db", path, "migrate"])
    assert first.exit_code == 0 and first.output == f"schema at {head}: was empty\n"
    again = runner.invoke(app, ["--db", path, "migrate"])
    assert again.output == f"schema at {head}: up to date\n"
    # A newer version migrated the database: this one says so instead of failing in Alembic.
    database = Database(path)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    database.dispose()
    newer = runner.invoke(app, ["--db", path, "migrate"])
    assert newer.exit_code == 2
    assert "the schema is at 9999, newer than this version" in newer.output
