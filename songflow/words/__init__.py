"""The words: vocabularies, the chooser's ranking of options, and the word checker that judges any model's JSON."""
