search --limit 0 ssh
