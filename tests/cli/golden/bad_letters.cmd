a-b
