#!/usr/bin/env python3
# smtpcap.py IP PORT DIR MODE: a scripted SMTP server for the tests of
# im2k-remote, one connection at a time, until killed.  It writes each
# command line it reads to DIR/cmds and the raw bytes of each DATA (the
# final "." CR LF included, nothing undone) to DIR/data.N, so a test can
# compare what went on the wire byte for byte.  MODE:
#   ok       220, EHLO offers 8BITMIME and SIZE, 250 to all, 354 to DATA
#   sleep    accepts and never says anything
#   long     a greeting line of 2000 bytes
#   mixed    a greeting whose lines have two codes (220-, 250)
#   multi    RCPT refused with a two-line 550
#   binary   RCPT refused with bytes outside printable ASCII
#   ehlo421  EHLO answered 421 (so the client moves on)
import os, socket, sys, time

ip, port, d, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((ip, port))
ls.listen(5)
ndata = 0


def log(line):
    with open(os.path.join(d, 'cmds'), 'ab') as f:
        f.write(line + b'\n')


def session(c):
    global ndata
    buf = b''

    def readline():
        nonlocal buf
        while b'\n' not in buf:
            b = c.recv(65536)
            if not b:
                return None
            buf += b
        line, buf = buf.split(b'\n', 1)
        return line

    if mode == 'sleep':
        time.sleep(3600)
        return
    if mode == 'long':
        c.sendall(b'220 ' + b'x' * 1994 + b'\r\n')
    elif mode == 'mixed':
        c.sendall(b'220-cap\r\n250 cap\r\n')
    else:
        c.sendall(b'220 cap ESMTP\r\n')
    while True:
        line = readline()
        if line is None:
            return
        log(line)
        verb = line[:4].upper()
        if verb == b'EHLO':
            if mode == 'ehlo421':
                c.sendall(b'421 4.3.2 not now\r\n')
                return
            c.sendall(b'250-cap\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n')
        elif verb == b'RCPT' and mode == 'multi':
            c.sendall(b'550-5.1.1 first line\r\n550 5.1.1 second line\r\n')
        elif verb == b'RCPT' and mode == 'binary':
            c.sendall(b'550 5.1.1 \x01bad\xff\x7f\r\n')
        elif verb == b'DATA':
            c.sendall(b'354 go ahead\r\n')
            while b'\r\n.\r\n' not in b'\r\n' + buf:
                b = c.recv(65536)
                if not b:
                    return
                buf += b
            i = (b'\r\n' + buf).index(b'\r\n.\r\n') + 3
            ndata += 1
            with open(os.path.join(d, 'data.%d' % ndata), 'wb') as f:
                f.write(buf[:i])
            buf = buf[i:]
            c.sendall(b'250 2.0.0 captured\r\n')
        elif verb == b'QUIT':
            c.sendall(b'221 2.0.0 bye\r\n')
            return
        else:
            c.sendall(b'250 2.0.0 ok\r\n')


while True:
    c, _ = ls.accept()
    try:
        session(c)
    except OSError:
        pass
    c.close()
