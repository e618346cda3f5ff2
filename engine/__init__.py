"""Execution: compiled policies, decisions that explain themselves, overrides.

Never imports Lark, FastAPI or SQLAlchemy (an import-linter contract says so).
"""

from engine.decision import Decision, Finding, OverrideNote, decision_envelope
from engine.overrides import Override, OverrideRefusal, override_refusal
from engine.policy_set import PolicySet, compile_policy_set, load_policy_dir
from engine.runtime import use_engine_decimals

__all__ = [
    "Decision",
    "Finding",
    "Override",
    "OverrideNote",
    "OverrideRefusal",
    "PolicySet",
    "compile_policy_set",
    "decision_envelope",
    "load_policy_dir",
    "override_refusal",
    "use_engine_decimals",
]
