"""Web pages saved from a site or by Excel (.html, .htm, .mht)."""
