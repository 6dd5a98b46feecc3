import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  RunInstancesCommand,
  type EC2Client,
  type Tag,
} from "@aws-sdk/client-ec2";

/** The network "Kubernetes the hard way on AWS" builds, as pod-routes finds it. */
export interface TutorialNetwork {
  readonly vpcId: string;
  /** The VPC's Amazon-provided IPv6 block, in a dual-stack network. */
  readonly vpcIpv6Cidr?: string;
  readonly subnetId: string;
  readonly routeTableId: string;
  readonly internetGatewayId: string;
  readonly controllerId: string;
  readonly workers: ReadonlyArray<{ readonly name: string; readonly instanceId: string; readonly podCidr: string }>;
}

/** The image every emulated instance runs: moto only needs an id it knows. */
export const AMI = "ami-12c6146b";

/** The IPv6 cluster CIDR of a dual-stack network: unique local space, outside the VPC's own IPv6 block. */
export const CLUSTER_CIDR_V6 = "fd00:10:200::/56";

/** Worker N's pod CIDRs: IPv4, and with dual-stack IPv6 too, as kubelet's --pod-cidr list writes them. */
export function podCidrsOf(index: number, dualStack = false): string {
  const ipv6 = index === 0 ? "fd00:10:200::/64" : `fd00:10:200:${index.toString(16)}::/64`;
  return dualStack ? `10.200.${index}.0/24,${ipv6}` : `10.200.${index}.0/24`;
}

export async function buildTutorialNetwork(
  ec2: EC2Client,
  workerCount = 3,
  { dualStack = false } = {},
): Promise<TutorialNetwork> {
  const network = await buildNetwork(ec2, "10.240.0.0/16", "10.240.0.0/24", { dualStack });
  const controllerId = await launch(ec2, network.subnetId, [{ Key: "Name", Value: "controller-0" }]);
  const workers = [];
  for (let index = 0; index < workerCount; index++) {
    const name = `worker-${index}`;
    const podCidr = podCidrsOf(index, dualStack);
    workers.push({ name, podCidr, instanceId: await launchWorker(ec2, network.subnetId, name, podCidr) });
  }
  return { ...network, controllerId, workers };
}

/**
 * A VPC with one subnet whose own route table sends the default route to an internet gateway; with
 * `dualStack`, the VPC has an Amazon-provided IPv6 block and the table an IPv6 default route too.
 */
export async function buildNetwork(ec2: EC2Client, vpcCidr: string, subnetCidr: string, { dualStack = false } = {}) {
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: vpcCidr, AmazonProvidedIpv6CidrBlock: dualStack })))
    .Vpc!;
  const vpcId = vpc.VpcId!;
  const vpcIpv6Cidr = vpc.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock;
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: subnetCidr }))).Subnet!.SubnetId!;
  const internetGatewayId = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: internetGatewayId, VpcId: vpcId }));
  const routeTableId = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
  await ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId }));
  await ec2.send(
    new CreateRouteCommand({
      RouteTableId: routeTableId,
      DestinationCidrBlock: "0.0.0.0/0",
      GatewayId: internetGatewayId,
    }),
  );
  if (dualStack)
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: routeTableId,
        DestinationIpv6CidrBlock: "::/0",
        GatewayId: internetGatewayId,
      }),
    );
  return { vpcId, subnetId, routeTableId, internetGatewayId, ...(vpcIpv6Cidr ? { vpcIpv6Cidr } : {}) };
}

export function launchWorker(
  ec2: EC2Client,
  subnetId: string,
  name: string,
  podCidr: string,
  extraTags: Tag[] = [],
): Promise<string> {
  return launch(ec2, subnetId, [{ Key: "Name", Value: name }, { Key: "pod-cidr", Value: podCidr }, ...extraTags]);
}

export async function launch(ec2: EC2Client, subnetId: string, tags: Tag[]): Promise<string> {
  const output = await ec2.send(
    new RunInstancesCommand({
      ImageId: AMI,
      InstanceType: "t3.micro",
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
      TagSpecifications: [{ ResourceType: "instance", Tags: tags }],
    }),
  );
  return output.Instances![0]!.InstanceId!;
}

/** `count` instances launched in one call, the n-th tagged pod-cidr=block(n): workers in bulk. */
export async function launchTaggedWorkers(
  ec2: EC2Client,
  subnetId: string,
  count: number,
  block: (n: number) => string,
): Promise<string[]> {
  const launched = await ec2.send(
    new RunInstancesCommand({ ImageId: AMI, MinCount: count, MaxCount: count, SubnetId: subnetId }),
  );
  const ids = launched.Instances!.map((instance) => instance.InstanceId!);
  for (const [n, id] of ids.entries()) {
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "pod-cidr", Value: block(n) }] }));
  }
  return ids;
}
