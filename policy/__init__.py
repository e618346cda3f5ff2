"""The `.rev` language: sources and spans, AST, parser, diagnostics, checker, formatter, document kinds."""
