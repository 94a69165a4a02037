# Servers that misbehave on purpose, for netlab's robustness tests (loopback only).
# Usage: HostileServer.py MODE [PORT]; prints "port N" once listening (PORT: that one, else
# a free one). Each connection is served on a thread; the process ends when the test kills it.
# A MODE ending in '-noreuse' binds without SO_REUSEADDR, as the lab's TCPServer.py does.
import socket, struct, sys, threading

mode = sys.argv[1]
reuse = not mode.endswith('-noreuse')
mode = mode.removesuffix('-noreuse')
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
if reuse:
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(('127.0.0.1', int(sys.argv[2]) if len(sys.argv) > 2 else 0))
port = listener.getsockname()[1]

def hold(conn):
    # Keeps the connection open (after the client's half-close too) for a minute.
    conn.settimeout(60)
    try:
        while conn.recv(65536):
            pass
        threading.Event().wait(60)
    except OSError:
        pass

def fill_backlog():
    # Connections nobody accepts: with listen(0) the queue is then full and the kernel drops
    # further SYNs, so a connect() waits and times out, as with a host that never answers.
    fillers = []
    for _ in range(2):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex(('127.0.0.1', port))
        fillers.append(filler)
    return fillers

def serve(conn):
    try:
        if mode == 'http-huge-length':
            conn.recv(65536)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nhello')
            hold(conn)
        elif mode == 'http-partial':
            conn.recv(65536)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhello')
            hold(conn)
        elif mode == 'http-cut':
            conn.recv(65536)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhello')
        elif mode == 'http-endless':
            conn.recv(65536)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\n')
            chunk = b'x' * 65536
            for _ in range(65536):  # at most 4 GiB, until the client goes away
                conn.sendall(chunk)
        elif mode == 'http-hostile':
            conn.recv(65536)
            status = 'HTTP/1.1 200 \x1b]0;pwned\x07\x1b[2J\ufffe\u202e OK'.encode()
            conn.sendall(status + b'\r\nContent-Type: \x1b]52;c;cHduZWQ=\x07\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi')
        elif mode == 'http-close':
            conn.recv(65536)  # reads the request, closes without a word
        elif mode == 'tcp-reset':
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        conn.close()
    except OSError:
        conn.close()

if mode == 'silent':
    # A full backlog: the kernel drops further SYNs, so connecting waits and times out, as
    # with a host that never answers.
    listener.listen(0)
    fillers = fill_backlog()
    print('port', port, flush=True)
    threading.Event().wait(120)
    sys.exit(0)

if mode == 'tcp-once-then-full':
    # Answers one client, then never calls accept() again and fills its backlog: later SYNs
    # are dropped and connect() times out, while the server is still there.
    listener.listen(0)
    print('port', port, flush=True)
    conn, _ = listener.accept()
    conn.send(conn.recv(1024).upper())
    conn.close()
    fillers = fill_backlog()
    threading.Event().wait(120)
    sys.exit(0)

if mode in ('tcp-once', 'tcp-crash-empty', 'tcp-extra'):
    # The lab's TCPServer.py shape, served in the foreground: 'tcp-once' answers one client
    # and exits (a server without the loop); 'tcp-crash-empty' exits on an empty message (it
    # indexes the first byte); 'tcp-extra' answers with one byte too many (a newline).
    listener.listen(1)
    print('port', port, flush=True)
    while True:
        conn, _ = listener.accept()
        if mode == 'tcp-once':
            listener.close()  # before the reply: no second client can be queued meanwhile
        sentence = conn.recv(1024)
        if mode == 'tcp-crash-empty':
            sentence[0]  # IndexError on b'': the process dies
        conn.send(sentence.upper() + (b'\n' if mode == 'tcp-extra' else b''))
        conn.close()
        if mode == 'tcp-once':
            sys.exit(0)

listener.listen(64)
print('port', port, flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
