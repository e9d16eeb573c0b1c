"""`hsp-tui remind` over an encrypted connection, against a real SMTP server on 127.0.0.1 (aiosmtpd):
`--smtp smtp://user@host:587` (STARTTLS) and `--smtp smtps://user@host:465` (TLS from the start).

The test makes its own certificate authority and a server certificate it signs (with the `openssl`
command); the client trusts that authority through SSL_CERT_FILE, as an officer whose organisation
runs its own authority would. The server requires a login (pmo / the password below): the password
comes from HSP_TUI_SMTP_PASSWORD or from ~/.netrc (HOME is the test's own folder) and is never
printed. Each message received is parsed back with the `email` package.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from test_remind import Inbox, contacts, free_port, items_of, run

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

# aiosmtpd offers AUTH only after its own STARTTLS, so the smtps server (TLS from the start) is made
# with auth_require_tls=False, which it warns about: the connection is encrypted all the same.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

PASSWORD = "s3cret-Tls-9"
SCHEMES = ["smtp", "smtps"]


@dataclass
class Pki:
    ca: Path  # the authority the client trusts
    cert: Path  # the server's certificate, signed by `ca`, for 127.0.0.1
    key: Path
    stranger: Path  # another authority, which did not sign the server's certificate


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=cwd)


def _authority(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
             "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    return cert, key


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("pki")
    ca, ca_key = _authority(folder, "hsp-tui-test-ca")
    stranger, _ = _authority(folder, "someone-elses-ca")
    key, csr, cert = folder / "server.key", folder / "server.csr", folder / "server.pem"
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1",
             cwd=folder)
    ext = folder / "server.ext"
    ext.write_text("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n"
                   "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n", encoding="utf-8")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
             "-out", str(cert), "-days", "2", "-extfile", str(ext), cwd=folder)
    return Pki(ca, cert, key, stranger)


@pytest.fixture(params=SCHEMES)
def server(request, pki):
    """The SMTP server of one scheme: STARTTLS required (smtp) or TLS from the start (smtps); a login
    (pmo) required, only over TLS."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert, pki.key)

    def authenticator(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and data.login == b"pmo" and data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 itself

    inbox = Inbox()
    port = free_port()
    if request.param == "smtp":
        tls = {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
    else:  # aiosmtpd offers AUTH only after its own STARTTLS: here the connection is TLS from the start
        tls = {"ssl_context": context, "auth_require_tls": False}
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port, auth_required=True,
                                     authenticator=authenticator, **tls)
    controller.start()
    try:
        inbox.url = f"{request.param}://pmo@127.0.0.1:{port}"
        yield inbox
    finally:
        controller.stop()


def remind(cli, plan_path, server, env, *args):
    return run(cli, plan_path, "remind", "--smtp", server.url, "--from", "pmo@haringey.example", *args, env=env)


def reminded(cli, plan_path, number: int) -> str:
    return run(cli, plan_path, "show", str(number)).out


def test_the_password_from_the_environment_over_tls_sends_each_owner_their_items_once(cli, plan_path, server, pki):
    contacts(cli, plan_path)
    r = remind(cli, plan_path, server, {"SSL_CERT_FILE": str(pki.ca), "HSP_TUI_SMTP_PASSWORD": PASSWORD})
    assert r.code == 0, r.err
    assert PASSWORD not in r.out + r.err
    # one message per owner, each to their addresses, with their items (as of 1 June 2010), none twice
    assert sorted(sorted(to) for to, _ in server.messages) == [["ace@haringey.example", "pa.ace@haringey.example"],
                                                                 ["idce@haringey.example"]]
    by_to = {tuple(sorted(to)): msg for to, msg in server.messages}
    ace = by_to[("ace@haringey.example", "pa.ace@haringey.example")]
    assert items_of(ace) == [1, 2, 4] and items_of(by_to[("idce@haringey.example",)]) == [8, 9]
    assert ace["From"] == "pmo@haringey.example" and ace["To"] == "ace@haringey.example, pa.ace@haringey.example"
    assert "No. 1 (ref 3.2)" in ace.get_body(("plain",)).get_content()
    assert "2 reminders sent" in r.out + r.err
    assert "Reminders: reminded 1 time, last" in reminded(cli, plan_path, 1)


def test_the_password_from_netrc_over_tls(cli, plan_path, server, pki, tmp_path):
    contacts(cli, plan_path)
    home = tmp_path / "home"  # the cli fixture's HOME
    home.mkdir(exist_ok=True)
    netrc = home / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login pmo password {PASSWORD}\n", encoding="utf-8")
    netrc.chmod(0o600)
    r = remind(cli, plan_path, server, {"SSL_CERT_FILE": str(pki.ca)}, "--owner", "interim")
    assert r.code == 0, r.err
    assert PASSWORD not in r.out + r.err
    assert [sorted(to) for to, _ in server.messages] == [["idce@haringey.example"]]
    assert items_of(server.messages[0][1]) == [8, 9]
    assert "reminded 1 time" in reminded(cli, plan_path, 8) and "reminded" not in reminded(cli, plan_path, 1)


def test_a_wrong_password_sends_and_records_nothing_and_is_not_printed(cli, plan_path, server, pki):
    contacts(cli, plan_path)
    before = plan_path.read_bytes()
    r = remind(cli, plan_path, server, {"SSL_CERT_FILE": str(pki.ca), "HSP_TUI_SMTP_PASSWORD": "wrong-" + PASSWORD})
    assert r.code == 3 and "nothing was sent" in r.err and "Traceback" not in r.err
    assert f"cannot connect to {server.url}: the server refused the login (535 " in r.err
    assert PASSWORD not in r.out + r.err
    assert server.messages == [] and plan_path.read_bytes() == before


@pytest.mark.parametrize("trust", ["someone else's authority", "the system's authorities"])
def test_a_server_whose_certificate_is_not_trusted_gets_nothing(cli, plan_path, server, pki, trust):
    """Not even the login: the password goes only to a server whose certificate is trusted."""
    contacts(cli, plan_path)
    before = plan_path.read_bytes()
    env = {"HSP_TUI_SMTP_PASSWORD": PASSWORD}
    if trust == "someone else's authority":
        env["SSL_CERT_FILE"] = str(pki.stranger)
    r = remind(cli, plan_path, server, env)
    assert r.code == 3 and "Traceback" not in r.err
    (line,) = r.err.strip().splitlines()  # one clear line
    assert line.startswith(f"failed: cannot connect to {server.url}: ")
    assert "certificate is not trusted" in line and "nothing was sent" in line and "SSL_CERT_FILE" in line
    assert PASSWORD not in r.out + r.err
    assert server.messages == [] and plan_path.read_bytes() == before  # nothing sent, nothing recorded


def test_no_password_anywhere_is_said_before_connecting(cli, plan_path, server, pki):
    contacts(cli, plan_path)
    before = plan_path.read_bytes()
    r = remind(cli, plan_path, server, {"SSL_CERT_FILE": str(pki.ca)})  # no HSP_TUI_SMTP_PASSWORD, no ~/.netrc
    assert r.code == 3 and "Traceback" not in r.err
    assert "no password for pmo on 127.0.0.1: set HSP_TUI_SMTP_PASSWORD or add the host to ~/.netrc" in r.err
    assert server.messages == [] and plan_path.read_bytes() == before
