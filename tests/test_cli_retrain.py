"""The retraining commands are registered on the main app with help."""

import pytest
from typer.testing import CliRunner

from ethicsnlp.cli import app


@pytest.mark.parametrize("command", ["validate", "compare", "audit", "suggest"])
def test_help_for_retraining_commands(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_evaluate_help_lists_new_options():
    result = CliRunner().invoke(app, ["evaluate", "--help"])
    assert "--redact" in result.output and "--n-boot" in result.output
