"""OUT/report.html: the season in one offline page, with its tables, plots and cells."""
