"""The store: every SQL statement of the service, one module per table group, plus connections
(:mod:`.db`) and the migrations runner (:mod:`.migrations`)."""
