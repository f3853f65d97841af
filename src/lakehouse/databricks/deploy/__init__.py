"""`lakehouse deploy`: the package's wheel and the job definitions of `jobs/`, onto a Databricks workspace.

The steps, each in its own module so the pure parts are testable without a workspace:

- `wheel`: build the wheel from the source tree, reproducibly (same sources, same bytes, same sha256);
- `definitions`: read `jobs/*.json` (Jobs API 2.2 JobSettings), check them, fill in the uploaded wheel's path and the
  per-environment options;
- `plan`: compare the wanted settings with the jobs already in the workspace: create, update or unchanged;
- `workspace`: the only module that talks to Databricks (databricks-sdk), with its errors as one-line UserErrors;
- `apply`: the order of it all (plan everything, then write), and the lines a person reads;
- `cli`: the `deploy` sub-command.

Deploying twice changes nothing the second time: the wheel's workspace path is content-addressed (an upload is
skipped when the path exists) and a job whose settings already match is left alone.
"""
