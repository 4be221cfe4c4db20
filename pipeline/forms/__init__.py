"""Reading and recognising forms: a document's grids to forms, slots and normalized records."""
