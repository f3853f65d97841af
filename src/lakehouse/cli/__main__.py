from lakehouse.cli.commands import console

console()
