22/tcp 6001/udp
