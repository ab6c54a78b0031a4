"""Readers: turn a workbook or a legacy card into the card model."""
