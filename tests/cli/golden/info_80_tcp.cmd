80/tcp
