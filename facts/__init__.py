"""Pure facts the rest of the program is built on: names, built-in roles, VM sizes, the workload-identity map,
network ranges, the patterns Azure and Kubernetes accept, and where images come from.

The bottom layer: no Pulumi, no config; everything above (stackconfig, costing, components, the bootstrap) may import
it, and it imports nothing of the project but itself.
"""
