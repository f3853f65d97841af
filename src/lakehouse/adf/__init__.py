"""`lakehouse adf-run`: the Data Factory pipeline of `adf/`, run locally from its own JSON.

factory (the JSON files) -> runner (checks, parameters, system variables) -> engine (dependencies, retries, the
leaf rule of pipeline status) -> activities (local meaning of each activity type: metadata, databricks, web),
with expressions evaluated by expr_parse/expr_eval (and dotnet_time for dates); checks is what is checked before a
run. cli is the command line.
"""

PIPELINE = "CustomerAnalyticsPipeline"  # the pipeline adf-run runs unless told otherwise
