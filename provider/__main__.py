"""The blueprints component provider: `python <this folder> <engine address> [flags]`, as
Pulumi's Python language host runs a plugin folder (`pulumi-resource-blueprints` does the same
with this repository's virtualenv)."""

from components.package.provider import main

if __name__ == "__main__":
    main()
