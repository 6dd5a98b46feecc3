import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cfnTags } from "../../scripts/lib/cfn-tags.mjs";

const root = resolve(import.meta.dirname, "../..");

/** The example's user data as CloudFormation's !Sub leaves it, with the default pod-CIDR tag. */
async function userData(): Promise<string> {
  const template = parse(await readFile(resolve(root, "infra/examples/worker-group.yaml"), "utf8"), {
    customTags: cfnTags(),
  }) as { Resources: { LaunchTemplate: { Properties: { LaunchTemplateData: { UserData: Record<string, string> } } } } };
  return template.Resources.LaunchTemplate.Properties.LaunchTemplateData.UserData["Fn::Base64"]!.replaceAll(
    "${PodCidrTag}",
    "pod-cidr",
  ).replaceAll("${!", "${");
}

/**
 * Boots the user data on this machine: instance metadata answered by a stand-in `curl` with `tag` as the
 * instance's pod-CIDR tag, and the kubelet and CNI configuration written to a scratch folder.
 */
async function boot(tag: string) {
  const dir = await mkdtemp(join(tmpdir(), "worker-boot-"));
  const stub = async (name: string, body: string) => {
    await writeFile(join(dir, name), `#!/bin/bash\n${body}\n`);
    await chmod(join(dir, name), 0o755);
  };
  await stub(
    "curl",
    `case "$*" in *tags/instance/pod-cidr*) printf '%s' '${tag}' ;; *api/token*) echo token ;; *) exit 22 ;; esac`,
  );
  await stub("systemctl", "exit 0");
  const env = {
    PATH: `${dir}:${process.env["PATH"]}`,
    KUBELET_CONFIG: join(dir, "kubelet-config.yaml"),
    CNI_CONFIG: join(dir, "10-bridge.conf"),
  };
  await promisify(execFile)("bash", ["-c", await userData()], { env });
  return {
    kubelet: await readFile(env.KUBELET_CONFIG, "utf8"),
    cni: JSON.parse(await readFile(env.CNI_CONFIG, "utf8")) as { ipam: { ranges: unknown; routes: unknown } },
  };
}

describe("the worker group example's boot", () => {
  it("hands an IPv4 pod CIDR to the kubelet and the bridge", async () => {
    const { kubelet, cni } = await boot("10.200.3.0/24");

    expect(kubelet).toBe("podCIDR: 10.200.3.0/24\n");
    expect(cni.ipam.ranges).toEqual([[{ subnet: "10.200.3.0/24" }]]);
    expect(cni.ipam.routes).toEqual([{ dst: "0.0.0.0/0" }]);
  });

  it("hands a dual-stack worker's IPv4 and IPv6 blocks to the kubelet, and the bridge a range and route per family", async () => {
    const { kubelet, cni } = await boot("10.200.3.0/24,fd00:10:200:3::/64");

    expect(kubelet).toBe("podCIDR: 10.200.3.0/24,fd00:10:200:3::/64\n");
    expect(cni.ipam.ranges).toEqual([[{ subnet: "10.200.3.0/24" }], [{ subnet: "fd00:10:200:3::/64" }]]);
    expect(cni.ipam.routes).toEqual([{ dst: "0.0.0.0/0" }, { dst: "::/0" }]);
  });
});
