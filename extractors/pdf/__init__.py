"""PDFs with a text layer, read by PDFium or pdfplumber (the reference)."""
