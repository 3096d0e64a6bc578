"""The network: the VNet, its subnets and NAT gateway, and private endpoints with their DNS zones."""
