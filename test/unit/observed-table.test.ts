import { describe, expect, it } from "vitest";
import type { Route } from "@aws-sdk/client-ec2";
import { toObservedTable } from "../../functions/pod-routes/adapters/ec2.js";

describe("toObservedTable", () => {
  it("keeps IPv4 and IPv6 routes, marks gateways and other non-instance targets foreign, and reads the VPC blocks from local routes", () => {
    const observed = toObservedTable({
      RouteTableId: "rtb-1",
      VpcId: "vpc-1",
      Associations: [
        { Main: false, SubnetId: "subnet-1", AssociationState: { State: "associated" } },
        { Main: false, SubnetId: "subnet-gone", AssociationState: { State: "disassociated" } },
      ],
      Routes: [
        { DestinationCidrBlock: "10.240.0.0/16", GatewayId: "local", State: "active" },
        { DestinationCidrBlock: "10.241.0.0/16", GatewayId: "local", State: "active" },
        { DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-1", State: "active" },
        { DestinationCidrBlock: "10.200.5.0/24", NatGatewayId: "nat-1", State: "active" },
        { DestinationCidrBlock: "10.200.6.0/24", TransitGatewayId: "tgw-1", State: "active" },
        { DestinationCidrBlock: "10.200.1.0/24", InstanceId: "i-1", NetworkInterfaceId: "eni-1", State: "active" },
        { DestinationCidrBlock: "10.200.2.0/24", NetworkInterfaceId: "eni-2", State: "blackhole" },
        { DestinationIpv6CidrBlock: "::/0", GatewayId: "igw-1" },
        { DestinationPrefixListId: "pl-1", GatewayId: "vpce-1" },
      ],
    });
    expect(observed).toEqual({
      routeTableId: "rtb-1",
      vpcId: "vpc-1",
      main: false,
      subnetIds: ["subnet-1"],
      vpcCidrs: ["10.240.0.0/16", "10.241.0.0/16"],
      routes: [
        { destination: "10.240.0.0/16", foreignTarget: "local", blackhole: false },
        { destination: "10.241.0.0/16", foreignTarget: "local", blackhole: false },
        { destination: "0.0.0.0/0", foreignTarget: "igw-1", blackhole: false },
        { destination: "10.200.5.0/24", foreignTarget: "nat-1", blackhole: false },
        { destination: "10.200.6.0/24", foreignTarget: "tgw-1", blackhole: false },
        { destination: "10.200.1.0/24", instanceId: "i-1", networkInterfaceId: "eni-1", blackhole: false },
        { destination: "10.200.2.0/24", networkInterfaceId: "eni-2", blackhole: true },
        { destination: "::/0", foreignTarget: "igw-1", blackhole: false },
      ],
      quotaRoutes: { ipv4: 6, ipv6: 1 },
    });
  });

  it("counts the routes the route-table quota counts, per family: not local or propagated ones", () => {
    const routes: Route[] = [
      { DestinationCidrBlock: "10.240.0.0/16", GatewayId: "local", Origin: "CreateRouteTable" },
      { DestinationCidrBlock: "172.16.0.0/12", GatewayId: "vgw-1", Origin: "EnableVgwRoutePropagation" },
      { DestinationIpv6CidrBlock: "2600:1f18::/56", GatewayId: "local", Origin: "CreateRouteTable" },
      { DestinationIpv6CidrBlock: "::/0", GatewayId: "igw-1", Origin: "CreateRoute" },
      { DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-1", Origin: "CreateRoute" },
      { DestinationCidrBlock: "10.200.1.0/24", InstanceId: "i-1", Origin: "CreateRoute" },
      { DestinationPrefixListId: "pl-1", GatewayId: "vpce-1", Origin: "CreateRoute" },
    ];
    expect(toObservedTable({ RouteTableId: "rtb-3", VpcId: "vpc-1", Routes: routes }).quotaRoutes).toEqual({
      ipv4: 3,
      ipv6: 1,
    });
  });

  it("recognises the main table", () => {
    expect(
      toObservedTable({ RouteTableId: "rtb-2", VpcId: "vpc-1", Associations: [{ Main: true }], Routes: [] }).main,
    ).toBe(true);
  });
});
