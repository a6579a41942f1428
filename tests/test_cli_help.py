"""The command line says who may send each message as the contract does: the help is derived, never
written beside it (it once said `owner only` where the contract allows the special group and supervisors)."""
import typer.main

from tools.cli.messages import app
from workflows.contract import CONTRACT


def test_each_message_command_names_exactly_the_contracts_senders_and_stages():
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert commands, "no message commands"
    for name, command in commands.items():
        declared = CONTRACT[name.replace("-", "_")]
        help_text = " ".join((command.help or "").split())
        for party in declared.who:
            assert party.value in help_text, (name, party)
        for stage in declared.stages:
            assert stage.value in help_text, (name, stage)
        assert "only)" not in help_text and "(supervisor)" not in help_text, name
