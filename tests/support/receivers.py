"""Real receivers on 127.0.0.1 for notification tests: an HTTP server (webhooks, Apprise's
json:// and form://) and an SMTP server (aiosmtpd) that can refuse the first attempts."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from claimwatch.embedded import free_port


class HttpReceiver(ThreadingHTTPServer):
    """Answers `fail_status` to the first `fail_first` POSTs, then 200; keeps every body."""

    def __init__(self, fail_first: int = 0, fail_status: int = 503) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.posts: list[tuple[dict[str, str], bytes]] = []  # accepted
        self.refused = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def json_url(self, path: str = "notify") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _h, body in self.posts]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server: HttpReceiver = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with server.lock:
            refuse = server.refused < server.fail_first
            if refuse:
                server.refused += 1
            else:
                server.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(server.fail_status if refuse else 200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class _MailHandler:
    refuse_first: int = 0
    code: str = "451 4.3.0 try again later"
    refused: int = 0
    mails: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refused < self.refuse_first:
            self.refused += 1
            return self.code
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class SmtpReceiver:
    """A local SMTP server (plain, no TLS) accepting user `cw` / PASSWORD, refusing the
    first `refuse_first` messages with `code`."""

    PASSWORD = "smtp-pass-Zq81xY"

    def __init__(self, refuse_first: int = 0, code: str = "451 4.3.0 try again later") -> None:
        self.handler = _MailHandler(refuse_first, code)
        self.port = free_port()

        def auth(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
            ok = isinstance(data, LoginPassword) and data.password == self.PASSWORD.encode()
            return AuthResult(success=ok)

        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port,
            authenticator=auth, auth_require_tls=False,
        )  # fmt: skip
        self.controller.start()

    @property
    def url(self) -> str:
        return (
            f"mailto://cw:{self.PASSWORD}@127.0.0.1:{self.port}?smtp=127.0.0.1&mode=insecure"
            "&from=claimwatch@example.org&to=desk@example.org"
        )

    @property
    def mails(self) -> list[Any]:
        return self.handler.mails

    def stop(self) -> None:
        self.controller.stop()
