name --json www
