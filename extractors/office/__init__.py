"""Word and Excel files (and .doc/.wps/.xls/.et through LibreOffice)."""
