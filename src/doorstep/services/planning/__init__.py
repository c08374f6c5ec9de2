"""Planning jobs and plan versions: the problem of a day, the routes of a plan, manual edits, comparison, re-timing."""
