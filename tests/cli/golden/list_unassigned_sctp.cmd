list 1-200 --proto sctp --status unassigned
