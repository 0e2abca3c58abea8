"""Token counting with the tokenizer of the scenario's model where one ships offline, else cl100k_base."""
