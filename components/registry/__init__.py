"""The stack's container registry, through which every image of the release is pulled."""
