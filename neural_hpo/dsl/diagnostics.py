"""Diagnostics: what the checker tells the user, with stable codes documented in docs/dsl.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from .model import Span


class Severity(IntEnum):
    """Same numbering as LSP's DiagnosticSeverity."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4


#: Every diagnostic code with its severity and a one-line title (docs/dsl.md explains each).
CODES: dict[str, tuple[Severity, str]] = {
    # syntax
    "E101": (Severity.ERROR, "unexpected character"),
    "E102": (Severity.ERROR, "unexpected token"),
    "E103": (Severity.ERROR, "unexpected end of file"),
    "E104": (Severity.ERROR, "nested too deeply"),
    "E105": (Severity.ERROR, "number literal too long"),
    # structure
    "E110": (Severity.ERROR, "unknown network setting"),
    "E111": (Severity.ERROR, "setting given twice"),
    "E112": (Severity.ERROR, "network without input shape"),
    "E113": (Severity.ERROR, "network without layers"),
    "E114": (Severity.ERROR, "network name used twice"),
    "E115": (Severity.ERROR, "invalid input shape"),
    "E116": (Severity.ERROR, "unknown training or execution key"),
    "E117": (Severity.ERROR, "macro misuse"),
    "E118": (Severity.ERROR, "macro defined twice"),
    "E119": (Severity.ERROR, "arithmetic over something other than numbers"),
    "E120": (Severity.ERROR, "division by zero"),
    "E121": (Severity.ERROR, "inexact division into an int argument"),
    "E122": (Severity.ERROR, "macro shadows a built-in layer"),
    "E123": (Severity.ERROR, "block after a setting other than optimizer"),
    "E124": (Severity.ERROR, "layer that merges several inputs"),
    "E125": (Severity.ERROR, "several inputs"),
    # hpo domains
    "E201": (Severity.ERROR, "empty categorical"),
    "E202": (Severity.ERROR, "duplicate categorical value"),
    "E203": (Severity.ERROR, "mixed value types in categorical"),
    "E204": (Severity.ERROR, "range low not below high"),
    "E205": (Severity.ERROR, "step not positive"),
    "E206": (Severity.ERROR, "step larger than the range"),
    "E207": (Severity.ERROR, "log_range low not positive"),
    "E208": (Severity.ERROR, "malformed hpo expression"),
    "E209": (Severity.ERROR, "parameter name used twice"),
    "E210": (Severity.ERROR, "hpo where the value cannot vary"),
    "E211": (Severity.ERROR, "step with log_range"),
    "E212": (Severity.ERROR, "range bound not finite"),
    # names, arguments, values
    "E301": (Severity.ERROR, "unknown layer"),
    "E302": (Severity.ERROR, "unknown argument"),
    "E303": (Severity.ERROR, "wrong value type"),
    "E304": (Severity.ERROR, "value outside the argument's domain"),
    "E305": (Severity.ERROR, "missing required argument"),
    "E306": (Severity.ERROR, "argument given twice"),
    "E307": (Severity.ERROR, "too many positional arguments"),
    "E308": (Severity.ERROR, "unknown activation"),
    "E309": (Severity.ERROR, "unknown optimizer"),
    "E310": (Severity.ERROR, "unknown loss"),
    "E312": (Severity.ERROR, "layer takes no sub-layer block"),
    "E313": (Severity.ERROR, "invalid device"),
    "E314": (Severity.ERROR, "unknown metric"),
    "E315": (Severity.ERROR, "unknown sampler"),
    "E316": (Severity.ERROR, "malformed constraint"),
    "E320": (Severity.ERROR, "a loss other than the network's used as a metric"),
    "E321": (Severity.ERROR, "unknown learning-rate schedule"),
    # shapes
    "E401": (Severity.ERROR, "empty output at some corner of the search space"),
    "E402": (Severity.ERROR, "layer input of the wrong rank"),
    "E403": (Severity.ERROR, "reshape to a different size"),
    "E404": (Severity.ERROR, "dimension not divisible"),
    "E420": (Severity.ERROR, "sequence longer than max_len"),
    "E410": (Severity.ERROR, "free axis where a fixed size is needed"),
    "E411": (Severity.ERROR, "residual block changes the shape"),
    # warnings
    "W501": (Severity.WARNING, "categorical with one value"),
    "W502": (Severity.WARNING, "range so narrow it is a constant"),
    "W503": (Severity.WARNING, "search space too large for the trial budget"),
    "W504": (Severity.WARNING, "parameter the sampler cannot model well"),
    "W505": (Severity.WARNING, "per-layer device placement is not honoured"),
    "W506": (Severity.WARNING, "a model too large to train"),
    "W520": (Severity.WARNING, "masked steps are not skipped by later layers"),
    "W521": (Severity.WARNING, "recurrent_dropout is ignored"),
    "W522": (Severity.WARNING, "no attention mask is applied"),
    "W523": (Severity.WARNING, "lr_schedule read as the optimizer's learning_rate"),
    "W524": (Severity.WARNING, "feed-forward argument replaced by a sub-layer block"),
    "W510": (Severity.WARNING, "legacy batch axis dropped from input"),
}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A fix a diagnostic proposes ("did you mean X?"): ``text`` written over ``span``."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: ``code`` (see CODES), message in user words, where, an optional fix hint
    and an optional suggestion (what the editor's quick fix writes)."""

    code: str
    message: str
    span: Span
    hint: str | None = None
    suggestion: Suggestion | None = None

    def moved(self, move: Callable[[Span], Span]) -> Diagnostic:
        """The same finding, its spans (its own, its suggestion's) moved by ``move``."""
        span = move(self.span)
        if span is self.span:
            return self
        fix = self.suggestion
        if fix is not None:
            fix = Suggestion(fix.text, move(fix.span))
        return Diagnostic(self.code, self.message, span, self.hint, fix)

    @property
    def severity(self) -> Severity:
        return CODES[self.code][0]

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR


def sort_key(d: Diagnostic) -> tuple[int, int, str]:
    """Source order, then code: the order users read them in."""
    return (d.span.start, d.span.end, d.code)
