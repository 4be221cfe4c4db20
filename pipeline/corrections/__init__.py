"""An analyst's corrections file: read, applied to a file's rows, audited from run to run."""
