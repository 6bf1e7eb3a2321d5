"""One article run, from flags to files, in four steps a module each.

    prepare.py   every check that can fail on bad input, before anything runs (exit 2)
    services.py  what the agents of one run share: the provider (paced), prompts, retries
    execute.py   the workflow once through the scheduler -> an `Outcome` (result + report)
    outputs.py   the article, run.json and timeline.svg: rendered, then written all or none

`job.py` holds the `Job` they pass along: settings, brief, workflow and output folder, checked.
Import from the step's module (`from ucop.run.prepare import prepare`); this package imports
nothing itself, so `import ucop.run.outputs` in a batch worker loads no provider.
"""
