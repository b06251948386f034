//! The fixed parts of a generated Python program: its header and the helpers its steps call.

/// Imports, the timeout every blocking call takes, and the helpers every program uses.
pub(crate) const PRELUDE: &str = r#"import re
import select
import socket
import struct
import sys
import threading
import time

TIMEOUT = 5.0  # every blocking call gives up after this long, so the program always ends
got = {}  # per socket: what arrived and no expect has taken yet
lock = threading.Lock()


def reachable(addr):
    """The address a peer on this machine reaches: 0.0.0.0 and :: become loopback."""
    if isinstance(addr, tuple) and addr[0] in ("0.0.0.0", "::"):
        return ("127.0.0.1" if addr[0] == "0.0.0.0" else "::1",) + tuple(addr[1:])
    return addr


def take(name, data):
    """Adds what a recv returned to what the socket has received."""
    with lock:
        got[name] = got.get(name, b"") + data


def received(name, data):
    """Prints what one recv returned and adds it to what the socket has received."""
    print(f"{name} received {data!r}")
    take(name, data)


def step_recv(name, s, size):
    """One recv of at most size bytes now, as sockscope's step mode does; b"" if none came."""
    try:
        data = s.recv(size)
    except socket.timeout:
        data = b""
    print(f"{name} recv: {data!r}")
    take(name, data)
    return data


def recv_before(deadline, s, size):
    """One recv of at most size bytes before deadline (time.monotonic()); None if none came."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            return s.recv(size)
        except socket.timeout:
            continue


def expect(name, s, want, timeout, size):
    """Receives on s until what arrived holds want (the tutorials' full_msg loop); exits 1 if not."""
    deadline = time.monotonic() + timeout
    while want not in got.get(name, b""):
        data = recv_before(deadline, s, size)
        if data is None:
            sys.exit(f"expect {name}: wanted {want!r}, received {got.get(name, b'')!r}")
        if not data and s.type == socket.SOCK_STREAM:
            sys.exit(f"expect {name}: the peer closed before {want!r} arrived")
        received(name, data)
    with lock:
        have = got[name]
        got[name] = have[have.index(want) + len(want):]
    s.settimeout(TIMEOUT)


def expect_closed(name, s, timeout, size):
    """Receives on s until recv returns b"" (the peer closed its side); exits 1 if it does not."""
    deadline = time.monotonic() + timeout
    while (data := recv_before(deadline, s, size)) != b"":
        if data is None:
            sys.exit(f"expect {name} closed: the peer did not close")
        received(name, data)
    print(f"{name}: the peer closed the connection")
    s.settimeout(TIMEOUT)


def expect_reset(name, s, timeout, size):
    """Receives on s until recv raises ConnectionResetError (the peer reset); exits 1 if not."""
    deadline = time.monotonic() + timeout
    try:
        while (data := recv_before(deadline, s, size)) != b"":
            if data is None:
                sys.exit(f"expect {name} reset: the peer did not reset")
            received(name, data)
        sys.exit(f"expect {name} reset: the peer closed instead")
    except ConnectionResetError:
        print(f"{name}: the peer reset the connection")
    s.settimeout(TIMEOUT)
"#;

/// `{data}`, `{upper}`, `{counter}`… in rule replies, as sockscope fills them.
pub(crate) const FILL: &str = r#"

def fill(template, msg, peer, counter, caps):
    """Fills a reply template's placeholders; unknown {...} stay as written."""
    import random
    values = {
        b"data": msg, b"upper": msg.upper(), b"lower": msg.lower(),
        b"len": str(len(msg)).encode(), b"peer": str(peer).encode(),
        b"counter": str(counter).encode(),
        b"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()).encode(),
        b"random": str(random.getrandbits(32)).encode(),
    }
    for i, c in enumerate(caps):
        values[str(i + 1).encode()] = c or b""
    out, i = b"", 0
    while i < len(template):
        end = template.find(b"}", i + 1)
        if template[i:i + 1] == b"{" and end > 0 and template[i + 1:end] in values:
            out += values[template[i + 1:end]]
            i = end + 1
        else:
            out += template[i:i + 1]
            i += 1
    return out
"#;
