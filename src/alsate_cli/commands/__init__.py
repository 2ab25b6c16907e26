"""One module per subcommand; each is a thin layer of options over the shared pipeline."""
