# The lab's TCP server, in the classic textbook shape; the port comes from argv
# (0 picks a free one and prints it, so tests need no fixed port), and the address to bind
# from the second word (default the loopback; the lab's own '' is every address, which the
# tests use only inside a private network netlab made).
from socket import *
import sys
serverPort = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.bind((sys.argv[2] if len(sys.argv) > 2 else '127.0.0.1', serverPort))
serverSocket.listen(1)
print('The server is ready to receive')
# One write for the whole line: print() writes its words apart when unbuffered (python3 -u,
# PYTHONUNBUFFERED), and under `netlab run` a trace line once landed inside it.
sys.stdout.write('port %d\n' % serverSocket.getsockname()[1])
sys.stdout.flush()
while True:
    connectionSocket, addr = serverSocket.accept()
    sentence = connectionSocket.recv(1024)
    capitalizedSentence = sentence.upper()
    connectionSocket.send(capitalizedSentence)
    connectionSocket.close()
