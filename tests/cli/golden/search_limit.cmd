search --limit 3 web
