"""The Pulumi program of this project: `pulumi up --stack <blueprint>-<env>` runs this file.

`blueprints preview` runs this same file offline, under Pulumi's mock runtime.
"""

from blueprints.program import main

main()
