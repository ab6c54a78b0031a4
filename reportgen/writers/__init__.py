"""Writers: turn the card model into text, DOCX, XLSX, HWPX and HWP."""
