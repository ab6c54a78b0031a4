"""The project's one input-error type: every problem names where and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``where`` is a sheet!cell (``추진실적!D17``), ``line 12`` or "" for the
    whole file. ``ko``/``en`` say what is wrong, ``fix_ko``/``fix_en`` how to fix it.
    """

    file: str
    where: str
    ko: str
    en: str
    fix_ko: str = ""
    fix_en: str = ""

    def __str__(self) -> str:
        place = f"{self.file} {self.where}".strip() if self.where else self.file
        text = f"{place}: {self.ko} / {self.en}"
        if self.fix_ko or self.fix_en:
            text += f"\n    → {self.fix_ko} / {self.fix_en}"
        return text


class InputError(Exception):
    """Bad input: one or more :class:`Problem`; the CLI prints them and exits 2."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Problems:
    """Collects problems so that all of them are reported together."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[Problem] = []

    def add(self, where: str, ko: str, en: str, fix_ko: str = "", fix_en: str = "") -> None:
        self.items.append(Problem(self.file, where, ko, en, fix_ko, fix_en))

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


class CardError(Exception):
    """One card could not be written in one format (the build goes on with the rest, exit 1).

    The message should be bilingual and say what in the card is the problem.
    """
