"""The LLM analysis: the Gemini client, prompts and their answers' checks, the `<db>_llm` store, the
analyst and the batch command."""
