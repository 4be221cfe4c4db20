"""A submission cannot make the bureau's machine call an address: LibreOffice converts a .doc
whose picture links to a host without a single request reaching that host, in its network
sandbox and, where the system has none, through its offline profile alone."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from conftest import FIXTURES

import extractors.office.legacy
from extractors.office.legacy import extract_legacy, network_sandbox, offline_settings

LINKED = FIXTURES / "hostile" / "linked-image.doc"
BUILT_PORT = b"18926"  # the port fixtures/build_hostile.py wrote into the link

pytestmark = pytest.mark.skipif(
    extractors.office.legacy.soffice() is None, reason="LibreOffice is not installed"
)


class Listener:
    """A TCP listener on the loopback that counts every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.requests.append(conn.recv(200))
                except OSError:
                    self.requests.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def linked_doc(tmp_path):
    """The fixture's .doc with the link pointing at a listener of this test."""
    listener = Listener()
    port = str(listener.port).encode()
    assert len(port) == len(BUILT_PORT)  # an ephemeral port has five digits: the OLE stays whole
    data = LINKED.read_bytes()
    assert data.count(BUILT_PORT) >= 1
    doc = tmp_path / "linked-image.doc"
    doc.write_bytes(
        data.replace(BUILT_PORT, port).replace(
            BUILT_PORT.decode().encode("utf-16-le"), port.decode().encode("utf-16-le")
        )
    )
    yield doc, listener
    listener.close()


def test_a_linked_image_is_not_fetched(linked_doc):
    doc, listener = linked_doc
    document = extract_legacy(doc)
    assert document.source_format == "doc"
    assert listener.requests == []


def test_without_a_network_namespace_the_profile_alone_fetches_nothing(linked_doc, monkeypatch):
    doc, listener = linked_doc
    monkeypatch.setattr(extractors.office.legacy, "network_sandbox", lambda: ())
    extract_legacy(doc)
    assert listener.requests == []


def test_the_offline_profile_removes_every_network_provider():
    settings = offline_settings()
    for name in ("Provider3", "Provider12", "Provider6", "Provider4", "Provider43"):
        assert f'oor:name="{name}" oor:op="remove"' in settings
    assert "BlockUntrustedRefererLinks" in settings


@pytest.mark.skipif(not network_sandbox(), reason="this system allows no network namespace")
def test_the_sandbox_has_no_network(tmp_path):
    import subprocess
    import sys

    probe = "import socket; s = socket.socket(); s.settimeout(2); s.connect(('1.1.1.1', 53))"
    done = subprocess.run(
        [*network_sandbox(), sys.executable, "-c", probe], capture_output=True, check=False
    )
    assert done.returncode != 0 and b"unreachable" in done.stderr.lower()


def test_a_conversion_past_its_time_leaves_no_process_behind(tmp_path, monkeypatch):
    """A converter that starts a child of its own (as soffice starts soffice.bin) and hangs:
    on the timeout the whole group goes, and the call returns at once."""
    import os
    import time

    from extractors import ExtractionError

    pidfile = tmp_path / "grandchild.pid"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pidfile}\nsleep 300\n", encoding="ascii")
    fake.chmod(0o755)
    monkeypatch.setattr(extractors.office.legacy, "soffice", lambda: str(fake))
    monkeypatch.setattr(extractors.office.legacy, "network_sandbox", lambda: ())
    monkeypatch.setattr(extractors.office.legacy, "CONVERT_TIMEOUT", 1)
    doc = tmp_path / "slow.doc"
    doc.write_bytes(LINKED.read_bytes())
    started = time.monotonic()
    with pytest.raises(ExtractionError) as raised:
        extract_legacy(doc)
    assert raised.value.code == "timeout"
    # not held by the grandchild's 300 s (a bound far from it: the machine may be busy)
    assert time.monotonic() - started < 120
    grandchild = int(pidfile.read_text())
    time.sleep(0.5)
    try:
        os.kill(grandchild, 0)
        state = Path(f"/proc/{grandchild}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (ProcessLookupError, FileNotFoundError):
        state = "gone"
    if state not in ("gone", "Z"):
        os.kill(grandchild, 9)  # what the test started is not left behind
    assert state in ("gone", "Z")
