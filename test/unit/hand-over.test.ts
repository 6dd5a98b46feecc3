import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { handOverCommands } from "../../scripts/lib/summary.mjs";

/** One table: an unmanaged route to an instance, one to an appliance's interface, and one of pod-routes' own. */
const summary = {
  tables: [
    {
      routeTableId: "rtb-1",
      decisions: [
        {
          action: "unmanaged",
          routeTableId: "rtb-1",
          cidr: "10.200.0.0/24",
          target: "i-0aaaaaaaaaaaaaaa1",
          reason: "",
          applied: false,
        },
        {
          action: "unmanaged",
          routeTableId: "rtb-1",
          cidr: "10.200.9.0/24",
          target: "eni-appliance",
          reason: "",
          applied: false,
        },
        {
          action: "keep",
          routeTableId: "rtb-1",
          cidr: "10.200.1.0/24",
          target: "i-0bbbbbbbbbbbbbbb2",
          reason: "",
          applied: false,
        },
      ],
    },
  ],
} as const;

describe("handOverCommands: the tags that hand a static route to pod-routes", () => {
  it("tags each instance an unmanaged route points at with that route's CIDR, and nothing else", () => {
    expect(handOverCommands(summary, { podCidrTag: "pod-cidr" })).toEqual([
      "aws ec2 create-tags --resources i-0aaaaaaaaaaaaaaa1 --tags Key=pod-cidr,Value=10.200.0.0/24",
    ]);
  });

  it("tags an instance with a route of each family, in any number of tables, once, with both blocks", () => {
    const unmanaged = (routeTableId: string, cidr: string, target: string) => ({
      action: "unmanaged" as const,
      routeTableId,
      cidr,
      target,
      reason: "",
      applied: false,
    });
    const dual = {
      tables: [
        { routeTableId: "rtb-1", decisions: [unmanaged("rtb-1", "fd00:10:200::/64", "i-0aaaaaaaaaaaaaaa1")] },
        { routeTableId: "rtb-1", decisions: [unmanaged("rtb-1", "10.200.0.0/24", "i-0aaaaaaaaaaaaaaa1")] },
        { routeTableId: "rtb-2", decisions: [unmanaged("rtb-2", "10.200.0.0/24", "i-0aaaaaaaaaaaaaaa1")] },
        // Two blocks of one family: not one worker's; a person says which is its own.
        {
          routeTableId: "rtb-1",
          decisions: [
            unmanaged("rtb-1", "10.200.5.0/24", "i-0ccccccccccccccc3"),
            unmanaged("rtb-1", "10.200.6.0/24", "i-0ccccccccccccccc3"),
          ],
        },
      ],
    };
    expect(handOverCommands(dual, { podCidrTag: "pod-cidr" })).toEqual([
      "aws ec2 create-tags --resources i-0aaaaaaaaaaaaaaa1 --tags Key=pod-cidr,Value=10.200.0.0/24,fd00:10:200::/64",
    ]);
  });

  it("adds the cluster tag when the stack sets one", () => {
    expect(
      handOverCommands(summary, { podCidrTag: "pod-cidr", clusterTag: "kubernetes.io/cluster/hard=owned" }),
    ).toEqual([
      "aws ec2 create-tags --resources i-0aaaaaaaaaaaaaaa1 --tags Key=pod-cidr,Value=10.200.0.0/24 Key=kubernetes.io/cluster/hard,Value=owned",
    ]);
  });
});

describe("handOverCommands: the printed command runs as printed", () => {
  it("quotes any word the shell would read specially, so a tag cannot inject a command", async () => {
    const clusterTag = "team's cluster=$(touch /tmp/pwned); `id` *";
    const [command] = handOverCommands(summary, { podCidrTag: "pod-cidr", clusterTag });

    // The shell's own reading of the printed line, with printf standing in for the AWS CLI.
    const { stdout } = await promisify(execFile)("sh", ["-c", `set -- ${command}; shift; printf '%s\\n' "$@"`]);
    expect(stdout.split("\n").slice(0, -1)).toEqual([
      "ec2",
      "create-tags",
      "--resources",
      "i-0aaaaaaaaaaaaaaa1",
      "--tags",
      "Key=pod-cidr,Value=10.200.0.0/24",
      "Key=team's cluster,Value=$(touch /tmp/pwned); `id` *",
    ]);
  });
});
