import type {
  Instance,
  InstanceNetworkInterface,
  InstanceNetworkInterfaceAttachment,
  InstanceState,
  Reservation,
} from "@aws-sdk/client-ec2";

/**
 * The fields of a DescribeInstances answer pod-routes reads, by SDK shape. The Lambda bundle
 * deserializes only these (scripts/lib/bundle-plugins.mjs drops the other members from the SDK's
 * schemas: an EC2 instance has over 60, nested ones included, and they were the largest part of the
 * bundle). Reading a field means adding it here first: `InstanceView` lets the compiler hold the code to
 * the list.
 */
export const INSTANCE_FIELDS = {
  Reservation: ["Instances"],
  Instance: ["InstanceId", "State", "Tags", "NetworkInterfaces", "SourceDestCheck", "VpcId", "SubnetId"],
  InstanceState: ["Name"],
  InstanceNetworkInterface: ["NetworkInterfaceId", "Attachment", "SourceDestCheck"],
  InstanceNetworkInterfaceAttachment: ["DeviceIndex"],
} as const satisfies {
  Reservation: readonly (keyof Reservation)[];
  Instance: readonly (keyof Instance)[];
  InstanceState: readonly (keyof InstanceState)[];
  InstanceNetworkInterface: readonly (keyof InstanceNetworkInterface)[];
  InstanceNetworkInterfaceAttachment: readonly (keyof InstanceNetworkInterfaceAttachment)[];
};

type Read<Shape extends keyof typeof INSTANCE_FIELDS> = (typeof INSTANCE_FIELDS)[Shape][number];

/** An instance as pod-routes sees it: only the fields in INSTANCE_FIELDS. */
export type InstanceView = Pick<Instance, Exclude<Read<"Instance">, "State" | "NetworkInterfaces">> & {
  State?: Pick<InstanceState, Read<"InstanceState">>;
  NetworkInterfaces?: InterfaceView[];
};

export type InterfaceView = Pick<InstanceNetworkInterface, Exclude<Read<"InstanceNetworkInterface">, "Attachment">> & {
  Attachment?: Pick<InstanceNetworkInterfaceAttachment, Read<"InstanceNetworkInterfaceAttachment">>;
};
