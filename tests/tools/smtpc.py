#!/usr/bin/env python3
# smtpc.py IP PORT [CMD ...]: a raw SMTP client for the tests.  Reads the
# bytes to send on standard input, sends them as they are (no line-ending
# repair, so bare CR, bare LF and pipelining go out as written) and prints
# every reply line the server sends until it closes.  A line "@@PAUSE@@"
# in the input splits it: the part before it is sent, the replies are read
# up to one starting "250 2.0.0" (the reply to DATA), then CMD is run and
# "check: RC" printed, and only then is the rest sent.  SRC in the
# environment is the source address to bind.
import os, re, socket, subprocess, sys

ip, port, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
data = sys.stdin.buffer.read()
s = socket.socket()
s.settimeout(30)
if os.environ.get('SRC'):
    s.bind((os.environ['SRC'], 0))
s.connect((ip, port))
got = b''

def read_until(pred):
    global got
    while not pred(got):
        try:
            b = s.recv(65536)
        except socket.timeout:
            return
        if not b:
            return
        got += b
        sys.stdout.buffer.write(b.replace(b'\r\n', b'\n'))
        sys.stdout.flush()

parts = data.split(b'@@PAUSE@@\n', 1)
if len(parts) == 2:
    s.sendall(parts[0])
    # the verdict on the message: the first reply after the 354
    read_until(lambda g: b'354 ' in g and
               re.search(rb'\r\n[245]\d\d [^\r]*\r\n', g[g.index(b'354 '):]) is not None)
    rc = subprocess.call(cmd)
    print('check: %d' % rc, flush=True)
    data = parts[1]
try:
    s.sendall(data)
except OSError:
    pass
read_until(lambda g: False)
