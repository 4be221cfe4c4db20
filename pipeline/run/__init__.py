"""Running a season: the files under IN, each read in a worker process or a Ray task, into the store."""
