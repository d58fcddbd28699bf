search web --limit 2
