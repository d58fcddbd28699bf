list --status taken
