"""The Blueprints CrossGuard pack; its policies come from blueprints.policy.crossguard."""

from pulumi_policy import PolicyPack

from blueprints.policy.crossguard import pack_arguments

PolicyPack("blueprints", **pack_arguments())
