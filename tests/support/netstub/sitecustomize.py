"""Loaded by every Python process started with this folder on PYTHONPATH: the network stops at the socket.

Only loopback and Unix sockets connect. Every other connection and every name lookup other than localhost is refused
with an OSError (what a closed network gives), and recorded as one JSON line `{"host": ..., "port": ...}` in the file
$NETSTUB_LOG, so a test can say which service a piece of code tried to reach without anything leaving the machine.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket

_LOG = os.environ.get("NETSTUB_LOG")
_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _record(host, port) -> None:
    if _LOG:
        with open(_LOG, "a") as log:
            log.write(json.dumps({"host": str(host), "port": port, "pid": os.getpid()}) + "\n")


def _loopback(host) -> bool:
    if host in ("localhost", "localhost.", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def getaddrinfo(host, port, *args, **kwargs):
    if isinstance(host, bytes):
        host = host.decode()
    if not _loopback(host):
        _record(host, port)
        raise socket.gaierror(socket.EAI_NONAME, f"network stubbed: no lookup of {host}")
    return _real_getaddrinfo(host, port, *args, **kwargs)


def _check(sock, address) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _record(address[0], address[1])
        raise ConnectionRefusedError(f"network stubbed: no connection to {address[0]}:{address[1]}")


def connect(self, address):
    _check(self, address)
    return _real_connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _real_connect_ex(self, address)


socket.getaddrinfo = getaddrinfo
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
