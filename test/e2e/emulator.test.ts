import { spawn, execFile, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { copyFile, mkdir, mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const cli = resolve(root, "dist/cli/pod-routes.mjs");

interface Emulator {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** The variables its `export` line sets. */
  readonly env: Record<string, string>;
}

/**
 * `npm run emulator` as built (npm test builds first), on a free port, or with `viaNpm` the npm script
 * itself; resolves once it has said how to use it.
 */
async function startEmulator(args: string[], { viaNpm = false } = {}): Promise<Emulator> {
  const child = viaNpm
    ? spawn("npm", ["run", "--silent", "emulator", "--", "--port", "0", ...args], { cwd: root })
    : spawn(process.execPath, [resolve(root, "dist/emulator.mjs"), "--port", "0", ...args], { cwd: root });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes("Then, for example:")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the emulator did not start:\n${output}`);
    await new Promise((done) => setTimeout(done, 100));
  }
  const exportLine = output.split("\n").find((line) => line.trim().startsWith("export "))!;
  const env = Object.fromEntries(
    exportLine
      .trim()
      .slice("export ".length)
      .split(" ")
      .map((pair) => pair.split("=") as [string, string]),
  );
  return { child, output: () => output, env };
}

async function stopEmulator({ child }: Emulator): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = once(child, "exit");
  child.kill("SIGINT");
  return ((await exited) as [number | null])[0];
}

/** The CLI with nothing but the variables the emulator printed (the harness's endpoint removed). */
function podRoutes(emulator: Emulator, args: string[]) {
  const env = { ...process.env, AWS_ENDPOINT_URL: "", ...emulator.env };
  return promisify(execFile)(process.execPath, [cli, ...args], { cwd: root, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ ...error }),
  );
}

describe("npm run emulator", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator([]);
  }, 60_000);
  afterAll(() => stopEmulator(emulator));

  it("prints the export line, an alias and every instance by name", () => {
    expect(emulator.env).toMatchObject({
      AWS_ENDPOINT_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      AWS_REGION: "us-east-1",
      ROUTE_TABLE_IDS: expect.stringMatching(/^rtb-/),
      ALLOCATE_POD_CIDR: "true",
    });
    expect(emulator.output()).toContain(`alias pod-routes='node ${cli}'`);
    for (const name of ["controller-0", "worker-0", "worker-1", "worker-2", "hard-k8s-workers"])
      expect(emulator.output()).toMatch(new RegExp(`^${name}\\s+i-[0-9a-f]+`, "m"));
    expect(emulator.output()).not.toContain("NodeVersionSupportWarning");
  });

  it("answers every CLI command, instances named as it printed them", async () => {
    const status = await podRoutes(emulator, ["status", "--json"]);
    expect(status.code, status.stderr).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({
      drift: [{ kind: "missing" }, { kind: "missing" }, { kind: "missing" }],
    });
    expect((await podRoutes(emulator, ["reconcile", "worker-1"])).stdout).toMatch(/create\s+10\.200\.1\.0\/24/);
    const launch = await podRoutes(emulator, ["events", "launch", "hard-k8s-workers"]);
    expect(JSON.parse(launch.stdout)).toMatchObject({ detail: { EC2InstanceId: expect.stringMatching(/^i-/) } });
    const sync = await podRoutes(emulator, ["sync"]);
    expect(sync.code, sync.stderr).toBe(0);
    expect((await podRoutes(emulator, ["status"])).code).toBe(0);
  });

  it("runs every sample in events/ with --instance naming a worker or the group's instance", async () => {
    const samples = (await readdir(resolve(root, "events"))).filter((file) => file.endsWith(".json"));
    expect(samples.length).toBeGreaterThanOrEqual(20);
    const outputs: string[] = [];
    for (const sample of samples) {
      const file = `events/${sample}`;
      const aboutOne = !/test-notification|scheduled|scheduler|sync/.test(sample);
      const instance = sample.startsWith("lifecycle-") ? "hard-k8s-workers" : "worker-2";
      const { code, stdout, stderr } = await podRoutes(emulator, [
        "invoke",
        file,
        ...(aboutOne ? ["--instance", instance] : []),
      ]);
      expect(code, `${file}: ${stdout}${stderr}`).toBe(0);
      expect(`${stdout}${stderr}`, file).not.toMatch(/FAILED|parse error|UnreadableAnswer/);
      outputs.push(stdout);
    }
    // The group's instance got its block at its first launch sample: shown as the route created for it,
    // the block allocated and the action completed, not as a route found in place.
    const allocating = outputs.find((output) => output.includes("allocated"));
    expect(allocating).toMatch(/created\s+10\.200\.3\.0\/24 → i-\w+ in rtb-\w+/);
    expect(allocating).toMatch(/allocated\s+10\.200\.3\.0\/24 to i-\w+ \(claimed in rtb-\w+\)/);
    expect(allocating).toMatch(/completed\s+the lifecycle action of i-\w+: CONTINUE/);
    // The README: the five samples about no instance run as they are, and refuse --instance.
    const aboutNone = samples.filter((sample) => /test-notification|scheduled|scheduler|sync/.test(sample));
    expect(aboutNone).toHaveLength(5);
    for (const sample of aboutNone) {
      const refused = await podRoutes(emulator, ["invoke", `events/${sample}`, "--instance", "worker-2"]);
      expect(refused.code, sample).toBe(2);
      expect(refused.stderr, sample).toContain("names no instance: --instance is for events about one");
    }
  }, 120_000);

  it("says so when a sample's made-up instance is used as it is", async () => {
    const { code, stdout } = await podRoutes(emulator, ["invoke", "events/state-change-running.json"]);
    expect(code).toBe(0);
    expect(stdout).toContain("nothing to do: no route is, or should be, i-0123456789abcdef0's");
    expect(stdout).toContain("pass --instance");
  });

  it("stops on Ctrl-C, and refuses a taken port saying so", async () => {
    const port = new URL(emulator.env["AWS_ENDPOINT_URL"]!).port;
    const second = spawn(process.execPath, [resolve(root, "dist/emulator.mjs"), "--port", port, "--empty"], {
      cwd: root,
    });
    let said = "";
    second.stderr.on("data", (chunk: Buffer) => (said += chunk.toString()));
    const [code] = (await once(second, "exit")) as [number];
    expect(code).toBe(1);
    expect(said).toContain(`port ${port} on 127.0.0.1 is taken`);
    expect(said).not.toMatch(/^\s+at /m);
  });
});

describe("npm run emulator --dual-stack", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator(["--dual-stack", "--workers", "2"]);
  }, 60_000);
  afterAll(() => stopEmulator(emulator));

  it("builds a dual-stack network whose workers carry both families, and exports CLUSTER_CIDR_V6", () => {
    expect(emulator.env).toMatchObject({
      CLUSTER_CIDR_V6: "fd00:10:200::/56",
      ROUTE_TABLE_IDS: expect.stringMatching(/^rtb-/),
    });
    expect(emulator.output()).toMatch(/dual-stack: vpc-[0-9a-f]+ \(10\.240\.0\.0\/16 and [0-9a-f:]+::\/56\)/);
    expect(emulator.output()).toMatch(/^worker-1\s+i-[0-9a-f]+\s+10\.200\.1\.0\/24,fd00:10:200:1::\/64/m);
  });

  it("lets status show both families, sync route both, and a launch take a block of each", async () => {
    const before = await podRoutes(emulator, ["status"]);
    expect(before.code, before.stderr).toBe(1);
    expect(before.stdout).toMatch(/missing\s+rtb-\S+\s+fd00:10:200:1::\/64/);
    expect((await podRoutes(emulator, ["sync"])).code).toBe(0);
    const launch = await podRoutes(emulator, [
      "invoke",
      "events/lifecycle-launch.json",
      "--instance",
      "hard-k8s-workers",
    ]);
    expect(launch.stdout).toContain("allocated      10.200.2.0/24,fd00:10:200:2::/64");

    const after = await podRoutes(emulator, ["status"]);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).toMatch(
      /^ROUTES rtb-\S+ \(IPv4: 4 of the 1000 routes its quota allows, 0\.4%; IPv6: 4 of the 1000/m,
    );
    for (const cidr of ["10.200.2.0/24", "fd00:10:200::/64", "fd00:10:200:1::/64", "fd00:10:200:2::/64"])
      expect(after.stdout).toMatch(
        new RegExp(`^${cidr.replace(/[./]/g, "\\$&")}\\s+i-[0-9a-f]+\\s+\\S+\\s+worker \\(running\\)`, "m"),
      );
  });
});

describe("npm run emulator --empty", () => {
  /** True once nothing answers on the endpoint, within 10 s. */
  async function silenced(endpoint: string): Promise<boolean> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const answering = await fetch(`${endpoint}/moto-api/data.json`).then(
        () => true,
        () => false,
      );
      if (!answering) return true;
      await new Promise((done) => setTimeout(done, 200));
    }
    return false;
  }

  it("leaves no server behind when it is killed outright", async () => {
    const emulator = await startEmulator(["--empty"]);
    const endpoint = emulator.env["AWS_ENDPOINT_URL"]!;
    expect((await fetch(`${endpoint}/moto-api/data.json`)).ok).toBe(true);
    const exited = once(emulator.child, "exit");
    emulator.child.kill("SIGKILL");
    await exited;
    expect(await silenced(endpoint), `${endpoint} still answers`).toBe(true);
  }, 60_000);

  it.each(["SIGTERM", "SIGKILL", "SIGHUP"] as const)(
    "ends with npm, and frees its port, when npm gets %s",
    async (signal) => {
      const emulator = await startEmulator(["--empty"], { viaNpm: true });
      const endpoint = emulator.env["AWS_ENDPOINT_URL"]!;
      expect((await fetch(`${endpoint}/moto-api/data.json`)).ok).toBe(true);
      const exited = once(emulator.child, "exit");
      emulator.child.kill(signal);
      await exited;
      expect(await silenced(endpoint), `${endpoint} still answers after npm's ${signal}`).toBe(true);
    },
    60_000,
  );

  it("builds nothing and exports no route table; Ctrl-C stops it with exit 0", async () => {
    const emulator = await startEmulator(["--empty"]);
    expect(emulator.env["ROUTE_TABLE_IDS"]).toBeUndefined();
    expect(emulator.output()).toContain("An empty account");
    expect(await stopEmulator(emulator)).toBe(0);
    expect(emulator.output()).toContain("emulator stopped.");
  }, 60_000);
});

describe("without moto", () => {
  const env = { ...process.env, MOTO_PYTHON: "/nonexistent/python3" };
  it.each([["dist/emulator.mjs"], ["dist/start.mjs"]])(
    "%s says what is missing and how to install it, with no stack trace",
    async (script) => {
      const failed = await promisify(execFile)(process.execPath, [resolve(root, script)], { cwd: root, env }).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed).toMatchObject({ code: 1 });
      const { stderr } = failed as { stderr: string };
      expect(stderr.split("\n")[0]).toMatch(
        /^missing: moto server 5\.2 .*python3 -m pip install 'moto\[server\]==5\.2\.1'/,
      );
      expect(stderr).not.toMatch(/^\s+at /m);
    },
  );
});

describe("the test run without moto", () => {
  const env = { ...process.env, MOTO_PYTHON: "/nonexistent/python3", CI: "true" };

  it("opens with the missing tool and its install command, and offers nothing in CI", async () => {
    const { stderr } = await promisify(execFile)(process.execPath, [resolve(root, "scripts/check-tools.mjs")], {
      cwd: root,
      env,
    });
    expect(stderr).not.toContain("Install moto");
    expect(stderr.split("\n")[0]).toMatch(
      /^missing: moto server 5\.2 .*pip install 'moto\[server\]==5\.2\.1'.*npm run emulator:install/,
    );
  });

  it("still runs the unit tests, and fails each integration file saying why", async () => {
    const report = join(await mkdtemp(join(tmpdir(), "pod-routes-no-moto-")), "report.json");
    const vitest = resolve(root, "node_modules/vitest/vitest.mjs");
    const run = await promisify(execFile)(
      process.execPath,
      [
        vitest,
        "run",
        "test/unit/pod-cidr.test.ts",
        "test/e2e/cli.test.ts",
        "--reporter=json",
        `--outputFile=${report}`,
      ],
      { cwd: root, env },
    ).catch((error: { code: number }) => error);
    expect(run).toMatchObject({ code: 1 });
    const results = JSON.parse(await readFile(report, "utf8")) as {
      numPassedTests: number;
      testResults: Array<{ name: string; status: string; message: string }>;
    };
    expect(results.numPassedTests).toBeGreaterThan(0);
    const integration = results.testResults.find((file) => file.name.endsWith("cli.test.ts"))!;
    expect(integration.status).toBe("failed");
    expect(integration.message).toContain("missing: moto server 5.2");
  }, 60_000);
});

describe("installing moto into the project", () => {
  it("is offered on a terminal when pip reaches an index, and the project's .venv is used from then on", async () => {
    // A project of just the tool check, and an index holding a stand-in moto 5.2.1 wheel (no network here).
    const project = await mkdtemp(join(tmpdir(), "pod-routes-install-"));
    await mkdir(join(project, "scripts/emulator"), { recursive: true });
    for (const file of ["scripts/check-tools.mjs", "scripts/emulator/install.mjs", "scripts/emulator/python.mjs"])
      await copyFile(resolve(root, file), join(project, file));
    const index = join(project, "index");
    await mkdir(index);
    await promisify(execFile)("python3", ["-c", STAND_IN_WHEEL, join(index, "moto-5.2.1-py3-none-any.whl")]);
    const pip = { PIP_NO_INDEX: "1", PIP_FIND_LINKS: index };

    // `script` gives the check a terminal; the answer is typed into it.
    const check = spawn("script", ["-qec", "node scripts/check-tools.mjs", "/dev/null"], {
      cwd: project,
      env: { ...process.env, ...pip, MOTO_PYTHON: "/nonexistent/python3", CI: "" },
    });
    let said = "";
    check.stdout.on("data", (chunk: Buffer) => (said += chunk.toString()));
    check.stdin.write("y\n");
    const [code] = (await once(check, "exit")) as [number];
    expect(code, said).toBe(0);
    expect(said).toContain("Install moto[server]==5.2.1 into this project's .venv now? [y/N]");
    expect(said).toContain(`installed: moto[server]==5.2.1 in ${join(project, ".venv")}`);

    const withoutOverride = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "MOTO_PYTHON"));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const m = await import("./scripts/emulator/python.mjs"); console.log(m.motoPython(), String(m.motoProblem()))',
      ],
      { cwd: project, env: withoutOverride },
    );
    expect(stdout.trim()).toBe(`${join(project, ".venv/bin/python")} undefined`);
  }, 120_000);
});

/** Writes a wheel named moto 5.2.1 (with a server extra and a moto.server module) to the path given. */
const STAND_IN_WHEEL = `
import sys, zipfile
files = {
    "moto/__init__.py": '__version__ = "5.2.1"\\n',
    "moto/server.py": "def main(argv):\\n    return 0\\n",
    "moto-5.2.1.dist-info/METADATA": "Metadata-Version: 2.1\\nName: moto\\nVersion: 5.2.1\\nProvides-Extra: server\\n",
    "moto-5.2.1.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = "".join(name + ",,\\n" for name in [*files, "moto-5.2.1.dist-info/RECORD"])
with zipfile.ZipFile(sys.argv[1], "w") as wheel:
    for name, text in {**files, "moto-5.2.1.dist-info/RECORD": record}.items():
        wheel.writestr(name, text)
`;
