import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { cfnTags } from "../../scripts/lib/cfn-tags.mjs";
import { describe, expect, it } from "vitest";

// The SAM CLI's way in: what `sam build`, `sam deploy --guided` and `sam publish` read from the project.
const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const templatePath = resolve(root, "infra/template.yaml");
const python = process.env["MOTO_PYTHON"] ?? "python3";

type Json = Record<string, any>;

async function template(): Promise<Json> {
  return parse(await readFile(templatePath, "utf8"), { customTags: cfnTags() }) as Json;
}

async function samconfig(): Promise<Json> {
  const { stdout } = await run(python, [
    "-c",
    "import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], 'rb'))))",
    resolve(root, "samconfig.toml"),
  ]);
  return JSON.parse(stdout) as Json;
}

describe("the SAM CLI's way", () => {
  it("builds the function from its CodeUri folder's Makefile: install, build, copy the bundle and its map", async () => {
    const fn = (await template())["Resources"]["PodRoutesFunction"];
    expect(fn["Metadata"]["BuildMethod"]).toBe("makefile");
    const codeFolder = resolve(dirname(templatePath), fn["Properties"]["CodeUri"] as string);
    expect(codeFolder).toBe(root);
    const make = ["-n", "build-PodRoutesFunction", "ARTIFACTS_DIR=/artifacts"];
    const { stdout } = await run("make", make, { cwd: codeFolder });
    expect(stdout.trim().split("\n")).toEqual([
      "npm ci --no-audit --no-fund",
      "npm run build",
      'cp dist/pod-routes/index.mjs dist/pod-routes/index.mjs.map "/artifacts/"',
    ]);
  });

  it("deploys with samconfig.toml: this template, the stack name and the capabilities the deploy script gives", async () => {
    const config = (await samconfig())["default"];
    expect(config["build"]["parameters"]["template_file"]).toBe("infra/template.yaml");
    expect(config["global"]["parameters"]["stack_name"]).toBe("pod-routes");
    const deployScript = await readFile(resolve(root, "scripts/deploy.mjs"), "utf8");
    const capabilities = (config["deploy"]["parameters"]["capabilities"] as string).split(" ");
    expect(capabilities).toEqual(["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]);
    for (const capability of capabilities) expect(deployScript).toContain(`"${capability}"`);
    expect(config["deploy"]["parameters"]["resolve_s3"]).toBe(true);
  });

  it("describes the application for the Serverless Application Repository as package.json does", async () => {
    const app = (await template())["Metadata"]["AWS::ServerlessRepo::Application"];
    const pkg = JSON.parse(await readFile(resolve(root, "package.json"), "utf8")) as Json;
    expect(app).toMatchObject({
      Name: pkg["name"],
      SemanticVersion: pkg["version"],
      SpdxLicenseId: pkg["license"],
      HomePageUrl: pkg["homepage"],
      SourceCodeUrl: pkg["homepage"],
    });
    for (const file of [app["LicenseUrl"], app["ReadmeUrl"]] as string[]) {
      expect(existsSync(resolve(dirname(templatePath), file)), file).toBe(true);
    }
    expect(app["Labels"]).toContain("kubernetes");
  });
});
