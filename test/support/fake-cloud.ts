import {
  AutoScalingClient,
  AutoScalingServiceException,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLifecycleHooksCommand,
  type CompleteLifecycleActionCommandInput,
  type DescribeAutoScalingGroupsCommandInput,
  type DescribeLifecycleHooksCommandInput,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateRouteCommand,
  CreateTagsCommand,
  DeleteRouteCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  EC2ServiceException,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceRouteCommand,
  type CreateRouteCommandInput,
  type CreateTagsCommandInput,
  type DeleteRouteCommandInput,
  type DescribeInstancesCommandInput,
  type DescribeRouteTablesCommandInput,
  type Filter,
  type Instance,
  type ModifyInstanceAttributeCommandInput,
  type ModifyNetworkInterfaceAttributeCommandInput,
  type Route,
  type RouteTable,
} from "@aws-sdk/client-ec2";
import { GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { mockClient } from "aws-sdk-client-mock";

/**
 * An in-memory EC2 and Auto Scaling that behave as AWS documents, where moto does not: routes to stopped
 * and terminated instances read `blackhole`, terminated instances stay listed for an hour and are then
 * unknown, listings lag behind launches, a pending instance can refuse a route, tables have a route quota,
 * calls carry at most 200 filter values, and any call can be throttled or fail. The function's own SDK
 * clients are answered from it (aws-sdk-client-mock), so the real adapters run, without HTTP.
 */

export type InstanceState = "pending" | "running" | "stopping" | "stopped" | "shutting-down" | "terminated";

interface FakeInterface {
  readonly id: string;
  readonly deviceIndex: number;
  sourceDestCheck: boolean;
}

export interface FakeInstance {
  readonly id: string;
  state: InstanceState;
  readonly tags: Map<string, string>;
  readonly vpcId: string;
  readonly subnetId: string;
  readonly interfaces: FakeInterface[];
  sourceDestCheck: boolean;
  /** Cloud time: when a pending instance turns running by itself. */
  runningAt?: number;
  terminatedAt?: number;
  /** Cloud time until which listings that do not name the instance leave it out. */
  listedFrom?: number;
  /** Cloud time until which EC2 does not know the id at all. */
  knownFrom?: number;
  /** Cloud time until which CreateRoute and ReplaceRoute to it answer IncorrectInstanceState. */
  routableFrom?: number;
}

interface FakeRoute {
  readonly destination: string;
  instanceId?: string;
  networkInterfaceId?: string;
  gatewayId?: string;
  transitGatewayId?: string;
}

interface FakeTable {
  readonly id: string;
  readonly vpcId: string;
  main: boolean;
  readonly subnetIds: string[];
  readonly tags: Map<string, string>;
  readonly routes: FakeRoute[];
}

export interface CloudOptions {
  /** The states in which EC2 reports a route to the instance as a blackhole (AWS: stopped, terminated). */
  readonly blackholeStates?: readonly InstanceState[];
  /** How long a terminated instance stays listed, with its tags. */
  readonly terminatedVisibleMs?: number;
  /** Non-propagated IPv4 routes one table may hold ("Routes per route table", default 50). */
  readonly routeLimit?: number;
  /** DescribeInstances page size when the caller asks for more. */
  readonly pageSize?: number;
}

export interface Fault {
  /** The action that fails, e.g. "CreateRoute"; every action when absent. */
  readonly action?: string;
  readonly code: string;
  /** How many calls fail (default 1). */
  times?: number;
  /** Only calls whose input this accepts fail. */
  readonly when?: (input: Record<string, unknown>) => boolean;
}

export interface RecordedCall {
  readonly action: string;
  readonly input: Record<string, unknown>;
}

interface LifecycleAction {
  readonly group: string;
  readonly hook: string;
  readonly instanceId: string;
  readonly token: string;
  readonly transition: "launch" | "terminate";
}

export interface Completion {
  readonly group: string;
  readonly hook: string;
  readonly instanceId: string;
  readonly result: string;
}

const HOUR = 3_600_000;
const MAX_FILTER_VALUES = 200;

export class FakeCloud {
  readonly instances = new Map<string, FakeInstance>();
  readonly tables = new Map<string, FakeTable>();
  readonly groups = new Map<
    string,
    { hooks: Array<{ name: string; transition: string }>; states: Map<string, string> }
  >();
  readonly completions: Completion[] = [];
  readonly calls: RecordedCall[] = [];
  readonly faults: Fault[] = [];
  private readonly actions: LifecycleAction[] = [];
  private options: Required<CloudOptions>;
  private offset = 0;
  private serial = 0;

  constructor(options: CloudOptions = {}) {
    this.options = {
      blackholeStates: ["stopped", "terminated"],
      terminatedVisibleMs: HOUR,
      routeLimit: 50,
      pageSize: 1000,
      ...options,
    };
  }

  /** The route quota changed in Service Quotas: the tables enforce the new one, and Service Quotas answers it. */
  setRouteLimit(routeLimit: number): void {
    this.options = { ...this.options, routeLimit };
  }

  /** The cloud's clock: real time, plus however far a test has moved it. */
  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }

  /** The cloud's clock for the function: its pauses move the cloud's time on at once. */
  readonly clock = {
    now: () => this.now(),
    pause: (ms: number) => {
      this.advance(ms);
      return Promise.resolve();
    },
  };

  // ── arranging the world ────────────────────────────────────────────────────────────────────────────

  /**
   * A VPC with a main table (local route and a default route to an internet gateway; with an IPv6 block,
   * the same for IPv6) and its subnets.
   */
  vpc({
    cidr = "10.240.0.0/16",
    ipv6Cidr,
    subnets = 1,
    tablePerSubnet = false,
  }: { cidr?: string; ipv6Cidr?: string; subnets?: number; tablePerSubnet?: boolean } = {}) {
    const vpcId = this.id("vpc");
    const blocks = [cidr, ...(ipv6Cidr ? [ipv6Cidr] : [])];
    const main = this.addTable(vpcId, true, blocks);
    const subnetIds = Array.from({ length: subnets }, () => this.id("subnet"));
    const tableIds = tablePerSubnet
      ? subnetIds.map((subnetId) => {
          const table = this.addTable(vpcId, false, blocks);
          table.subnetIds.push(subnetId);
          return table.id;
        })
      : [];
    return { vpcId, mainTableId: main.id, subnetIds, tableIds };
  }

  /** An instance in a subnet; `pending` turns running by itself after `runningAfterMs`, if given. */
  launch(
    subnetId: string,
    {
      tags = {},
      state = "running",
      interfaces = 1,
      runningAfterMs,
      vpcId = this.vpcOf(subnetId),
    }: {
      tags?: Record<string, string>;
      state?: InstanceState;
      interfaces?: number;
      runningAfterMs?: number;
      vpcId?: string;
    } = {},
  ): string {
    const id = this.id("i");
    this.instances.set(id, {
      id,
      state,
      tags: new Map(Object.entries(tags)),
      vpcId,
      subnetId,
      interfaces: Array.from({ length: interfaces }, (_, deviceIndex) => ({
        id: this.id("eni"),
        deviceIndex,
        sourceDestCheck: true,
      })),
      sourceDestCheck: true,
      ...(runningAfterMs !== undefined ? { runningAt: this.now() + runningAfterMs } : {}),
    });
    return id;
  }

  /** Moves an instance to a state, as EC2 would on a start, stop or termination. */
  setState(instanceId: string, state: InstanceState): void {
    const instance = this.instance(instanceId);
    instance.state = state;
    delete instance.runningAt;
    if (state === "terminated") instance.terminatedAt = this.now();
  }

  tag(instanceId: string, tags: Record<string, string>): void {
    for (const [key, value] of Object.entries(tags)) this.instance(instanceId).tags.set(key, value);
  }

  untag(instanceId: string, ...keys: string[]): void {
    for (const key of keys) this.instance(instanceId).tags.delete(key);
  }

  /** Eventual consistency: listings that do not name the instance leave it out for this long. */
  lagListings(instanceId: string, ms: number): void {
    this.instance(instanceId).listedFrom = this.now() + ms;
  }

  /** Eventual consistency: EC2 does not know the id at all for this long (just launched). */
  hideById(instanceId: string, ms: number): void {
    this.instance(instanceId).knownFrom = this.now() + ms;
  }

  /** CreateRoute and ReplaceRoute to the instance answer IncorrectInstanceState for this long. */
  refuseRoutes(instanceId: string, ms: number): void {
    this.instance(instanceId).routableFrom = this.now() + ms;
  }

  /** A route as an operator or another stack would make it. */
  addRoute(tableId: string, route: FakeRoute): void {
    this.table(tableId).routes.push({ ...route });
  }

  tagTable(tableId: string, tags: Record<string, string>): void {
    for (const [key, value] of Object.entries(tags)) this.table(tableId).tags.set(key, value);
  }

  /** An Auto Scaling group with pod-routes-style hooks. */
  group(name: string, hooks: Array<{ name: string; transition: "launch" | "terminate" }>): void {
    this.groups.set(name, {
      hooks: hooks.map((hook) => ({
        name: hook.name,
        transition: `autoscaling:EC2_INSTANCE_${hook.transition === "launch" ? "LAUNCHING" : "TERMINATING"}`,
      })),
      states: new Map(),
    });
  }

  /**
   * An instance launched by a group: tagged `aws:autoscaling:groupName` as Auto Scaling does, held in
   * Pending:Wait by each launch hook. Returns its id and the tokens of its open actions.
   */
  launchIntoGroup(
    groupName: string,
    subnetId: string,
    options: Parameters<FakeCloud["launch"]>[1] = {},
  ): { instanceId: string; tokens: Record<string, string> } {
    const group = this.groups.get(groupName);
    if (!group) throw new Error(`fake cloud: no group ${groupName}`);
    const instanceId = this.launch(subnetId, {
      state: "pending",
      ...options,
      tags: { ...options.tags, "aws:autoscaling:groupName": groupName },
    });
    const tokens: Record<string, string> = {};
    for (const hook of group.hooks.filter((h) => h.transition.endsWith("LAUNCHING"))) {
      const token = `${this.id("token")}-0000-0000-0000-000000000000`;
      tokens[hook.name] = token;
      this.actions.push({ group: groupName, hook: hook.name, instanceId, token, transition: "launch" });
    }
    group.states.set(instanceId, Object.keys(tokens).length > 0 ? "Pending:Wait" : "InService");
    return { instanceId, tokens };
  }

  /** The open lifecycle actions (waiting for a completion). */
  openActions(): ReadonlyArray<Omit<LifecycleAction, "token">> {
    return this.actions.map(({ group, hook, instanceId, transition }) => ({ group, hook, instanceId, transition }));
  }

  /** One table's routes as EC2 lists them: destination → target and state. */
  routesOf(tableId: string): Record<string, string> {
    const table = this.describeTable(this.table(tableId));
    return Object.fromEntries(
      (table.Routes ?? [])
        .filter((route) => route.GatewayId !== "local")
        .map((route) => [
          (route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock)!,
          `${route.InstanceId ?? route.NetworkInterfaceId ?? route.GatewayId ?? route.TransitGatewayId}${
            route.State === "blackhole" ? " (blackhole)" : ""
          }`,
        ]),
    );
  }

  /** The actions called since the last look, in order. */
  takeCalls(): RecordedCall[] {
    return this.calls.splice(0);
  }

  // ── the SDK's side ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Answers every EC2Client, AutoScalingClient and ServiceQuotasClient in this process from the fake (the
   * route quota Service Quotas gives is the one the tables enforce); returns the undo.
   */
  install(): () => void {
    const ec2 = mockClient(EC2Client);
    const autoScaling = mockClient(AutoScalingClient);
    const quotas = mockClient(ServiceQuotasClient);
    const answer =
      <I extends object>(action: string, handle: (input: I) => unknown) =>
      (input: I) => {
        this.calls.push({ action, input: input as Record<string, unknown> });
        this.inject(action, input as Record<string, unknown>);
        return handle(input);
      };
    ec2
      .on(DescribeInstancesCommand)
      .callsFake(answer("DescribeInstances", (i: DescribeInstancesCommandInput) => this.describeInstances(i)))
      .on(DescribeRouteTablesCommand)
      .callsFake(answer("DescribeRouteTables", (i: DescribeRouteTablesCommandInput) => this.describeRouteTables(i)))
      .on(CreateRouteCommand)
      .callsFake(answer("CreateRoute", (i: CreateRouteCommandInput) => this.createRoute(i)))
      .on(ReplaceRouteCommand)
      .callsFake(answer("ReplaceRoute", (i: CreateRouteCommandInput) => this.replaceRoute(i)))
      .on(DeleteRouteCommand)
      .callsFake(answer("DeleteRoute", (i: DeleteRouteCommandInput) => this.deleteRoute(i)))
      .on(CreateTagsCommand)
      .callsFake(answer("CreateTags", (i: CreateTagsCommandInput) => this.createTags(i)))
      .on(ModifyInstanceAttributeCommand)
      .callsFake(
        answer("ModifyInstanceAttribute", (i: ModifyInstanceAttributeCommandInput) => this.modifyInstanceAttribute(i)),
      )
      .on(ModifyNetworkInterfaceAttributeCommand)
      .callsFake(
        answer("ModifyNetworkInterfaceAttribute", (i: ModifyNetworkInterfaceAttributeCommandInput) =>
          this.modifyInterfaceAttribute(i),
        ),
      );
    autoScaling
      .on(CompleteLifecycleActionCommand)
      .callsFake(
        answer("CompleteLifecycleAction", (i: CompleteLifecycleActionCommandInput) => this.completeLifecycleAction(i)),
      )
      .on(DescribeAutoScalingGroupsCommand)
      .callsFake(
        answer("DescribeAutoScalingGroups", (i: DescribeAutoScalingGroupsCommandInput) =>
          this.describeAutoScalingGroups(i),
        ),
      )
      .on(DescribeLifecycleHooksCommand)
      .callsFake(
        answer("DescribeLifecycleHooks", (i: DescribeLifecycleHooksCommandInput) => this.describeLifecycleHooks(i)),
      );
    quotas.on(GetServiceQuotaCommand).callsFake(
      answer("GetServiceQuota", () => ({
        Quota: { ServiceCode: "vpc", QuotaCode: "L-93826ACB", Value: this.options.routeLimit },
      })),
    );
    return () => {
      ec2.restore();
      autoScaling.restore();
      quotas.restore();
    };
  }

  private inject(action: string, input: Record<string, unknown>): void {
    const fault = this.faults.find(
      (f) => (f.action === undefined || f.action === action) && (f.when?.(input) ?? true) && (f.times ?? 1) > 0,
    );
    if (!fault) return;
    fault.times = (fault.times ?? 1) - 1;
    throw awsError(fault.code, `${fault.code} (injected into ${action})`, action);
  }

  private describeInstances(input: DescribeInstancesCommandInput) {
    const filters = input.Filters ?? [];
    checkFilterLimit(filters, input.InstanceIds);
    const named = new Set([
      ...(input.InstanceIds ?? []),
      ...filters.filter((f) => f.Name === "instance-id").flatMap((f) => f.Values ?? []),
    ]);
    if (input.InstanceIds) {
      const unknown = input.InstanceIds.filter((id) => !this.known(id));
      if (unknown.length > 0)
        throw awsError(
          "InvalidInstanceID.NotFound",
          `The instance IDs '${unknown.join(", ")}' do not exist`,
          "DescribeInstances",
        );
    }
    const matching = [...this.instances.values()].filter(
      (instance) =>
        this.known(instance.id) &&
        (named.has(instance.id) || (instance.listedFrom ?? 0) <= this.now()) &&
        (!input.InstanceIds || input.InstanceIds.includes(instance.id)) &&
        filters.every((filter) => this.instanceMatches(instance, filter)),
    );
    const pageSize = Math.min(input.MaxResults ?? this.options.pageSize, this.options.pageSize);
    const start = Number(input.NextToken ?? 0);
    const page = matching.slice(start, start + pageSize);
    return {
      Reservations: page.map((instance) => ({ Instances: [this.describeInstance(instance)] })),
      ...(start + pageSize < matching.length ? { NextToken: String(start + pageSize) } : {}),
    };
  }

  private describeRouteTables(input: DescribeRouteTablesCommandInput) {
    const filters = input.Filters ?? [];
    checkFilterLimit(filters, input.RouteTableIds);
    for (const id of input.RouteTableIds ?? []) {
      if (!this.tables.has(id))
        throw awsError(
          "InvalidRouteTableID.NotFound",
          `The routeTable ID '${id}' does not exist`,
          "DescribeRouteTables",
        );
    }
    const tables = [...this.tables.values()].filter(
      (table) =>
        (!input.RouteTableIds || input.RouteTableIds.includes(table.id)) &&
        filters.every((filter) => this.tableMatches(table, filter)),
    );
    return { RouteTables: tables.map((table) => this.describeTable(table)) };
  }

  private createRoute(input: CreateRouteCommandInput) {
    const table = this.table(input.RouteTableId!, "CreateRoute");
    const destination = destinationOf(input);
    if (table.routes.some((route) => route.destination === destination))
      throw awsError("RouteAlreadyExists", `The route identified by ${destination} already exists.`, "CreateRoute");
    const target = this.routeTarget(input, "CreateRoute");
    // IPv4 and IPv6 routes count against quotas of their own.
    const ipv6 = destination.includes(":");
    const counted = table.routes.filter((r) => r.gatewayId !== "local" && r.destination.includes(":") === ipv6);
    if (counted.length >= this.options.routeLimit)
      throw awsError("RouteLimitExceeded", "The maximum number of routes has been reached.", "CreateRoute");
    table.routes.push({ destination, ...target });
    return {};
  }

  private replaceRoute(input: CreateRouteCommandInput) {
    const { table, index } = this.existingRoute(input, "ReplaceRoute");
    table.routes[index] = { destination: destinationOf(input), ...this.routeTarget(input, "ReplaceRoute") };
    return {};
  }

  private deleteRoute(input: DeleteRouteCommandInput) {
    const { table, index } = this.existingRoute(input, "DeleteRoute");
    table.routes.splice(index, 1);
    return {};
  }

  /** The route a ReplaceRoute or DeleteRoute names, or EC2's InvalidRoute.NotFound. */
  private existingRoute(input: DeleteRouteCommandInput, action: string): { table: FakeTable; index: number } {
    const table = this.table(input.RouteTableId!, action);
    const index = table.routes.findIndex((route) => route.destination === destinationOf(input));
    if (index < 0)
      throw awsError(
        "InvalidRoute.NotFound",
        `no route with destination-cidr-block ${destinationOf(input)} in route table ${table.id}`,
        action,
      );
    return { table, index };
  }

  private createTags(input: CreateTagsCommandInput) {
    for (const id of input.Resources ?? []) {
      const instance = this.instances.get(id);
      if (!instance || !this.known(id))
        throw awsError("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`, "CreateTags");
      for (const tag of input.Tags ?? []) instance.tags.set(tag.Key!, tag.Value ?? "");
    }
    return {};
  }

  private modifyInstanceAttribute(input: ModifyInstanceAttributeCommandInput) {
    const instance = this.instances.get(input.InstanceId!);
    if (!instance || !this.known(instance.id))
      throw awsError(
        "InvalidInstanceID.NotFound",
        `The instance ID '${input.InstanceId}' does not exist`,
        "ModifyInstanceAttribute",
      );
    if (instance.interfaces.length > 1)
      throw awsError(
        "InvalidInstanceID",
        "There are multiple interfaces attached to instance. Please specify an interface ID for the operation instead.",
        "ModifyInstanceAttribute",
      );
    instance.sourceDestCheck = input.SourceDestCheck?.Value ?? instance.sourceDestCheck;
    for (const eni of instance.interfaces) eni.sourceDestCheck = instance.sourceDestCheck;
    return {};
  }

  private modifyInterfaceAttribute(input: ModifyNetworkInterfaceAttributeCommandInput) {
    const owner = [...this.instances.values()].find((i) => i.interfaces.some((e) => e.id === input.NetworkInterfaceId));
    const eni = owner?.interfaces.find((e) => e.id === input.NetworkInterfaceId);
    if (!owner || !eni)
      throw awsError(
        "InvalidNetworkInterfaceID.NotFound",
        `The networkInterface ID '${input.NetworkInterfaceId}' does not exist`,
        "ModifyNetworkInterfaceAttribute",
      );
    eni.sourceDestCheck = input.SourceDestCheck?.Value ?? eni.sourceDestCheck;
    if (eni.deviceIndex === 0) owner.sourceDestCheck = eni.sourceDestCheck;
    return {};
  }

  private completeLifecycleAction(input: CompleteLifecycleActionCommandInput) {
    const index = this.actions.findIndex(
      (action) =>
        action.group === input.AutoScalingGroupName &&
        action.hook === input.LifecycleHookName &&
        (input.LifecycleActionToken
          ? action.token === input.LifecycleActionToken
          : action.instanceId === input.InstanceId),
    );
    if (index < 0)
      throw new AutoScalingServiceException({
        name: "ValidationError",
        message: `No active Lifecycle Action found with instance ID ${input.InstanceId ?? input.LifecycleActionToken}`,
        $fault: "client",
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
    const [action] = this.actions.splice(index, 1);
    const result = input.LifecycleActionResult!;
    this.completions.push({ group: action!.group, hook: action!.hook, instanceId: action!.instanceId, result });
    const states = this.groups.get(action!.group)?.states;
    const stillWaiting = this.actions.some((a) => a.instanceId === action!.instanceId);
    if (result === "ABANDON") {
      states?.set(action!.instanceId, "Terminating");
      this.actions.splice(0, this.actions.length, ...this.actions.filter((a) => a.instanceId !== action!.instanceId));
    } else if (!stillWaiting) states?.set(action!.instanceId, "InService");
    return {};
  }

  private describeAutoScalingGroups(input: DescribeAutoScalingGroupsCommandInput) {
    const names = input.AutoScalingGroupNames ?? [...this.groups.keys()];
    return {
      AutoScalingGroups: names.flatMap((name) => {
        const group = this.groups.get(name);
        if (!group) return [];
        return [
          {
            AutoScalingGroupName: name,
            Instances: [...group.states].map(([InstanceId, LifecycleState]) => ({ InstanceId, LifecycleState })),
          },
        ];
      }),
    };
  }

  private describeLifecycleHooks(input: DescribeLifecycleHooksCommandInput) {
    const group = this.groups.get(input.AutoScalingGroupName!);
    if (!group)
      throw new AutoScalingServiceException({
        name: "ValidationError",
        message: `Group ${input.AutoScalingGroupName} not found`,
        $fault: "client",
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
    return {
      LifecycleHooks: group.hooks.map((hook) => ({
        AutoScalingGroupName: input.AutoScalingGroupName,
        LifecycleHookName: hook.name,
        LifecycleTransition: hook.transition,
      })),
    };
  }

  // ── what EC2 reports ───────────────────────────────────────────────────────────────────────────────

  private stateOf(instance: FakeInstance): InstanceState {
    if (instance.state === "pending" && instance.runningAt !== undefined && instance.runningAt <= this.now())
      instance.state = "running";
    return instance.state;
  }

  /** Known by id: not hidden by lag, not forgotten an hour after termination. */
  private known(id: string): boolean {
    const instance = this.instances.get(id);
    if (!instance || (instance.knownFrom ?? 0) > this.now()) return false;
    return instance.terminatedAt === undefined || this.now() - instance.terminatedAt < this.options.terminatedVisibleMs;
  }

  private describeInstance(instance: FakeInstance): Instance {
    const state = this.stateOf(instance);
    return {
      InstanceId: instance.id,
      State: { Name: state },
      Tags: [...instance.tags].map(([Key, Value]) => ({ Key, Value })),
      // A terminated instance keeps its tags for the hour it is listed, but no longer its network.
      ...(state === "terminated"
        ? {}
        : {
            VpcId: instance.vpcId,
            SubnetId: instance.subnetId,
            SourceDestCheck: instance.sourceDestCheck,
            NetworkInterfaces: instance.interfaces.map((eni) => ({
              NetworkInterfaceId: eni.id,
              SourceDestCheck: eni.sourceDestCheck,
              Attachment: { DeviceIndex: eni.deviceIndex },
            })),
          }),
    };
  }

  private describeTable(table: FakeTable): RouteTable {
    return {
      RouteTableId: table.id,
      VpcId: table.vpcId,
      Tags: [...table.tags].map(([Key, Value]) => ({ Key, Value })),
      Associations: [
        ...(table.main
          ? [{ Main: true, RouteTableId: table.id, AssociationState: { State: "associated" as const } }]
          : []),
        ...table.subnetIds.map((SubnetId) => ({
          Main: false,
          SubnetId,
          RouteTableId: table.id,
          AssociationState: { State: "associated" as const },
        })),
      ],
      Routes: table.routes.map((route) => this.describeRoute(route)),
    };
  }

  /**
   * A route as EC2 lists it: one made to an instance names its primary interface too (and one made to an
   * interface names its instance) while the instance exists; it is a blackhole once its instance is
   * stopped, terminated or forgotten.
   */
  private describeRoute(route: FakeRoute): Route {
    const base = {
      ...(route.destination.includes(":")
        ? { DestinationIpv6CidrBlock: route.destination }
        : { DestinationCidrBlock: route.destination }),
      Origin: "CreateRoute" as const,
    };
    if (route.gatewayId === "local")
      return { ...base, GatewayId: "local", Origin: "CreateRouteTable", State: "active" };
    if (route.gatewayId) return { ...base, GatewayId: route.gatewayId, State: "active" };
    if (route.transitGatewayId) return { ...base, TransitGatewayId: route.transitGatewayId, State: "active" };
    const owner = route.instanceId
      ? this.instances.get(route.instanceId)
      : [...this.instances.values()].find((i) => i.interfaces.some((eni) => eni.id === route.networkInterfaceId));
    const attached = owner !== undefined && this.stateOf(owner) !== "terminated";
    // The route's state follows the instance's true state, even while listings lag behind it.
    const blackhole = !owner || this.options.blackholeStates.includes(this.stateOf(owner));
    return {
      ...base,
      ...(route.instanceId ? { InstanceId: route.instanceId, InstanceOwnerId: "123456789012" } : {}),
      ...(route.networkInterfaceId
        ? {
            NetworkInterfaceId: route.networkInterfaceId,
            ...(attached ? { InstanceId: owner.id, InstanceOwnerId: "123456789012" } : {}),
          }
        : attached
          ? { NetworkInterfaceId: owner.interfaces[0]!.id }
          : {}),
      State: blackhole ? "blackhole" : "active",
    };
  }

  private instanceMatches(instance: FakeInstance, filter: Filter): boolean {
    const values = filter.Values ?? [];
    const name = filter.Name ?? "";
    if (name === "instance-id") return values.includes(instance.id);
    if (name === "instance-state-name") return values.includes(this.stateOf(instance));
    const byTag = tagFilterMatches(instance.tags, name, values);
    if (byTag !== undefined) return byTag;
    throw awsError("InvalidParameterValue", `The filter '${name}' is invalid`, "DescribeInstances");
  }

  private tableMatches(table: FakeTable, filter: Filter): boolean {
    const values = filter.Values ?? [];
    const name = filter.Name ?? "";
    if (name === "vpc-id") return values.includes(table.vpcId);
    if (name === "route-table-id") return values.includes(table.id);
    if (name === "association.subnet-id") return table.subnetIds.some((id) => values.includes(id));
    if (name === "association.main") return values.includes(String(table.main));
    if (name === "route.instance-id") return table.routes.some((r) => r.instanceId && values.includes(r.instanceId));
    const byTag = tagFilterMatches(table.tags, name, values);
    if (byTag !== undefined) return byTag;
    throw awsError("InvalidParameterValue", `The filter '${name}' is invalid`, "DescribeRouteTables");
  }

  private routeTarget(input: CreateRouteCommandInput, action: string): Omit<FakeRoute, "destination"> {
    if (input.InstanceId) {
      const instance = this.instances.get(input.InstanceId);
      if (!instance || !this.known(instance.id))
        throw awsError("InvalidInstanceID.NotFound", `The instance ID '${input.InstanceId}' does not exist`, action);
      if (instance.interfaces.length > 1)
        throw awsError(
          "InvalidInstanceID",
          `There are multiple interfaces attached to instance '${instance.id}'. Please specify an interface ID for the operation instead.`,
          action,
        );
      this.checkRoutable(instance, action);
      return { instanceId: instance.id };
    }
    if (input.NetworkInterfaceId) {
      const owner = [...this.instances.values()].find((i) =>
        i.interfaces.some((e) => e.id === input.NetworkInterfaceId),
      );
      if (!owner)
        throw awsError(
          "InvalidNetworkInterfaceID.NotFound",
          `The networkInterface ID '${input.NetworkInterfaceId}' does not exist`,
          action,
        );
      this.checkRoutable(owner, action);
      return { networkInterfaceId: input.NetworkInterfaceId };
    }
    if (input.GatewayId) return { gatewayId: input.GatewayId };
    if (input.TransitGatewayId) return { transitGatewayId: input.TransitGatewayId };
    throw awsError("MissingParameter", "a route needs a target", action);
  }

  private checkRoutable(instance: FakeInstance, action: string): void {
    const state = this.stateOf(instance);
    if ((instance.routableFrom ?? 0) > this.now() || state === "terminated" || state === "shutting-down")
      throw awsError(
        "IncorrectInstanceState",
        `The instance '${instance.id}' is not in a state from which it can be routed to (${state}).`,
        action,
      );
  }

  private addTable(vpcId: string, main: boolean, blocks: readonly string[]): FakeTable {
    const table: FakeTable = {
      id: this.id("rtb"),
      vpcId,
      main,
      subnetIds: [],
      tags: new Map(),
      routes: blocks.flatMap((block) => [
        { destination: block, gatewayId: "local" },
        { destination: block.includes(":") ? "::/0" : "0.0.0.0/0", gatewayId: "igw-0123456789abcdef0" },
      ]),
    };
    this.tables.set(table.id, table);
    return table;
  }

  private vpcOf(subnetId: string): string {
    const table = [...this.tables.values()].find((t) => t.subnetIds.includes(subnetId)) ?? [...this.tables.values()][0];
    if (!table) throw new Error(`fake cloud: no VPC yet for ${subnetId}; pass vpcId`);
    return table.vpcId;
  }

  private instance(id: string): FakeInstance {
    const instance = this.instances.get(id);
    if (!instance) throw new Error(`fake cloud: no instance ${id}`);
    return instance;
  }

  private table(id: string, action?: string): FakeTable {
    const table = this.tables.get(id);
    if (!table) {
      if (action) throw awsError("InvalidRouteTableID.NotFound", `The routeTable ID '${id}' does not exist`, action);
      throw new Error(`fake cloud: no table ${id}`);
    }
    return table;
  }

  /** Ids in EC2's long form (17 hex digits), counted so that a test's ids repeat run to run. */
  private id(prefix: string): string {
    this.serial += 1;
    return `${prefix}-${this.serial.toString(16).padStart(17, "0")}`;
  }
}

/** The `tag-key` and `tag:KEY` filters, on any resource's tags; undefined for any other filter. */
function tagFilterMatches(
  tags: ReadonlyMap<string, string>,
  name: string,
  values: readonly string[],
): boolean | undefined {
  if (name === "tag-key") return values.some((key) => tags.has(key));
  if (!name.startsWith("tag:")) return undefined;
  const value = tags.get(name.slice(4));
  // EC2's filter values take * (any characters) and ? (one) as wildcards.
  const pattern = (wanted: string) =>
    new RegExp(
      `^${wanted
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    );
  return value !== undefined && values.some((wanted) => pattern(wanted).test(value));
}

/** The route a call names: IPv4 or IPv6, one or the other. */
function destinationOf(input: { DestinationCidrBlock?: string; DestinationIpv6CidrBlock?: string }): string {
  return (input.DestinationCidrBlock ?? input.DestinationIpv6CidrBlock)!;
}

function checkFilterLimit(filters: readonly Filter[], ids: readonly string[] | undefined): void {
  const values = filters.reduce((sum, filter) => sum + (filter.Values?.length ?? 0), 0) + (ids?.length ?? 0);
  if (values > MAX_FILTER_VALUES)
    throw awsError("FilterLimitExceeded", `The maximum number of filter values is 200; got ${values}`, "Describe");
}

/** An error as the SDK throws it for an EC2 error answer: `name` is the code, `$metadata` set. */
function awsError(code: string, message: string, action: string): Error {
  const throttled = code === "RequestLimitExceeded";
  return new EC2ServiceException({
    name: code,
    message: `${message} (${action})`,
    $fault: throttled || code === "InternalError" ? "server" : "client",
    $metadata: { httpStatusCode: throttled ? 503 : code === "InternalError" ? 500 : 400, attempts: 1 },
  });
}
