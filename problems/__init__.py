"""Problems and their corrective actions (溯源整改): the rule that says whether a fix worked."""
