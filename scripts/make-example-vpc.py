#!/usr/bin/env python3
"""Generate the network part of the bundled example account (examples/account/) with moto.

The account holds one VPC with:
  - a public subnet (route 0.0.0.0/0 -> internet gateway) with instance `web`, which has a public IP
    and a security group open to the internet on tcp/22 and tcp/443: EXPOSED;
  - a private subnet (main route table: local only; a network ACL that admits only the VPC) with
    instance `db`, no public IP, security group admitting tcp/5432 from the web group only: NOT EXPOSED.

It runs moto in-process (mock_aws), calls the EC2 describe APIs through boto3 and writes each response
as CloudMapper's collector does: ResponseMetadata removed, keys sorted, dates as strings, one file per
call named `ec2-<command>.json` under `examples/account/us-east-1/`. Only ec2-* files are written;
other engineers add IAM/S3 files to the same folder.

moto's random ids are seeded, so runs produce the same ids.

Usage: python3 scripts/make-example-vpc.py [OUT_DIR]   (default: examples/account)
"""

import json
import os
import sys

import boto3
from moto import mock_aws
from moto.moto_api._internal import mock_random

REGION = "us-east-1"

CALLS = [
    ("describe-vpcs", "describe_vpcs", {}),
    ("describe-subnets", "describe_subnets", {}),
    ("describe-route-tables", "describe_route_tables", {}),
    ("describe-internet-gateways", "describe_internet_gateways", {}),
    ("describe-egress-only-internet-gateways", "describe_egress_only_internet_gateways", {}),
    ("describe-nat-gateways", "describe_nat_gateways", {}),
    ("describe-network-acls", "describe_network_acls", {}),
    ("describe-security-groups", "describe_security_groups", {}),
    ("describe-network-interfaces", "describe_network_interfaces", {}),
    ("describe-instances", "describe_instances", {}),
    ("describe-vpc-endpoints", "describe_vpc_endpoints", {}),
    ("describe-vpc-peering-connections", "describe_vpc_peering_connections", {}),
    ("describe-addresses", "describe_addresses", {}),
    ("describe-managed-prefix-lists", "describe_managed_prefix_lists", {}),
    ("describe-transit-gateways", "describe_transit_gateways", {}),
    ("describe-transit-gateway-attachments", "describe_transit_gateway_attachments", {}),
    ("describe-transit-gateway-route-tables", "describe_transit_gateway_route_tables", {}),
]


def build(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "example"}])
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)

    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]

    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=public)

    # Private subnet: a network ACL that admits only the VPC, both ways.
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for egress in (False, True):
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=egress, CidrBlock="10.0.0.0/16")
    assoc = [a for a in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [private]}])["NetworkAcls"][0]["Associations"] if a["SubnetId"] == private][0]
    ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)

    web_sg = ec2.create_security_group(GroupName="web", Description="web servers", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    ])
    db_sg = ec2.create_security_group(GroupName="db", Description="database", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=db_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web_sg}]},
    ])

    ami = "ami-12c6146b"  # one of moto's bundled AMIs
    web = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro", NetworkInterfaces=[
        {"DeviceIndex": 0, "SubnetId": public, "Groups": [web_sg], "AssociatePublicIpAddress": True, "PrivateIpAddress": "10.0.1.10"},
    ], TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}])["Instances"][0]
    ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro", NetworkInterfaces=[
        {"DeviceIndex": 0, "SubnetId": private, "Groups": [db_sg], "AssociatePublicIpAddress": False, "PrivateIpAddress": "10.0.2.20"},
    ], TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "db"}]}])

    # An Elastic IP on the web server, as production setups use.
    # moto draws random addresses from 127/8 (loopback), which no internet host can reach; a
    # documentation-range address (RFC 5737 TEST-NET-3) stands in for an Amazon-assigned one.
    alloc = ec2.allocate_address(Domain="vpc", Address="203.0.113.10")["AllocationId"]
    ec2.associate_address(AllocationId=alloc, InstanceId=web["InstanceId"])


def clean(value):
    return json.loads(json.dumps(value, default=str))


def main():
    out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "examples/account", REGION)
    os.makedirs(out, exist_ok=True)
    mock_random.seed(20261122)
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        build(ec2)
        for name, method, kwargs in CALLS:
            response = getattr(ec2, method)(**kwargs)
            response.pop("ResponseMetadata", None)
            path = os.path.join(out, f"ec2-{name}.json")
            with open(path, "w") as f:
                json.dump(clean(response), f, indent=4, sort_keys=True)
                f.write("\n")
            print(path)


if __name__ == "__main__":
    main()
