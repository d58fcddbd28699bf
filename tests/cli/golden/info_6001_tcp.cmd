6001/tcp
