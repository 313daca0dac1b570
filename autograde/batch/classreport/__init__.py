"""After the grade: the class report of a batch (`report.html`, `clusters.json`, `summary.md`), which shows
the staff what the class got wrong, clustered, with plots (`page.summarize`, `pset3 summarize`)."""
