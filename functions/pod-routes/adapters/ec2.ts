import {
  CreateRouteCommand,
  CreateTagsCommand,
  DeleteRouteCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceRouteCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  type EC2Client,
  type Filter,
  type Route,
  type RouteTable,
} from "@aws-sdk/client-ec2";
import type { TagMatch } from "../core/config.js";
import { awsErrorCode, RouteTableNotFoundError } from "../core/errors.js";
import type { InstanceView } from "./instance-fields.js";
import type { ObservedRoute, ObservedTable, RouteTarget } from "../core/model.js";

export interface InstanceQuery {
  readonly instanceIds?: readonly string[];
  readonly tagKey?: string;
  /** Instances whose tag KEY has one of these values (`*` matches any characters). */
  readonly tag?: { readonly key: string; readonly values: readonly string[] };
  readonly clusterTag?: TagMatch;
  readonly states?: readonly string[];
}

export interface TableQuery {
  readonly routeTableIds?: readonly string[];
  readonly vpcIds?: readonly string[];
  /** Tables with a route to any of these instances: how to find vanished instances' tables. */
  readonly routeToInstanceIds?: readonly string[];
  /** Tables carrying this tag (KEY, or KEY=VALUE). */
  readonly tag?: TagMatch;
}

/** The EC2 calls pod-routes makes, and nothing else. */
export interface Ec2Port {
  describeInstances(query: InstanceQuery): Promise<InstanceView[]>;
  describeRouteTables(query: TableQuery): Promise<ObservedTable[]>;
  createRoute(routeTableId: string, cidr: string, target: RouteTarget): Promise<void>;
  replaceRoute(routeTableId: string, cidr: string, target: RouteTarget): Promise<void>;
  deleteRoute(routeTableId: string, cidr: string): Promise<void>;
  disableSourceDestCheck(target: RouteTarget): Promise<void>;
  tagInstance(instanceId: string, key: string, value: string): Promise<void>;
  /** How many extra attempts the SDK has needed so far (throttling, 5xx): how hard EC2 is pushing back. */
  retries(): number;
}

const INSTANCE_PAGE_SIZE = 1000;
/** EC2 refuses a call whose filters carry more values than this in all (FilterLimitExceeded). */
export const MAX_FILTER_VALUES = 200;

/**
 * The adapter for one invocation: every call carries `abortSignal`, so none outlives the invocation's
 * deadline. (The SDK's paginators take no per-call options, hence the explicit page loops.)
 */
export function ec2Adapter(client: EC2Client, abortSignal?: AbortSignal): Ec2Port {
  const options = abortSignal ? { abortSignal } : {};
  let retries = 0;
  const count = (metadata: { attempts?: number } | undefined) =>
    (retries += Math.max(0, (metadata?.attempts ?? 1) - 1));
  /** Makes a call, counting the SDK's retries: its answers and its errors both carry `$metadata.attempts`. */
  const send = async <T extends { $metadata: { attempts?: number } }>(call: () => Promise<T>): Promise<T> => {
    try {
      const output = await call();
      count(output.$metadata);
      return output;
    } catch (error) {
      count((error as { $metadata?: { attempts?: number } }).$metadata);
      throw error;
    }
  };
  return {
    retries: () => retries,
    async describeInstances(query) {
      const instances = new Map<string, InstanceView>();
      for (const Filters of withinFilterLimit(instanceFilters(query))) {
        let NextToken: string | undefined;
        do {
          const page = await send(() =>
            client.send(new DescribeInstancesCommand({ Filters, MaxResults: INSTANCE_PAGE_SIZE, NextToken }), options),
          );
          for (const reservation of page.Reservations ?? [])
            for (const instance of reservation.Instances ?? []) instances.set(instance.InstanceId ?? "", instance);
          NextToken = page.NextToken;
        } while (NextToken);
      }
      return [...instances.values()];
    },

    async describeRouteTables(query) {
      const tables = new Map<string, ObservedTable>();
      const inputs = query.routeTableIds
        ? [{ RouteTableIds: [...query.routeTableIds] }]
        : withinFilterLimit(tableFilters(query)).map((Filters) => ({ Filters }));
      try {
        for (const input of inputs) {
          let NextToken: string | undefined;
          do {
            const page = await send(() =>
              client.send(new DescribeRouteTablesCommand({ ...input, NextToken }), options),
            );
            for (const table of page.RouteTables ?? []) tables.set(table.RouteTableId ?? "", toObservedTable(table));
            NextToken = page.NextToken;
          } while (NextToken);
        }
      } catch (error) {
        if (/^InvalidRouteTableI[Dd]\.NotFound$/.test(awsErrorCode(error) ?? "")) {
          throw new RouteTableNotFoundError(
            `route table(s) ${query.routeTableIds?.join(", ")} not found in ${await client.config.region()}: ` +
              `check ROUTE_TABLE_IDS (${(error as Error).message})`,
            { cause: error },
          );
        }
        throw error;
      }
      return [...tables.values()];
    },

    async createRoute(routeTableId, cidr, target) {
      const input = { RouteTableId: routeTableId, ...destinationParameter(cidr), ...targetParameter(target) };
      await send(() => client.send(new CreateRouteCommand(input), options));
    },

    async replaceRoute(routeTableId, cidr, target) {
      const input = { RouteTableId: routeTableId, ...destinationParameter(cidr), ...targetParameter(target) };
      await send(() => client.send(new ReplaceRouteCommand(input), options));
    },

    async deleteRoute(routeTableId, cidr) {
      const input = { RouteTableId: routeTableId, ...destinationParameter(cidr) };
      await send(() => client.send(new DeleteRouteCommand(input), options));
    },

    async tagInstance(instanceId, key, value) {
      await send(() =>
        client.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: key, Value: value }] }), options),
      );
    },

    async disableSourceDestCheck(target) {
      if (target.kind === "instance") {
        await send(() =>
          client.send(
            new ModifyInstanceAttributeCommand({ InstanceId: target.id, SourceDestCheck: { Value: false } }),
            options,
          ),
        );
      } else {
        const input = { NetworkInterfaceId: target.id, SourceDestCheck: { Value: false } };
        await send(() => client.send(new ModifyNetworkInterfaceAttributeCommand(input), options));
      }
    },
  };
}

/** Reduces an EC2 route table to what pod-routes decides on. */
export function toObservedTable(table: RouteTable): ObservedTable {
  const routes = table.Routes ?? [];
  const associations = (table.Associations ?? []).filter((a) => a.AssociationState?.State !== "disassociated");
  const counted = routes.filter((route) => route.GatewayId !== "local" && route.Origin !== "EnableVgwRoutePropagation");
  return {
    routeTableId: table.RouteTableId ?? "",
    vpcId: table.VpcId ?? "",
    main: associations.some((association) => association.Main === true),
    subnetIds: associations.flatMap((association) => (association.SubnetId ? [association.SubnetId] : [])),
    vpcCidrs: routes.flatMap((route) => {
      const destination = route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock;
      return route.GatewayId === "local" && destination ? [destination] : [];
    }),
    routes: routes.flatMap((route) => {
      const observed = toObservedRoute(route);
      return observed ? [observed] : [];
    }),
    quotaRoutes: {
      ipv4: counted.filter((route) => route.DestinationIpv6CidrBlock === undefined).length,
      ipv6: counted.filter((route) => route.DestinationIpv6CidrBlock !== undefined).length,
    },
  };
}

function toObservedRoute(route: Route): ObservedRoute | undefined {
  const destination = route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock;
  if (!destination) return undefined;
  const foreignTarget =
    route.GatewayId ??
    route.NatGatewayId ??
    route.TransitGatewayId ??
    route.VpcPeeringConnectionId ??
    route.LocalGatewayId ??
    route.CarrierGatewayId ??
    route.EgressOnlyInternetGatewayId ??
    route.CoreNetworkArn ??
    route.OdbNetworkArn;
  const blackhole = route.State === "blackhole";
  if (foreignTarget !== undefined) return { destination, foreignTarget, blackhole };
  if (route.InstanceId === undefined && route.NetworkInterfaceId === undefined) {
    return { destination, foreignTarget: "(unknown target)", blackhole };
  }
  return {
    destination,
    ...(route.InstanceId !== undefined ? { instanceId: route.InstanceId } : {}),
    ...(route.NetworkInterfaceId !== undefined ? { networkInterfaceId: route.NetworkInterfaceId } : {}),
    blackhole,
  };
}

function instanceFilters(query: InstanceQuery): Filter[] {
  const filters: Filter[] = [];
  if (query.instanceIds) filters.push({ Name: "instance-id", Values: [...query.instanceIds] });
  if (query.tagKey) filters.push({ Name: "tag-key", Values: [query.tagKey] });
  if (query.tag) filters.push({ Name: `tag:${query.tag.key}`, Values: [...query.tag.values] });
  if (query.clusterTag) filters.push(tagFilter(query.clusterTag));
  if (query.states) filters.push({ Name: "instance-state-name", Values: [...query.states] });
  return filters;
}

function tagFilter(tag: TagMatch): Filter {
  return tag.value === undefined
    ? { Name: "tag-key", Values: [tag.key] }
    : { Name: `tag:${tag.key}`, Values: [tag.value] };
}

function tableFilters(query: TableQuery): Filter[] {
  const filters: Filter[] = [];
  if (query.vpcIds) filters.push({ Name: "vpc-id", Values: [...query.vpcIds] });
  if (query.routeToInstanceIds) filters.push({ Name: "route.instance-id", Values: [...query.routeToInstanceIds] });
  if (query.tag) filters.push(tagFilter(query.tag));
  return filters;
}

/**
 * The filters as one or more calls' worth, each within EC2's limit on filter values: the longest list
 * (instance ids, VPC ids) is split, the others repeated in every call. Their answers are disjoint or
 * merged by id.
 */
export function withinFilterLimit(filters: readonly Filter[]): Filter[][] {
  const total = filters.reduce((sum, filter) => sum + (filter.Values?.length ?? 0), 0);
  if (total <= MAX_FILTER_VALUES) return [[...filters]];
  const longest = filters.reduce((a, b) => ((b.Values?.length ?? 0) > (a.Values?.length ?? 0) ? b : a));
  const values = longest.Values!;
  const room = MAX_FILTER_VALUES - (total - values.length);
  const calls: Filter[][] = [];
  for (let start = 0; start < values.length; start += room) {
    const chunk = { Name: longest.Name, Values: values.slice(start, start + room) };
    calls.push(filters.map((filter) => (filter === longest ? chunk : filter)));
  }
  return calls;
}

/** An IPv6 block goes in its own parameter; EC2 takes one destination per call. */
function destinationParameter(cidr: string): { DestinationCidrBlock: string } | { DestinationIpv6CidrBlock: string } {
  return cidr.includes(":") ? { DestinationIpv6CidrBlock: cidr } : { DestinationCidrBlock: cidr };
}

function targetParameter(target: RouteTarget): { InstanceId: string } | { NetworkInterfaceId: string } {
  return target.kind === "instance" ? { InstanceId: target.id } : { NetworkInterfaceId: target.id };
}
