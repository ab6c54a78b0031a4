"""reportgen — 공약 관리카드 생성기 (pledge cards for Korean local governments)."""

__version__ = "0.1.0"
