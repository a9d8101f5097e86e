"""Files: uploads, attachments to records, downloads, and the blob store beneath."""
