#!/usr/bin/env python3
"""Frame relay between Node and network interfaces (used by test/helpers/ovs.ts).

    relay.py IFNAME [IFNAME ...]

Opens one AF_PACKET raw socket per interface (run it inside the network
namespace, e.g. under `ip netns exec`) and moves whole Ethernet frames between
those sockets and stdin/stdout. Every message, both directions, is

    [u8 index] [u16 length, big-endian] [length bytes]

where index is the interface's position in the argument list. Index 255 is for
control messages from the relay: its payload is UTF-8 text, "ready" once every
socket is bound, or "error <ifname> <message>" when a send fails (a link that
is down, for example); the relay carries on after such an error.

Frames the interface itself transmits are not reported (only what arrives from
the wire). The relay exits with status 0 when stdin is closed.

Python 3 standard library only.
"""
import errno
import os
import select
import socket
import struct
import sys

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = getattr(socket, 'SOL_PACKET', 263)
PACKET_IGNORE_OUTGOING = 23  # Linux 4.20 and later; filtered by hand otherwise
CONTROL = 255
MAX_FRAME = 65535


def out(index, payload):
    data = struct.pack('>BH', index, len(payload)) + payload
    view = memoryview(data)
    while view:
        n = os.write(1, view)
        view = view[n:]


def control(text):
    out(CONTROL, text.encode('utf-8'))


def open_socket(ifname):
    # Protocol 0 at creation: no frame is queued before the bind names the
    # interface, so nothing from another interface slips in.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    try:
        s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    except OSError:
        pass
    s.bind((ifname, ETH_P_ALL))
    s.setblocking(False)
    return s


def main(names):
    if not names or len(names) > 254:
        sys.stderr.write('usage: relay.py IFNAME [IFNAME ...] (at most 254)\n')
        return 2
    socks = []
    for name in names:
        try:
            socks.append(open_socket(name))
        except OSError as e:
            sys.stderr.write('relay: cannot open an AF_PACKET socket on %s: %s\n' % (name, e))
            return 1
    by_fd = {s.fileno(): i for i, s in enumerate(socks)}
    control('ready')

    stdin = 0
    os.set_blocking(stdin, False)
    pending = b''
    poller = select.poll()
    poller.register(stdin, select.POLLIN)
    for s in socks:
        poller.register(s.fileno(), select.POLLIN)

    while True:
        for fd, events in poller.poll():
            if fd == stdin:
                try:
                    chunk = os.read(stdin, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    return 0
                pending += chunk
                while len(pending) >= 3:
                    index, length = struct.unpack_from('>BH', pending)
                    if len(pending) < 3 + length:
                        break
                    frame = pending[3:3 + length]
                    pending = pending[3 + length:]
                    if index >= len(socks):
                        control('error - no interface at index %d' % index)
                        continue
                    try:
                        socks[index].send(frame)
                    except OSError as e:
                        control('error %s %s' % (names[index], e.strerror or e))
                continue
            index = by_fd[fd]
            while True:
                try:
                    frame, addr = socks[index].recvfrom(MAX_FRAME)
                except BlockingIOError:
                    break
                except OSError as e:
                    # ENETDOWN and the like after a link change: the socket stays usable
                    if e.errno not in (errno.ENETDOWN, errno.ENXIO, errno.EIO):
                        control('error %s %s' % (names[index], e.strerror or e))
                    break
                if len(addr) > 2 and addr[2] == PACKET_OUTGOING:
                    continue
                out(index, frame)


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(0)
