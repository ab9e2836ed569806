"""Nothing to import: this folder only carries `pulumi-plugin.json`.

Pulumi's Python language host takes every installed distribution named `pulumi-*` for a
provider SDK and asks the engine for the resource plugin of that name (`blueprints`), which
does not exist; it reads `pulumi_<name>/pulumi-plugin.json` first, and `"resource": false`
there says the package needs no plugin (what pulumi-policy ships too).
"""
