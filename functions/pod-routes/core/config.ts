import type { Pool } from "./allocator.js";
import { familyName, isNetworkAddress, overlaps, parseBlock, type CidrBlock, type Family } from "./cidr.js";
import type { ObservedTable } from "./model.js";
import { ConfigError, quote } from "./errors.js";

export type OnStop = "keep" | "remove";
export type SourceDestCheckPolicy = "disable" | "leave";
export type LifecycleResult = "CONTINUE" | "ABANDON";

/** A tag a resource must carry: KEY, or KEY=VALUE. */
export interface TagMatch {
  readonly key: string;
  /** When absent, carrying the key is enough. */
  readonly value?: string;
}

export interface Config {
  /**
   * The tables pods need routes in: these, or (empty) every table carrying `routeTableTag`, or (neither)
   * every table of a worker's VPC that serves a subnet holding a worker, or already holds pod routes.
   */
  readonly routeTableIds: readonly string[];
  readonly routeTableTag?: TagMatch;
  /** The IPv4 cluster CIDR; every worker's IPv4 pod CIDR lies in it. */
  readonly clusterCidr: CidrBlock;
  /** The IPv6 cluster CIDR, when IPv6 pod CIDRs are routed (CLUSTER_CIDR_V6 set). */
  readonly clusterCidrV6?: CidrBlock;
  readonly podCidrTag: string;
  readonly clusterTag?: TagMatch;
  readonly onStop: OnStop;
  readonly sourceDestCheck: SourceDestCheckPolicy;
  readonly dryRun: boolean;
  /** How a launch lifecycle action ends when the worker cannot be routed for a permanent reason. */
  readonly launchFailureResult: LifecycleResult;
  /**
   * Give untagged workers a free pod CIDR: `lifecycle`, those launched through pod-routes' lifecycle hook;
   * `launch`, also any instance carrying the cluster tag, on its state change to pending (or running).
   */
  readonly allocatePodCidr: AllocationMode;
  readonly podCidrPrefixLength: number;
  readonly podCidrV6PrefixLength: number;
  /** Each routed family's cluster CIDR and block length: IPv4, then IPv6 when it is on. */
  readonly pools: readonly Pool[];
  /** The lifecycle hooks that are pod-routes' own: exact names, or prefixes (written `prefix*`). */
  readonly lifecycleHookNames: readonly HookName[];
  /** The Auto Scaling groups of workers: a sync completes their launches left waiting on pod-routes' hooks. */
  readonly workerGroupNames: readonly string[];
  /** pod-routes' event queue and the message group its rules use: queued records from elsewhere are refused. */
  readonly eventQueueArn?: string;
  readonly eventMessageGroup?: string;
}

export type AllocationMode = false | "lifecycle" | "launch";

export type HookName = { readonly exact: string } | { readonly prefix: string };

/** True when the hook is one of pod-routes' own; any other hook's actions are someone else's. */
export function ownsHook(config: Pick<Config, "lifecycleHookNames">, hookName: string): boolean {
  return config.lifecycleHookNames.some((name) =>
    "exact" in name ? name.exact === hookName : hookName.startsWith(name.prefix),
  );
}

type Env = Readonly<Record<string, string | undefined>>;

const ROUTE_TABLE_ID = /^rtb-[0-9a-f]{8,17}$/;
const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;

/** Reads and validates pod-routes' settings; throws a ConfigError naming the first bad variable. */
export function parseConfig(env: Env): Config {
  const clusterTag = parseTag("CLUSTER_TAG", read(env, "CLUSTER_TAG", ""));
  const clusterCidr = parseClusterCidr("CLUSTER_CIDR", read(env, "CLUSTER_CIDR", "10.200.0.0/16"), "ipv4");
  const podCidrPrefixLength = parsePrefixLength("POD_CIDR_PREFIX_LENGTH", read(env, "POD_CIDR_PREFIX_LENGTH", "24"), {
    clusterCidr,
    variable: "CLUSTER_CIDR",
  });
  const v6 = read(env, "CLUSTER_CIDR_V6", "");
  const clusterCidrV6 = v6 === "" ? undefined : parseClusterCidr("CLUSTER_CIDR_V6", v6, "ipv6");
  const podCidrV6PrefixLength = clusterCidrV6
    ? parsePrefixLength("POD_CIDR_V6_PREFIX_LENGTH", read(env, "POD_CIDR_V6_PREFIX_LENGTH", "64"), {
        clusterCidr: clusterCidrV6,
        variable: "CLUSTER_CIDR_V6",
      })
    : 64;
  const routeTableIds = parseRouteTableIds(read(env, "ROUTE_TABLE_IDS", ""));
  const routeTableTag = parseTag("ROUTE_TABLE_TAG", read(env, "ROUTE_TABLE_TAG", ""));
  if (routeTableTag && routeTableIds.length > 0)
    throw new ConfigError(
      "ROUTE_TABLE_TAG",
      read(env, "ROUTE_TABLE_TAG", ""),
      "ROUTE_TABLE_IDS is set too: name the tables, or tag them, not both",
    );
  return {
    routeTableIds,
    ...(routeTableTag ? { routeTableTag } : {}),
    clusterCidr,
    ...(clusterCidrV6 ? { clusterCidrV6 } : {}),
    podCidrTag: parseTagKey("POD_CIDR_TAG", read(env, "POD_CIDR_TAG", "pod-cidr")),
    ...(clusterTag ? { clusterTag } : {}),
    onStop: oneOf("ON_STOP", read(env, "ON_STOP", "keep"), ["keep", "remove"] as const),
    sourceDestCheck: oneOf("SOURCE_DEST_CHECK", read(env, "SOURCE_DEST_CHECK", "disable"), [
      "disable",
      "leave",
    ] as const),
    dryRun: oneOf("DRY_RUN", read(env, "DRY_RUN", "false"), ["true", "false"] as const) === "true",
    launchFailureResult: oneOf("LAUNCH_FAILURE_RESULT", read(env, "LAUNCH_FAILURE_RESULT", "ABANDON"), [
      "ABANDON",
      "CONTINUE",
    ] as const),
    allocatePodCidr: parseAllocationMode(read(env, "ALLOCATE_POD_CIDR", "false"), clusterTag),
    podCidrPrefixLength,
    podCidrV6PrefixLength,
    pools: [
      { clusterCidr, prefixLength: podCidrPrefixLength },
      ...(clusterCidrV6 ? [{ clusterCidr: clusterCidrV6, prefixLength: podCidrV6PrefixLength }] : []),
    ],
    lifecycleHookNames: parseHookNames(read(env, "LIFECYCLE_HOOK_NAMES", "pod-routes,pod-routes-*")),
    workerGroupNames: parseGroupNames(read(env, "WORKER_GROUP_NAMES", "")),
    ...optional("eventQueueArn", parseQueueArn(read(env, "EVENT_QUEUE_ARN", ""))),
    ...optional("eventMessageGroup", read(env, "EVENT_MESSAGE_GROUP", "")),
  };
}

/** `true` means `lifecycle`. `launch` needs CLUSTER_TAG: it alone says who may get a block. */
function parseAllocationMode(value: string, clusterTag: TagMatch | undefined): AllocationMode {
  const mode = oneOf("ALLOCATE_POD_CIDR", value, ["false", "lifecycle", "launch", "true"] as const);
  if (mode === "launch" && !clusterTag)
    throw new ConfigError(
      "ALLOCATE_POD_CIDR",
      value,
      "launch gives a block to every instance carrying CLUSTER_TAG, and CLUSTER_TAG is not set: set it, or use lifecycle",
    );
  return mode === "false" ? false : mode === "true" ? "lifecycle" : mode;
}

function read(env: Env, name: string, fallback: string): string {
  const value = ownString(env, name)?.trim();
  return value === undefined || value === "" ? fallback : value;
}

function parseRouteTableIds(value: string): string[] {
  if (value === "") return [];
  const ids = value.split(",").map((id) => id.trim());
  for (const id of ids) {
    if (!ROUTE_TABLE_ID.test(id)) {
      throw new ConfigError(
        "ROUTE_TABLE_IDS",
        value,
        `${JSON.stringify(id)} is not a route table id (rtb-…); separate ids with commas`,
      );
    }
  }
  return [...new Set(ids)];
}

function parseClusterCidr(variable: string, value: string, family: Family): CidrBlock {
  const block = parseBlock(value);
  const { example, widestCluster } = limitsOf(family);
  if (block?.family !== family)
    throw new ConfigError(variable, value, `expected an ${familyName(family)} CIDR block such as ${example}`);
  if (!isNetworkAddress(block)) {
    throw new ConfigError(variable, value, "host bits are set; use the block's network address");
  }
  if (block.prefixLength < widestCluster) {
    throw new ConfigError(
      variable,
      value,
      `wider than /${widestCluster}: pod-routes would claim routes far beyond the pods; use the pods' own block`,
    );
  }
  return block;
}

/**
 * The cluster CIDR must not overlap a VPC block of any table pod-routes manages: a pod route there
 * would shadow or collide with `local`. Known only once the tables are read; a ConfigError then.
 */
export function assertClusterCidrOutside(config: Pick<Config, "pools">, tables: readonly ObservedTable[]): void {
  for (const table of tables) {
    for (const vpcCidr of table.vpcCidrs) {
      const vpcBlock = parseBlock(vpcCidr);
      const clusterCidr = config.pools.find((pool) => vpcBlock && overlaps(vpcBlock, pool.clusterCidr))?.clusterCidr;
      if (clusterCidr) {
        throw new ConfigError(
          clusterCidr.family === "ipv4" ? "CLUSTER_CIDR" : "CLUSTER_CIDR_V6",
          clusterCidr.text,
          `overlaps ${vpcCidr}, a CIDR block of ${table.vpcId} (route table ${table.routeTableId}); ` +
            "choose a cluster CIDR outside the VPC",
        );
      }
    }
  }
}

/**
 * Per family: an example cluster CIDR; the widest one (wider would reach well beyond any cluster's pods);
 * the longest pod block (Kubernetes' node CIDR mask sizes leave room for a few pods at least).
 */
function limitsOf(family: Family): { example: string; widestCluster: number; longestPod: number } {
  return family === "ipv4"
    ? { example: "10.200.0.0/16", widestCluster: 8, longestPod: 30 }
    : { example: "fd00:10:200::/56", widestCluster: 32, longestPod: 120 };
}

function parsePrefixLength(
  variable: string,
  value: string,
  { clusterCidr, variable: clusterVariable }: { clusterCidr: CidrBlock; variable: string },
): number {
  const length = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  const longest = limitsOf(clusterCidr.family).longestPod;
  if (!(length >= clusterCidr.prefixLength && length <= longest)) {
    throw new ConfigError(
      variable,
      value,
      `expected a whole number from ${clusterCidr.prefixLength} (${clusterVariable} ${clusterCidr.text}) to ${longest}`,
    );
  }
  return length;
}

/** Auto Scaling's hook names: 1 to 255 letters, digits and -_/ (a trailing * makes a prefix here). */
const HOOK_NAME = /^[A-Za-z0-9\-_/]{1,255}\*?$/;

function parseHookNames(value: string): HookName[] {
  return value.split(",").map((entry) => {
    const name = entry.trim();
    if (!HOOK_NAME.test(name) || name === "*") {
      throw new ConfigError(
        "LIFECYCLE_HOOK_NAMES",
        value,
        `${quote(name)} is not a lifecycle hook name or a prefix ending in * (e.g. pod-routes,pod-routes-*)`,
      );
    }
    return name.endsWith("*") ? { prefix: name.slice(0, -1) } : { exact: name };
  });
}

const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?$/;

function parseQueueArn(value: string): string {
  if (value !== "" && !QUEUE_ARN.test(value))
    throw new ConfigError("EVENT_QUEUE_ARN", value, "expected an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME)");
  return value;
}

/** `{ [key]: value }` when the value is set, else nothing: optional settings stay absent. */
function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return (value === "" ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Auto Scaling group names: 1 to 255 characters, no colon (it separates an ARN's parts) and no wildcard. */
const GROUP_NAME = /^[^:*?]{1,255}$/;

function parseGroupNames(value: string): string[] {
  if (value === "") return [];
  const names = value.split(",").map((name) => name.trim());
  for (const name of names)
    if (!GROUP_NAME.test(name))
      throw new ConfigError(
        "WORKER_GROUP_NAMES",
        value,
        `${quote(name)} is not an Auto Scaling group name (1 to 255 characters, no colon or wildcard); separate names with commas`,
      );
  return [...new Set(names)];
}

function parseTagKey(variable: string, key: string): string {
  if (key.length > TAG_KEY_MAX) throw new ConfigError(variable, key, `tag keys are at most ${TAG_KEY_MAX} characters`);
  if (key.toLowerCase().startsWith("aws:")) throw new ConfigError(variable, key, "the aws: prefix is reserved by AWS");
  return key;
}

function parseTag(variable: string, value: string): TagMatch | undefined {
  if (value === "") return undefined;
  const separator = value.indexOf("=");
  if (separator === -1) return { key: parseTagKey(variable, value) };
  const key = value.slice(0, separator).trim();
  const tagValue = value.slice(separator + 1).trim();
  if (key === "") throw new ConfigError(variable, value, "expected KEY or KEY=VALUE; the key is empty");
  if (tagValue.length > TAG_VALUE_MAX)
    throw new ConfigError(variable, value, `tag values are at most ${TAG_VALUE_MAX} characters`);
  parseTagKey(variable, key);
  return { key, value: tagValue };
}

function oneOf<T extends string>(variable: string, value: string, allowed: readonly T[]): T {
  const match = allowed.find((option) => option.toLowerCase() === value.toLowerCase());
  if (match === undefined) throw new ConfigError(variable, value, `expected one of: ${allowed.join(", ")}`);
  return match;
}

/** `env[name]` for the environment's own variables only: never a name inherited from Object. */
function ownString(env: Env, name: string): string | undefined {
  const value: unknown = Object.getOwnPropertyDescriptor(env, name)?.value;
  return typeof value === "string" ? value : undefined;
}
