# The textbook's Python 3 servers, as students copy them (loopback only; the port is picked
# by the system and printed). Usage: TextbookServers.py tcp | udp | web FOLDER | tcp-no-upper
# tcp: decodes the bytes, uppercases the text, encodes it again (a non-UTF-8 byte kills it);
# web: the one-request-per-connection web server of the lab's second task, filled in as the
# skeleton asks (no Content-Length, no Content-Type); tcp-no-upper forgets to uppercase. The
# web server's usual mistakes: web-lf ends its lines with LF only, web-empty404 sends a 404
# without a page, web-type calls the HTML text/plain. (Every web mode opens the path it is
# given, ../ included, as the skeleton does.)
from socket import *
import os, sys

mode = sys.argv[1]
if mode == 'udp':
    serverSocket = socket(AF_INET, SOCK_DGRAM)
    serverSocket.bind(('127.0.0.1', 0))
    print('port', serverSocket.getsockname()[1], flush=True)
    while True:
        message, clientAddress = serverSocket.recvfrom(2048)
        modifiedMessage = message.decode().upper()
        serverSocket.sendto(modifiedMessage.encode(), clientAddress)

serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.bind(('127.0.0.1', 0))
serverSocket.listen(1)
print('port', serverSocket.getsockname()[1], flush=True)
web = mode.startswith('web')
end = '\n' if mode == 'web-lf' else '\r\n'
if web:
    os.chdir(sys.argv[2])
while True:
    connectionSocket, addr = serverSocket.accept()
    if web:
        try:
            message = connectionSocket.recv(1024).decode()
            filename = message.split()[1]
            f = open(filename[1:])
            outputdata = f.read()
            head = "HTTP/1.1 200 OK" + end
            if mode == 'web-type':
                head += "Content-Type: text/plain" + end
            connectionSocket.send((head + end).encode())
            for i in range(0, len(outputdata)):
                connectionSocket.send(outputdata[i].encode())
            connectionSocket.send("\r\n".encode())
            connectionSocket.close()
        except IOError:
            connectionSocket.send(("HTTP/1.1 404 Not Found" + end + end).encode())
            if mode != 'web-empty404':
                connectionSocket.send("<html><head></head><body><h1>404 Not Found</h1></body></html>\r\n".encode())
            connectionSocket.close()
        continue
    sentence = connectionSocket.recv(1024).decode()
    capitalizedSentence = sentence if mode == 'tcp-no-upper' else sentence.upper()
    connectionSocket.send(capitalizedSentence.encode())
    connectionSocket.close()
