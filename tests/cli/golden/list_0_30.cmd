list 0-30
