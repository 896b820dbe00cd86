"""Restricted wording in visit notes (off-label claims, superlatives, guarantees, disparagement)."""

from __future__ import annotations

import re
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repcompanion.domain import SafetyError
from repcompanion.intel.safety.locate import resource_path

RESTRICTED_CATEGORIES: tuple[str, ...] = (
    "off_label_claim",
    "superlative",
    "competitor_disparagement",
    "guarantee",
)
RESTRICTED_FILE = ("safety", "restricted.toml")


@dataclass(frozen=True, slots=True)
class RestrictedHit:
    """A restricted phrase found in a note, with the fix to suggest."""

    phrase: str
    start: int
    end: int
    category: str
    fix: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "phrase": self.phrase,
            "start": self.start,
            "end": self.end,
            "category": self.category,
            "fix": self.fix,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class _Rule:
    phrase: str
    category: str
    fix: str


class RestrictedList:
    """A compiled restricted-words list: one alternation regex over every phrase and pattern."""

    def __init__(self, rules: list[_Rule], patterns: list[tuple[str, _Rule]], source: str = "<memory>") -> None:
        self.source = source
        self._rules = rules
        parts: list[str] = []
        longest_first = sorted(rules, key=lambda r: -len(r.phrase))
        for index, rule in enumerate(longest_first):
            words = [re.escape(w) for w in re.split(r"[\s\-]+", rule.phrase.strip()) if w]
            body = r"[\s\-]+".join(words)
            left = r"(?<!\w)" if rule.phrase[:1].isalnum() else ""
            right = r"(?!\w)" if rule.phrase[-1:].isalnum() else ""
            parts.append(f"(?P<p{index}>{left}{body}{right})")
        self._by_group: dict[str, _Rule] = {f"p{index}": rule for index, rule in enumerate(longest_first)}
        for index, (regex, rule) in enumerate(patterns):
            parts.insert(0, f"(?P<x{index}>{regex})")
            self._by_group[f"x{index}"] = rule
        self._regex = re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def __len__(self) -> int:
        return len(self._by_group)

    def check(self, text: str) -> list[RestrictedHit]:
        """Every restricted phrase in `text`, left to right, longest first where they start together."""
        if self._regex is None:
            return []
        hits: list[RestrictedHit] = []
        for found in self._regex.finditer(text):
            group = found.lastgroup
            if group is None:
                continue
            rule = self._by_group[group]
            phrase = rule.phrase or " ".join(found.group().lower().split())
            hits.append(RestrictedHit(phrase, found.start(), found.end(), rule.category, rule.fix, found.group()))
        return hits


def _parse(data: dict[str, Any], source: str) -> RestrictedList:
    competitors = [str(c) for c in data.get("competitors", [])]
    alternation = "|".join(re.escape(c) for c in sorted(competitors, key=len, reverse=True)) or r"(?!x)x"
    rules: list[_Rule] = []
    seen: set[str] = set()
    patterns: list[tuple[str, _Rule]] = []
    for number, table in enumerate(data.get("rules", []), start=1):
        category = table.get("category", "")
        if category not in RESTRICTED_CATEGORIES:
            raise SafetyError(
                f"Rule {number} in {source} has category {category!r}.",
                hint=f"Use one of: {', '.join(RESTRICTED_CATEGORIES)}.",
            )
        fix = str(table.get("fix", ""))
        fixes = {str(k).lower(): str(v) for k, v in table.get("fixes", {}).items()}
        for phrase in table.get("phrases", []):
            phrase = str(phrase).strip()
            key = " ".join(re.split(r"[\s\-]+", phrase.lower()))
            if phrase and key not in seen:
                seen.add(key)
                rules.append(_Rule(phrase, category, fixes.get(phrase.lower(), fix)))
        for raw in table.get("patterns", []):
            regex = str(raw).replace("{competitor}", alternation)
            try:
                re.compile(regex, re.IGNORECASE)
            except re.error as exc:
                raise SafetyError(
                    f"A pattern of rule {number} in {source} is not a valid regular expression: {exc}.",
                    hint="Fix the pattern (Python `re` syntax) or remove it.",
                ) from exc
            patterns.append((regex, _Rule("", category, fix)))
    return RestrictedList(rules, patterns, source)


def load_restricted(path: Path | None = None) -> RestrictedList:
    """Load a restricted-words TOML file (default: resources/safety/restricted.toml)."""
    path = path if path is not None else resource_path(*RESTRICTED_FILE)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise SafetyError(
            f"The restricted-words list {path} is missing.",
            hint="Restore resources/safety/restricted.toml or pass the path of your company's list.",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SafetyError(f"The restricted-words list {path} is not valid TOML: {exc}.") from exc
    return _parse(data, str(path))


_default: RestrictedList | None = None
_lock = threading.Lock()


def check_restricted(text: str, rules: RestrictedList | Path | None = None) -> list[RestrictedHit]:
    """Restricted phrases in a note; `rules` may be a loaded list or the path of another TOML file."""
    global _default
    if isinstance(rules, RestrictedList):
        return rules.check(text)
    if rules is not None:
        return load_restricted(Path(rules)).check(text)
    if _default is None:
        with _lock:
            if _default is None:
                _default = load_restricted()
    return _default.check(text)
