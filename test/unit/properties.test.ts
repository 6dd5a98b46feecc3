import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contains, isNetworkAddress, parseBlock } from "../../functions/pod-routes/core/cidr.js";
import { UnsupportedEventError } from "../../functions/pod-routes/core/errors.js";
import { decodeEvent } from "../../functions/pod-routes/entry/event.js";
import {
  pointsAt,
  type ObservedRoute,
  type ObservedTable,
  type TargetFacts,
  type Worker,
} from "../../functions/pod-routes/core/model.js";
import { checkPodCidrs } from "../../functions/pod-routes/core/pod-cidr.js";
import {
  desireFor,
  planTable,
  type Claim,
  type Decision,
  type TablePlanInput,
} from "../../functions/pod-routes/core/planner.js";
import { CLUSTER, block } from "./fixtures.js";

const RUNS = { numRuns: 500 };

describe("event decoding", () => {
  const nearMisses = fc.record(
    {
      source: fc.constantFrom("aws.ec2", "aws.autoscaling", "aws.events", "aws.s3", 7),
      "detail-type": fc.constantFrom(
        "EC2 Instance State-change Notification",
        "EC2 Instance-launch Lifecycle Action",
        "EC2 Instance-terminate Lifecycle Action",
        "Scheduled Event",
        "Other",
      ),
      detail: fc.oneof(
        fc.jsonValue(),
        fc.record(
          {
            "instance-id": fc.string(),
            state: fc.string(),
            EC2InstanceId: fc.string(),
            AutoScalingGroupName: fc.string(),
            LifecycleHookName: fc.string(),
          },
          { requiredKeys: [] },
        ),
      ),
      action: fc.constantFrom("add", "remove", "reconcile", "sync", "drop"),
      instanceId: fc.oneof(fc.string(), fc.constant("i-0123456789abcdef0")),
      dryRun: fc.oneof(fc.boolean(), fc.string()),
      "replay-name": fc.string(),
    },
    { requiredKeys: [] },
  );

  it("returns a request or throws UnsupportedEventError, never anything else", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), nearMisses), (payload) => {
        try {
          expect(decodeEvent(payload)).toHaveProperty("kind");
        } catch (error) {
          expect(error).toBeInstanceOf(UnsupportedEventError);
        }
      }),
      RUNS,
    );
  });

  // Names every plain object inherits: a lookup keyed by event text must not answer for them.
  const inheritedNames = fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype), "__proto__");

  it("takes no inherited name for a lifecycle action's detail-type: refused, never a terminate or a launch", () => {
    fc.assert(
      fc.property(inheritedNames, fc.constantFrom("aws.autoscaling", "aws.ec2", "aws.events"), (name, source) => {
        const event = {
          source,
          "detail-type": name,
          detail: { EC2InstanceId: "i-0123456789abcdef0", AutoScalingGroupName: "g", LifecycleHookName: "h" },
        };
        expect(() => decodeEvent(event)).toThrow(UnsupportedEventError);
      }),
    );
  });
});

describe("pod-CIDR validation", () => {
  it("never throws, and accepts only a network address of the configured length inside the cluster", () => {
    const text = fc.oneof(
      fc.string(),
      fc
        .tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(40))
        .map(([a, b, c, d, n]) => `${a}.${b}.${c}.${d}/${n}`),
    );
    fc.assert(
      fc.property(
        text,
        fc.constantFrom("10.200.0.0/16", "10.0.0.0/8"),
        fc.integer({ min: 16, max: 30 }),
        (value, cluster, length) => {
          const check = checkPodCidrs(value, [{ clusterCidr: block(cluster), prefixLength: length }]);
          if (!("blocks" in check)) return;
          const accepted = check.blocks.ipv4!;
          expect(isNetworkAddress(accepted)).toBe(true);
          expect(accepted.prefixLength).toBe(length);
          expect(contains(block(cluster), accepted)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("accepts every aligned block of the cluster CIDR of the configured length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 30 }), fc.nat(), (length, n) => {
        const size = 2 ** (32 - length);
        const offset = (n % 2 ** (length - 16)) * size;
        const text = `10.200.${Math.floor(offset / 256)}.${offset % 256}/${length}`;
        expect(checkPodCidrs(text, [{ clusterCidr: CLUSTER, prefixLength: length }])).toHaveProperty("blocks.ipv4");
      }),
      RUNS,
    );
  });
});

describe("the planner", () => {
  const ids = ["i-00000001", "i-00000002", "i-00000003", "i-00000004", "i-00000005"];
  /** Instances that are never claimed in the input: workers of no claim, or not workers at all. */
  const strangers = ["i-00000011", "i-00000012"];
  const destinations = [
    "10.200.0.0/24",
    "10.200.1.0/24",
    "10.200.2.0/24",
    "10.200.3.0/24",
    "10.200.1.128/25",
    "10.200.0.0/23",
    "10.200.0.0/16",
    "10.100.0.0/16",
    "0.0.0.0/0",
  ];

  const workerArb = fc.record({
    instanceId: fc.constantFrom(...ids),
    podCidr: fc.constantFrom("10.200.0.0/24", "10.200.1.0/24", "10.200.2.0/24", "10.200.3.0/24"),
    lifecycle: fc.constantFrom("live", "stopped", "gone"),
    multiHomed: fc.boolean(),
  });
  const routeArb = fc.record({
    destination: fc.constantFrom(...destinations),
    target: fc.oneof(
      fc.constantFrom(...ids, ...strangers).map((id) => ({ instanceId: id })),
      fc.constantFrom(...ids).map((id) => ({ networkInterfaceId: `eni-${id.slice(2)}` })),
      // A worker's secondary interface, and an ENI of no instance pod-routes knows (an appliance).
      fc.constantFrom(...ids).map((id) => ({ networkInterfaceId: `eni2-${id.slice(2)}` })),
      fc.constant({ networkInterfaceId: "eni-appliance" }),
      fc.constant({ foreignTarget: "igw-1" }),
      fc.constant({ foreignTarget: "tgw-1" }),
    ),
    blackhole: fc.boolean(),
  });
  const inputArb = fc.record({
    workers: fc.uniqueArray(workerArb, { selector: (w) => w.instanceId, maxLength: 5 }),
    routes: fc.uniqueArray(routeArb, { selector: (r) => r.destination, maxLength: destinations.length }),
    onStop: fc.constantFrom<"keep" | "remove">("keep", "remove"),
    scope: fc.constantFrom<"claims" | "table">("claims", "table"),
    facts: fc.dictionary(
      fc.constantFrom(...ids, ...strangers),
      fc.constantFrom<TargetFacts>(
        { lifecycle: "live", worker: false },
        { lifecycle: "stopped", worker: false },
        { lifecycle: "gone", worker: false },
        { lifecycle: "unknown", worker: false },
        { lifecycle: "live", worker: true, podCidrTag: "10.200.7.0/24" },
        { lifecycle: "live", worker: true, podCidrTag: "10.200.1.0/24" },
        { lifecycle: "stopped", worker: true, podCidrTag: "10.200.2.0/24" },
      ),
    ),
  });

  type Generated = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

  function inputOf(generated: Generated): TablePlanInput {
    const workers: Worker[] = generated.workers.map((w) => ({
      instanceId: w.instanceId,
      state: w.lifecycle === "live" ? "running" : w.lifecycle === "stopped" ? "stopped" : "terminated",
      lifecycle: w.lifecycle,
      podCidrTag: w.podCidr,
      routeTarget: w.multiHomed
        ? { kind: "interface" as const, id: `eni-${w.instanceId.slice(2)}` }
        : { kind: "instance" as const, id: w.instanceId },
      interfaceIds: [`eni-${w.instanceId.slice(2)}`, ...(w.multiHomed ? [`eni2-${w.instanceId.slice(2)}`] : [])],
    }));
    const claims: Claim[] = workers.map((worker) => ({
      worker,
      ...desireFor(worker, generated.onStop),
      podCidrs: { ipv4: block(worker.podCidrTag) },
    }));
    const routes: ObservedRoute[] = generated.routes.map((r) => ({
      destination: r.destination,
      ...r.target,
      blackhole: r.blackhole,
    }));
    const table: ObservedTable = {
      routeTableId: "rtb-1",
      vpcId: "vpc-1",
      main: false,
      subnetIds: [],
      vpcCidrs: ["10.240.0.0/16"],
      routes: [{ destination: "10.240.0.0/16", foreignTarget: "local", blackhole: false }, ...routes],
      quotaRoutes: { ipv4: routes.length, ipv6: 0 },
    };
    return {
      table,
      clusterCidr: CLUSTER,
      claims,
      scope: generated.scope,
      held: new Set(),
      targets: new Map(Object.entries(generated.facts)),
      onStop: generated.onStop,
    };
  }

  const mutations = (decisions: Decision[]) =>
    decisions.filter((d) => d.action === "create" || d.action === "replace" || d.action === "delete");

  it("never changes a route outside the cluster CIDR or one whose target is not an instance or ENI", () => {
    fc.assert(
      fc.property(inputArb, (generated) => {
        const input = inputOf(generated);
        for (const decision of mutations(planTable(input))) {
          expect(contains(CLUSTER, parseBlock(decision.cidr!)!)).toBe(true);
          const existing = input.table.routes.find((route) => route.destination === decision.cidr);
          expect(existing?.foreignTarget).toBeUndefined();
        }
      }),
      RUNS,
    );
  });

  it("never deletes or replaces a route that is not provably its own", () => {
    fc.assert(
      fc.property(inputArb, (generated) => {
        const input = inputOf(generated);
        for (const decision of planTable(input).filter((d) => d.action === "delete" || d.action === "replace")) {
          const route = input.table.routes.find((r) => r.destination === decision.cidr)!;
          const targetId = route.instanceId ?? route.networkInterfaceId!;
          const facts = input.targets.get(targetId);
          const claimed = input.claims.some((claim) => pointsAt(route, claim.worker));
          expect(
            route.blackhole || claimed || facts?.lifecycle === "gone" || facts?.worker === true,
            `${decision.action} ${decision.cidr} → ${targetId} (${JSON.stringify(facts)})`,
          ).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it("on one instance's event, deletes only routes that point at that instance", () => {
    fc.assert(
      fc.property(inputArb, (generated) => {
        const input = inputOf({ ...generated, scope: "claims", workers: generated.workers.slice(0, 1) });
        for (const decision of planTable(input).filter((d) => d.action === "delete")) {
          const route = input.table.routes.find((r) => r.destination === decision.cidr)!;
          const worker = input.claims[0]!.worker;
          expect(
            route.instanceId === worker.instanceId || worker.interfaceIds.includes(route.networkInterfaceId ?? ""),
          ).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it("is idempotent: planning again after applying a plan changes nothing", () => {
    fc.assert(
      fc.property(inputArb, (generated) => {
        const input = inputOf(generated);
        const applied = apply(input, planTable(input));
        expect(mutations(planTable(applied))).toEqual([]);
      }),
      RUNS,
    );
  });

  it("converges a full sync: each live worker routed, no own route left to anything unclaimed", () => {
    fc.assert(
      fc.property(inputArb, (generated) => {
        const input = inputOf({ ...generated, scope: "table" });
        const decisions = planTable(input);
        const routes = apply(input, decisions).table.routes;
        const leftAlone = ["conflict", "unmanaged", "overlap"];
        const conflicted = new Set(decisions.filter((d) => leftAlone.includes(d.action)).map((d) => d.cidr));
        const settled = new Set(input.claims.filter((c) => c.desire !== "remove").map((c) => c.podCidrs.ipv4!.text));
        for (const route of routes.filter(
          (r) => r.foreignTarget === undefined && contains(CLUSTER, parseBlock(r.destination)!),
        )) {
          expect(
            settled.has(route.destination) || conflicted.has(route.destination),
            `${route.destination} left to ${route.instanceId ?? route.networkInterfaceId}`,
          ).toBe(true);
        }
        for (const claim of input.claims.filter(
          (c) => c.desire === "ensure" && !conflicted.has(c.podCidrs.ipv4!.text),
        )) {
          const route = routes.find((r) => r.destination === claim.podCidrs.ipv4!.text);
          expect(
            route !== undefined && pointsAt(route, claim.worker),
            `${claim.podCidrs.ipv4!.text} for ${claim.worker.instanceId}`,
          ).toBe(true);
        }
      }),
      RUNS,
    );
  });

  /** Each IPv4 block of the generated worlds, and the IPv6 block that plays its part in a dual-stack one. */
  const IPV6_TWIN = new Map([
    ["10.200.0.0/24", "fd00:10:200::/64"],
    ["10.200.1.0/24", "fd00:10:200:1::/64"],
    ["10.200.2.0/24", "fd00:10:200:2::/64"],
    ["10.200.3.0/24", "fd00:10:200:3::/64"],
    ["10.200.7.0/24", "fd00:10:200:7::/64"],
    ["10.200.1.128/25", "fd00:10:200:1:8000::/65"],
    ["10.200.0.0/23", "fd00:10:200::/63"],
    ["10.200.0.0/16", "fd00:10:200::/56"],
    ["10.100.0.0/16", "fd00:10:100::/56"],
    ["0.0.0.0/0", "::/0"],
    ["10.240.0.0/16", "2600:1f18:abcd:ef00::/56"],
  ]);
  const twin = (cidr: string) => IPV6_TWIN.get(cidr)!;

  /** The world dual-stack: every route beside its IPv6 twin, every tag naming both blocks, planned per family. */
  function dualStackOf(input: TablePlanInput): { ipv4: TablePlanInput; ipv6: TablePlanInput } {
    const dualTag = (tag: string) => `${tag},${twin(tag)}`;
    const claims = input.claims.map((claim) => ({
      ...claim,
      worker: { ...claim.worker, podCidrTag: dualTag(claim.worker.podCidrTag) },
      podCidrs: { ipv4: claim.podCidrs.ipv4!, ipv6: block(twin(claim.podCidrs.ipv4!.text)) },
    }));
    const targets = new Map(
      [...input.targets].map(([id, facts]) => [
        id,
        facts.podCidrTag ? { ...facts, podCidrTag: dualTag(facts.podCidrTag) } : facts,
      ]),
    );
    const routes = input.table.routes.flatMap((route) => [route, { ...route, destination: twin(route.destination) }]);
    const table = { ...input.table, routes, vpcCidrs: [...input.table.vpcCidrs, twin("10.240.0.0/16")] };
    const both = { ...input, table, claims, targets };
    return { ipv4: both, ipv6: { ...both, clusterCidr: block(twin(CLUSTER.text)) } };
  }

  it("plans a dual-stack table's IPv6 routes exactly as its IPv4 ones, and never one family in the other's plan", () => {
    fc.assert(
      fc.property(inputArb, (generated) => {
        const { ipv4, ipv6 } = dualStackOf(inputOf(generated));
        const shape = (decisions: Decision[], translate: (cidr: string) => string) =>
          decisions.map(({ action, cidr, instanceId, target }) => ({
            action,
            cidr: cidr === undefined ? undefined : translate(cidr),
            instanceId,
            target,
          }));
        const v4 = planTable(ipv4);
        const v6 = planTable(ipv6);
        expect(v4.every((d) => d.cidr === undefined || !d.cidr.includes(":"))).toBe(true);
        expect(v6.every((d) => d.cidr === undefined || d.cidr.includes(":"))).toBe(true);
        expect(shape(v6, (cidr) => cidr)).toEqual(shape(v4, twin));
      }),
      RUNS,
    );
  });

  /** What EC2 would hold after the decisions, as the next read would see it. */
  function apply(input: TablePlanInput, decisions: Decision[]): TablePlanInput {
    let routes = [...input.table.routes];
    for (const decision of mutations(decisions)) {
      routes = routes.filter((route) => route.destination !== decision.cidr);
      if (decision.action === "delete") continue;
      const worker = input.claims.find((claim) => claim.worker.instanceId === decision.instanceId)!.worker;
      routes.push({
        destination: decision.cidr!,
        [worker.routeTarget.kind === "instance" ? "instanceId" : "networkInterfaceId"]: worker.routeTarget.id,
        blackhole: false,
      });
    }
    return { ...input, table: { ...input.table, routes } };
  }
});
