"""Policy as code: one rule set, evaluated offline by `blueprints check` and by `pulumi preview
--policy-pack policies` through CrossGuard."""
