terraform {
  backend "s3" {
    bucket = "acme-terraform-state"
    key    = "platform/terraform.tfstate"
    region = "eu-central-1"
  }
}

provider "aws" {
  region = var.region
}

module "vpc" {
  source             = "./modules/vpc"
  name               = "platform-${var.environment}"
  cidr_block         = var.vpc_cidr
  availability_zones = ["${var.region}a", "${var.region}b", "${var.region}c"]
}

module "billing_db" {
  source     = "./modules/rds"
  name       = "billing-${var.environment}"
  vpc_id     = module.vpc.vpc_id
  subnet_ids = module.vpc.private_subnet_ids
}
