"""Finding the GGUF model to run (resolve), naming it by content (identity), and the default one (defaults)."""
