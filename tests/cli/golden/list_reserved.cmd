list 0-1023 --status reserved
