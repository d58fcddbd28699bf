name ssh
