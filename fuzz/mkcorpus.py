#!/usr/bin/env python3
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Writes the seed corpora under fuzz/corpus/ (committed; run this only to
# regenerate them): the four RFC 5769 vectors, built here from their
# inputs and checked against the MAC and CRC bytes printed in the RFC, plus
# RFC 3489, RFC 5780 and TURN messages, ChannelData and stream mixes.
import hashlib
import hmac
import os
import struct
import sys
import zlib

COOKIE = 0x2112A442
TID = bytes.fromhex("b7e7a701bc34d686fa87dfae")


def attr(t, v, padbyte=b"\0"):
    pad = (4 - len(v) % 4) % 4
    return struct.pack("!HH", t, len(v)) + v + padbyte * pad


def header(mtype, body_len, tid=TID, cookie=COOKIE):
    return struct.pack("!HHI", mtype, body_len, cookie) + tid


def msg(mtype, attrs, tid=TID, cookie=COOKIE, key=None, sha256=None,
        fp=False):
    body = b"".join(attrs)
    if key is not None:
        h = header(mtype, len(body) + 24, tid, cookie)
        mac = hmac.new(key, h + body, hashlib.sha1).digest()
        body += attr(0x0008, mac)
    if sha256 is not None:
        h = header(mtype, len(body) + 36, tid, cookie)
        mac = hmac.new(sha256, h + body, hashlib.sha256).digest()
        body += attr(0x001C, mac)
    if fp:
        h = header(mtype, len(body) + 8, tid, cookie)
        crc = (zlib.crc32(h + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += attr(0x8028, struct.pack("!I", crc))
    return header(mtype, len(body), tid, cookie) + body


def xaddr(t, ip, port, tid=TID):
    if len(ip) == 4:
        x = bytes(a ^ b for a, b in zip(ip, struct.pack("!I", COOKIE)))
        fam = 1
    else:
        x = bytes(a ^ b for a, b in zip(ip, struct.pack("!I", COOKIE) + tid))
        fam = 2
    return attr(t, struct.pack("!BBH", 0, fam, port ^ (COOKIE >> 16)) + x)


def addr(t, ip, port):
    fam = 1 if len(ip) == 4 else 2
    return attr(t, struct.pack("!BBH", 0, fam, port) + ip)


def u32(t, v):
    return attr(t, struct.pack("!I", v))


def errcode(code, reason):
    return attr(0x0009, struct.pack("!HBB", 0, code // 100, code % 100) +
                reason)


V4 = bytes([192, 0, 2, 1])
V6 = bytes.fromhex("20010db8123456780011223344556677")
KEY = b"VOkJxbRl1RmTxUk/WvJxBt"


def rfc5769():
    req = msg(0x0001, [attr(0x8022, b"STUN test client"),
                       u32(0x0024, 0x6E0001FF),
                       attr(0x8029, bytes.fromhex("932ff9b151263b36")),
                       attr(0x0006, b"evtj:h6vY", b" ")],
              key=KEY, fp=True)
    assert req[-32:] == bytes.fromhex(
        "00080014" "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
        "80280004" "e57a3bcf"), "RFC 5769 2.1"
    r4 = msg(0x0101, [attr(0x8022, b"test vector", b" "),
                      xaddr(0x0020, V4, 32853)], key=KEY, fp=True)
    assert r4[-28:-8] == bytes.fromhex(
        "2b91f599fd9e90c38c7489f92af9ba53f06be7d7"), "RFC 5769 2.2 MI"
    assert r4[-4:] == bytes.fromhex("c07d4c96"), "RFC 5769 2.2 FP"
    r6 = msg(0x0101, [attr(0x8022, b"test vector", b" "),
                      xaddr(0x0020, V6, 32853)], key=KEY, fp=True)
    assert r6[-28:-8] == bytes.fromhex(
        "a382954e4be67bf11784c97c8292c275bfe3ed41"), "RFC 5769 2.3 MI"
    assert r6[-4:] == bytes.fromhex("c8fb0b4c"), "RFC 5769 2.3 FP"
    user = "\u30de\u30c8\u30ea\u30c3\u30af\u30b9".encode()
    ltkey = hashlib.md5(user + b":example.org:TheMatrIX").digest()
    lt = msg(0x0001, [attr(0x0006, user),
                      attr(0x0015, b"f//499k954d6OL34oL9FSTvy64sA"),
                      attr(0x0014, b"example.org")],
             tid=bytes.fromhex("78ad3433c6ad72c029da412e"), key=ltkey)
    assert lt[-20:] == bytes.fromhex(
        "f67024656dd64a3e02b8e0712e85c9a28ca89666"), "RFC 5769 2.4"
    return {"rfc5769-request": req, "rfc5769-ipv4-response": r4,
            "rfc5769-ipv6-response": r6, "rfc5769-long-term": lt}


def messages():
    m = rfc5769()
    tid2 = bytes.fromhex("0102030405060708090a0b0c")
    nonce = b"obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA"
    m["rfc3489-request"] = msg(0x0001, [u32(0x0003, 0x6)], tid=tid2,
                               cookie=0x11223344)
    m["rfc3489-response"] = msg(
        0x0101, [addr(0x0001, V4, 4242), addr(0x0004, V4, 3478),
                 addr(0x0005, bytes([192, 0, 2, 2]), 3479)],
        tid=tid2, cookie=0x11223344)
    m["rfc5780-response"] = msg(
        0x0101, [xaddr(0x0020, V4, 4242), addr(0x802B, V4, 3478),
                 addr(0x802C, bytes([192, 0, 2, 2]), 3479)], fp=True)
    m["rfc5780-request"] = msg(
        0x0001, [u32(0x0003, 0x4),
                 attr(0x0027, struct.pack("!HH", 5000, 0)),
                 attr(0x0026, b"\0" * 64)], fp=True)
    m["turn-allocate"] = msg(
        0x0003, [attr(0x0019, bytes([17, 0, 0, 0])), u32(0x000D, 600),
                 attr(0x001A, b""), attr(0x0018, b"\x80"),
                 attr(0x0017, b"\x02\0\0\0")], fp=True)
    m["turn-allocate-401"] = msg(
        0x0113, [errcode(401, b"Unauthorized"),
                 attr(0x0014, b"example.org"), attr(0x0015, nonce),
                 attr(0x8002, bytes.fromhex("0002000000010000"))], fp=True)
    m["turn-allocate-auth"] = msg(
        0x0003, [attr(0x0019, bytes([17, 0, 0, 0])),
                 attr(0x001E, hashlib.sha256(b"user:example.org").digest()),
                 attr(0x0014, b"example.org"), attr(0x0015, nonce),
                 attr(0x001D, bytes.fromhex("00020000"))],
        sha256=hashlib.sha256(b"user:example.org:pass").digest(), fp=True)
    m["turn-allocate-ok"] = msg(
        0x0103, [xaddr(0x0016, bytes([203, 0, 113, 5]), 49152),
                 xaddr(0x0020, V4, 4242), u32(0x000D, 600),
                 attr(0x0022, bytes(range(8))),
                 attr(0x8001, struct.pack("!BBBB", 2, 0, 4, 40) +
                      b"Address Family not Supported")], fp=True)
    m["turn-create-permission"] = msg(
        0x0008, [xaddr(0x0012, V6, 0), xaddr(0x0012, V4, 0)], fp=True)
    m["turn-channel-bind"] = msg(
        0x0009, [attr(0x000C, struct.pack("!HH", 0x4001, 0)),
                 xaddr(0x0012, bytes([198, 51, 100, 7]), 5000)])
    m["turn-send"] = msg(0x0016, [xaddr(0x0012, V4, 5000),
                                  attr(0x0013, b"hello, peer"),
                                  attr(0x001A, b"")])
    m["turn-data-icmp"] = msg(0x0017, [xaddr(0x0012, V4, 5000),
                                       attr(0x8004, bytes([0, 0, 3, 3]) +
                                            b"\0\0\0\0")])
    m["error-420"] = msg(0x0111, [errcode(420, b"Unknown Attribute"),
                                  attr(0x000A, struct.pack("!HHH", 0x7777,
                                                           0x0031, 0x0032))],
                         fp=True)
    m["error-300"] = msg(0x0111, [errcode(300, b"Try Alternate"),
                                  addr(0x8023, V6, 3478),
                                  attr(0x8003, b"stun.example.org")])
    m["ice-binding"] = msg(0x0001, [attr(0x0006, b"a:b"),
                                    u32(0x0024, 0x6E7F1EFF),
                                    attr(0x802A, bytes(range(8))),
                                    attr(0x0025, b"")],
                           key=KEY, sha256=KEY, fp=True)
    m["unknown-required"] = msg(0x0001, [attr(0x0031, b"x"),
                                         attr(0xC001, b"opt")])
    m["cache-timeout"] = msg(0x0101, [u32(0x8027, 60),
                                      xaddr(0x0020, V6, 1)])
    return m


def chdata(ch, data, pad=True):
    b = struct.pack("!HH", ch, len(data)) + data
    if pad:
        b += b"\0" * ((4 - len(b) % 4) % 4)
    return b


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    m = messages()
    for k, v in m.items():
        write(os.path.join(top, "msg"), k, v)
    # fuzz_attr: type, flags (1 legacy, 2 0xff padding), value.
    seen = set()
    for k, v in m.items():
        off = 20
        while off + 4 <= len(v):
            t, n = struct.unpack("!HH", v[off:off + 4])
            val = v[off + 4:off + 4 + n]
            if (t, val) not in seen:
                seen.add((t, val))
                write(os.path.join(top, "attr"), "%s-%04x" % (k, t),
                      struct.pack("!HB", t, 0) + val)
            off += 4 + n + (4 - n % 4) % 4
    write(os.path.join(top, "attr"), "legacy-xor-mapped",
          struct.pack("!HB", 0x0020, 1) + xaddr(0x20, V4, 1)[4:])
    write(os.path.join(top, "attr"), "padding-ff-username",
          struct.pack("!HB", 0x0006, 2) + b"user")
    # fuzz_stream: cap selector, chunk seed, stream bytes.
    s = os.path.join(top, "stream")
    write(s, "one-request", b"\x40\x01" + m["rfc5769-request"])
    write(s, "chdata-padded", b"\x10\x07" + chdata(0x4001, b"hello"))
    write(s, "mixed", b"\x80\x03" + m["turn-send"] +
          chdata(0x4fff, b"abc") + m["rfc5769-ipv6-response"] +
          chdata(0x4000, b"") + chdata(0x4123, bytes(range(200))))
    write(s, "byte-chunks-small-cap", b"\x1c\x00" + m["turn-allocate"] +
          m["turn-allocate-ok"])
    write(s, "big-cap", b"\xff\x42" + m["turn-allocate-401"] +
          chdata(0x4002, b"x" * 1000))
    write(s, "too-big", b"\x02\x01" + m["rfc5769-long-term"])
    write(s, "garbage-after-frame", b"\x40\x05" + chdata(0x4001, b"hi") +
          b"GET / HTTP/1.1\r\n\r\n")
    write(s, "tls-hello", b"\x40\x05" + bytes.fromhex("160301020101"))
    write(s, "unpadded-udp-chdata", chdata(0x4001, b"hello", pad=False))
    # A rendezvous Register first step (room, key share, padding) then one
    # cut short, as stund reads them from a member's TCP connection.
    reg = msg(0x00D0, [attr(0xC0D0, bytes(range(16))),
                       attr(0xC0DF, bytes(32)), attr(0xC0E4, bytes(56))],
              fp=True)
    write(s, "rdv-register-then-cut", b"\x40\x03" + reg + reg[:30])
    scripts(top, m)
    return 0


def ops(*steps):
    return b"".join(bytes(st) for st in steps)


def scripts(top, m):
    """Scripts for fuzz_relay (4-byte steps) and fuzz_chat (a mode byte,
    then steps), as fuzz/fuzz_relay.c and fuzz/fuzz_chat.c read them."""
    r = os.path.join(top, "relay")
    # op, client, x, y.  0-3 requests (x 0x80 no credentials, 0x40
    # FINGERPRINT), 4 Send, 5 ChannelData, 6 from a peer, 7 clock, 8 flip,
    # 9 raw, 10 the stream client goes.
    flow = ops((0, 0, 0x80, 0), (0, 0, 0x45, 0x04), (2, 0, 0, 0),
               (3, 0, 0, 0), (4, 0, 0, 16), (5, 0, 0, 16), (6, 32, 0, 0),
               (7, 0, 100, 0), (1, 0, 0x05, 0x01), (1, 0, 0, 0x03))
    write(r, "alloc-flow", flow)
    every = b""
    for k in range(4):
        every += ops((0, k, 0x80, 0), (0, k, 0x40 | k, 0x04 * (k & 1)),
                     (2, k, 0, 0x02 + k % 2), (3, k, 0, 0x80 + k))
    write(r, "every-client", every + ops((10, 2, 0, 0), (6, 9, 1, 1),
                                         (7, 0, 255, 0)))
    write(r, "nonce-expiry", ops((0, 1, 0x80, 0), (0, 1, 0, 0),
                                 (7, 0, 255, 0), (7, 0, 255, 0),
                                 (7, 0, 200, 0), (1, 1, 0, 0x01),
                                 (1, 1, 0, 0x01), (2, 1, 0, 0x01)))
    write(r, "flip", flow + ops((8, 0, 2, 7), (8, 1, 3, 200),
                                (8, 2, 0, 31), (8, 3, 1, 99)))
    write(r, "allocate-options", ops((0, 3, 0x80, 0), (0, 3, 0x7f, 0x3c),
                                     (0, 3, 0x00, 0x20), (0, 3, 0, 0x80),
                                     (0, 3, 0, 0x01), (0, 3, 0, 0x02)))
    raw = m["turn-allocate"]
    write(r, "raw", ops((9, 0, len(raw), 0)) + raw + ops((7, 0, 1, 0)))

    c = os.path.join(top, "chat")
    # reliable (mode 0): op, arg; 0 send (arg & 1 side, arg >> 1 size),
    # 1 deliver, 2 drop, 3 duplicate, 4 corrupt (+ a byte), 5 clock,
    # 6 raw (+ bytes).
    rel = b"\0" + ops((0, 0x40), (0, 0x21), (0, 0x02)) + \
        ops(*[(1, i) for i in range(24)]) + ops((5, 10)) + \
        ops(*[(1, i) for i in range(24)])
    write(c, "reliable", rel)
    lossy = b"\0" + ops((0, 0xfe), (0, 0x61)) + \
        ops(*[(i % 5 + 1, i * 7 % 256) for i in range(40)]) + ops((5, 30)) + \
        ops((6, 8)) + bytes([1, 0, 0, 0, 0, 0, 0, 9]) + \
        ops(*[(1, i) for i in range(16)])
    write(c, "reliable-lossy", lossy)
    # peer (mode 1): the same steps; time first so that punching starts.
    peer = b"\1" + ops((5, 1)) + ops(*[(1, i) for i in range(12)]) + \
        ops((5, 5)) + ops(*[(1, i) for i in range(12)]) + \
        ops((0, 0x10), (0, 0x31)) + ops(*[(1, i) for i in range(12)]) + \
        ops((5, 5)) + ops(*[(1, i) for i in range(12)])
    write(c, "peer", peer)
    write(c, "peer-tamper", peer + ops((0, 0x40), (4, 0), (3, 1)) + b"\5" +
          ops((6, 40)) + bytes([0xd2]) + b"\0" * 39)
    # relay (mode 2; 0x80 asks for IPv6, 0x40 relay only): op, arg, x.
    # 0 answer the last request (arg & 3: success, 401, 438, 300 + x %
    # 200; 0x10 no relayed address, 0x20 LIFETIME, 0x40 signed, 0x80
    # FINGERPRINT), 1 raw, 2 Data, 3 ChannelData, 4 clock, 5 wrap, 6 path,
    # 7 from a stranger, 8 the server's offer.
    ok = (0, 0xe0, 60)
    relay = b"\2" + ops((0, 0x81, 1), ok, (5, 10, 0), ok, (5, 10, 0),
                         (6, 0, 0), ok, (2, 1, 0x41), (3, 0, 0x42),
                         (4, 200, 0), (7, 4, 0)) + b"\0\1\0\0" + \
        ops((4, 255, 0), ok)
    write(c, "relay", relay)
    write(c, "relay-v6-420", b"\x80" + ops((0, 0x83, 120), (0, 0x81, 2),
                                          ok, (5, 4, 0), ok))
    write(c, "relay-only-refused", b"\x50" + ops((0, 0x81, 1),
                                                (0, 0xc3, 86), (8, 0, 0)))


if __name__ == "__main__":
    sys.exit(main())
