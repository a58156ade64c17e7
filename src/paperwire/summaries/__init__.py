"""One-line summaries of papers: extractive from the bundled model (``extractive.py`` on
``sentences.py``), abstractive from an optional OpenAI-compatible endpoint (``llm.py``,
checked by ``validate.py``). Rules only: the SQL is ``db/summaries.py``."""
