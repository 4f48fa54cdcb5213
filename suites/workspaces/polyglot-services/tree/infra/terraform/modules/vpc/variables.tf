variable "name" {
  description = "Prefix for every resource name"
  type        = string
}

variable "cidr_block" {
  description = "The VPC's IPv4 range; subnets are /20s carved out of it"
  type        = string
}

variable "availability_zones" {
  description = "One public and one private subnet per zone"
  type        = list(string)
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, not zone-redundant)"
  type        = bool
  default     = true
}
