import { EC2Client, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
export const h = () => [EC2Client, DescribeInstancesCommand];
