"""What a run should report: a flow's own examples (sandbox account -> check and off), and the same
expectation the sandbox's demo accounts carry.

A flow lists, under `examples:`, sandbox accounts and what `check` then `off` report for each; the tests
run every built-in flow's examples against the sandbox (tests/test_examples.py), so a flow that has never
passed cannot ship. In a flow file an expectation is a mapping or the short form
"OUTCOME STATE [verified|unverified]" (`checked on`, `switched_off off verified`). YAML 1.1 reads a
bare on/off as true/false, the key `off:` included: both are read back as the words a flow author wrote.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from optout.results import Outcome, State

OUTCOMES = frozenset(o.value for o in Outcome)
#: "not_offered": the platform does not offer the setting to this account (e.g. a region without it).
STATES = frozenset(s.value for s in State)


class Expectation(BaseModel):
    """What a run of the product against one account should report.

    `verified` and `reason` are only checked when set; `reason` is a case-insensitive
    substring of the run's reason.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: str
    state: str
    verified: bool | None = None
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: object) -> object:
        if isinstance(data, str):
            words = data.split()
            checked = {"verified": True, "unverified": False}
            if len(words) not in (2, 3) or (len(words) == 3 and words[2] not in checked):
                raise ValueError(
                    f"{data!r}: write OUTCOME STATE [verified|unverified], such as 'checked on' or "
                    "'switched_off off verified'"
                )
            return {"outcome": words[0], "state": words[1]} | ({"verified": checked[words[2]]} if words[2:] else {})
        return data

    @field_validator("outcome")
    @classmethod
    def _known_outcome(cls, value: str) -> str:
        if value not in OUTCOMES:
            raise ValueError(f"unknown outcome {value!r} (one of {', '.join(sorted(OUTCOMES))})")
        return value

    @field_validator("state", mode="before")
    @classmethod
    def _known_state(cls, value: object) -> object:
        if isinstance(value, bool):  # YAML's bare on/off
            value = "on" if value else "off"
        if value not in STATES:
            raise ValueError(f"unknown state {value!r} (one of {', '.join(sorted(STATES))})")
        return value

    @field_validator("reason")
    @classmethod
    def _meaningful_reason(cls, value: str | None) -> str | None:
        # An empty substring would match every reason and so check nothing.
        if value is not None and not value.strip():
            raise ValueError("an expected reason must not be blank")
        return value

    def met_by(self, outcome: str, state: str, verified: bool, reason: str | None) -> bool:
        """Whether a run that reported these values is what this account should produce."""
        if (outcome, state) != (self.outcome, self.state):
            return False
        if self.verified is not None and verified != self.verified:
            return False
        return self.reason is None or (reason is not None and self.reason.casefold() in reason.casefold())

    def __str__(self) -> str:
        extra = [] if self.verified is None else ["verified" if self.verified else "not verified"]
        extra += [] if self.reason is None else [f"reason with {self.reason!r}"]
        return f"{self.outcome} ({self.state})" + (f", {', '.join(extra)}" if extra else "")


class Example(BaseModel):
    """One sandbox account of the flow's platform and what `check`, then `off`, report for it.
    `setting`: for a flow with several settings, the one this example is about (default: each)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    setting: str | None = None
    check: Expectation
    off: Expectation

    @model_validator(mode="before")
    @classmethod
    def _off_key(cls, data: object) -> object:
        if isinstance(data, dict) and False in data and "off" not in data:  # YAML's bare `off:` key
            data = {("off" if k is False else k): v for k, v in data.items()}
        return data

    @field_validator("account")
    @classmethod
    def _canonical(cls, value: str) -> str:
        if value != value.strip().lower() or not value:
            raise ValueError(f"an example's account is a sandbox username, lower case: {value!r}")
        return value
