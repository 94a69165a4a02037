# The lab's UDP server (as on the lab sheet); the port comes from argv
# (0 picks a free one and prints it, so tests need no fixed port).
from socket import *
import sys
serverPort = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind(('127.0.0.1', serverPort))
print("The server is ready to receive")
# One write for the whole line: print() writes its words apart when unbuffered (python3 -u,
# PYTHONUNBUFFERED), and under `netlab run` a trace line once landed inside it.
sys.stdout.write('port %d\n' % serverSocket.getsockname()[1])
sys.stdout.flush()
while 1:
    message, clientAddress = serverSocket.recvfrom(2048)
    modifiedMessage = message.upper()
    serverSocket.sendto(modifiedMessage, clientAddress)
