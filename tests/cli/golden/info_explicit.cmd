info 443/udp
